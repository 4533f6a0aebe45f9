"use client";

// Client-side context for the whole app: one TanStack Query client per browser tab, the colour
// theme (next-themes: the system's setting unless the user picked one) and the toasts.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ThemeProvider } from "next-themes";
import { useState, type ReactNode } from "react";
import { ToastProvider } from "@/components/ui/toast";

export function Providers({ children, nonce }: { children: ReactNode; nonce?: string }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          // Pages render with server data; refetch on focus or invalidation rather than on every mount.
          queries: { staleTime: 30_000, retry: 1 },
        },
      }),
  );
  return (
    // next-themes sets the theme with a small inline script before the page paints (no flash);
    // under the nonce-based CSP that script runs only if it carries the request's nonce.
    <ThemeProvider attribute="class" defaultTheme="system" enableSystem nonce={nonce}>
      <QueryClientProvider client={queryClient}>
        <ToastProvider>{children}</ToastProvider>
      </QueryClientProvider>
    </ThemeProvider>
  );
}

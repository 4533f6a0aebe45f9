import type { Metadata } from "next";
import { PlaygroundTabs } from "@/components/playground/playground-tabs";

export const metadata: Metadata = { title: { default: "Playground", template: "%s · Playground · EcoLink" } };

export default function PlaygroundLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-col gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Playground</h1>
          <p className="mt-1 text-sm text-zinc-500">Try every model in the browser. Requests are billed to your balance and logged exactly like API calls.</p>
        </div>
        <PlaygroundTabs />
      </div>
      {children}
    </div>
  );
}

// The console's sections, in sidebar order.
import type { ReactNode } from "react";
import { LineIcon } from "@/components/ui/line-icon";

export interface NavItem {
  href: string;
  label: string;
  icon: ReactNode;
}

function Icon({ d }: { d: string }) {
  return <LineIcon d={d} className="size-5 shrink-0" />;
}

export const NAV_ITEMS: NavItem[] = [
  { href: "/dashboard", label: "Dashboard", icon: <Icon d="M3 12l9-8 9 8M5 10v10h5v-6h4v6h5V10" /> },
  { href: "/playground", label: "Playground", icon: <Icon d="M4 5h16v11H8l-4 4V5Zm4 4h8M8 12h5" /> },
  { href: "/api-keys", label: "API keys", icon: <Icon d="M15 7a4 4 0 1 1-3.9 4.9L4 19v2h3v-2h2v-2h2l1.1-1.1A4 4 0 0 1 15 7Zm1 3h.01" /> },
  { href: "/usage", label: "Usage", icon: <Icon d="M4 20V10m6 10V4m6 16v-7m4 7H2" /> },
  { href: "/billing", label: "Billing", icon: <Icon d="M3 6h18v12H3V6Zm0 4h18M7 15h3" /> },
  { href: "/models", label: "Models", icon: <Icon d="M12 3 4 7.5v9L12 21l8-4.5v-9L12 3Zm0 0v18M4 7.5l8 4.5 8-4.5" /> },
  { href: "/docs", label: "Docs", icon: <Icon d="M6 3h9l4 4v14H6V3Zm9 0v4h4M9 12h7M9 16h7" /> },
];

export function isActive(pathname: string, href: string): boolean {
  return pathname === href || pathname.startsWith(`${href}/`);
}

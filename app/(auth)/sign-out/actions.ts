"use server";

import { signOut } from "@/lib/auth";

export async function signOutAndLeave(): Promise<void> {
  await signOut({ redirectTo: "/sign-in" });
}

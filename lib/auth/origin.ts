// The deployment's public origin in server components and server actions (lib/auth/public-origin.ts
// says where it comes from).
import "server-only";
import { headers } from "next/headers";
import { configuredOrigin, publicOriginFor } from "./public-origin";

export async function deploymentOrigin(): Promise<string> {
  return configuredOrigin() ?? publicOriginFor(await headers());
}

// Secrets development needs but nobody should have to invent: generated once and kept in an
// ignored file (.data/secrets.json), so sessions survive restarts of `npm run dev`.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "./project-root";

const file = path.join(projectRoot, ".data/secrets.json");

export function localSecrets(): { AUTH_SECRET: string } {
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as { AUTH_SECRET: string };
  const secrets = { AUTH_SECRET: randomBytes(32).toString("base64url") };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

// Whether a Debian package's command or data file is present, for the local engines' availability
// checks (the packages are optional: without them the models are simply not offered).
import { accessSync, constants } from "node:fs";
import path from "node:path";

export function isOnPath(command: string): boolean {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter(Boolean)
    .some((dir) => hasAccess(path.join(dir, command), constants.X_OK));
}

export function isReadable(file: string): boolean {
  return hasAccess(file, constants.R_OK);
}

function hasAccess(file: string, mode: number): boolean {
  try {
    accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
}

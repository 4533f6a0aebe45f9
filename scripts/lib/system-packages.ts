// Debian packages the product and its tests use (a browser, speech and media tools). When one is
// missing and we are root with apt, it is installed; otherwise the exact command is printed.
import { execFileSync, spawnSync } from "node:child_process";
import os from "node:os";

function isInstalled(pkg: string): boolean {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: ${Status} is dpkg-query's own format syntax.
  const result = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return result.status === 0 && result.stdout.includes("install ok installed");
}

export function missingDebianPackages(packages: string[]): string[] {
  return packages.filter((pkg) => !isInstalled(pkg));
}

/** Returns the packages still missing afterwards (empty when all are there). */
export function ensureDebianPackages(packages: string[], purpose: string): string[] {
  const missing = missingDebianPackages(packages);
  if (missing.length === 0) return [];
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(" ")}`;
  const canInstall = os.userInfo().uid === 0 && spawnSync("which", ["apt-get"]).status === 0;
  if (!canInstall) {
    console.warn(`${purpose} needs Debian packages that are not installed. Run as root:\n  ${command}`);
    return missing;
  }
  console.log(`Installing ${missing.join(", ")} for ${purpose}…`);
  try {
    execFileSync("sh", ["-c", `DEBIAN_FRONTEND=noninteractive ${command}`], { stdio: "inherit" });
  } catch {
    console.warn(`Could not install ${missing.join(", ")}. Run as root:\n  ${command}`);
  }
  return missingDebianPackages(packages);
}

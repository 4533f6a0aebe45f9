// The production server's bundle (scripts/lib/server-bundle.ts): every integration and end-to-end
// test runs it, so this checks only what they can't see: that it is built without esbuild's
// keepNames helper (the point of bundling instead of running under tsx), with source maps, and that
// code inside it finds the project's root past the package.json Next.js writes into its build.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findProjectRoot, projectRoot } from "@/scripts/lib/project-root";
import { buildServerBundle, serverBundleDir } from "@/scripts/lib/server-bundle";

const root = path.resolve(__dirname, "../..");
const scratch = mkdtempSync(path.join(os.tmpdir(), "ecolink-bundle-"));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the production server's bundle", () => {
  it("holds the server and Next.js's child in plain JavaScript, without keepNames wrappers, each with its source map", async () => {
    const entry = await buildServerBundle(scratch);
    expect(entry).toBe(path.join(scratch, "ecolink", "start.js"));
    for (const name of ["start", "next-server"]) {
      const file = path.join(scratch, "ecolink", `${name}.js`);
      const code = readFileSync(file, "utf8");
      expect(code).not.toMatch(/__name\(/);
      expect(code).toContain(`//# sourceMappingURL=${name}.js.map`);
      const map = JSON.parse(readFileSync(`${file}.map`, "utf8")) as { sources: string[] };
      expect(map.sources.some((source) => source.endsWith(name === "start" ? "server.ts" : "next-server.ts"))).toBe(true);
    }
    // Packages are loaded from node_modules as they are, not copied in.
    expect(readFileSync(entry, "utf8")).toMatch(/require\("pg"\)/);
    expect(existsSync(path.join(scratch, "ecolink", "start.js.partial"))).toBe(false);
  });

  it("lives in the Next.js build directory named from the project's root", () => {
    expect(serverBundleDir(".next-x")).toBe(path.join(root, ".next-x", "ecolink"));
  });
});

describe("projectRoot", () => {
  it("is the repository's root, found past a package.json of another name", () => {
    expect(projectRoot).toBe(root);
    const nested = path.join(root, ".next-root-check", "ecolink");
    mkdirSync(nested, { recursive: true });
    try {
      writeFileSync(path.join(root, ".next-root-check", "package.json"), JSON.stringify({ type: "commonjs" }));
      expect(findProjectRoot(nested)).toBe(root);
    } finally {
      rmSync(path.join(root, ".next-root-check"), { recursive: true, force: true });
    }
  });

  it("is not found outside the project", () => {
    expect(() => findProjectRoot(scratch)).toThrow(/No ecolink-console package\.json above/);
  });
});

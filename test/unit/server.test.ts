// The production server sends the API's routes straight to their app/v1 handlers; everything else
// is Next.js's. Every route file under app/v1 must be reachable one way, and the exact routes the
// fast path knows must resolve as Next.js's router would resolve them.
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { matchV1Route } from "@/server";
import * as modelById from "@/app/v1/models/[...id]/route";
import * as chatCompletions from "@/app/v1/chat/completions/route";

const v1Dir = path.resolve(__dirname, "../../app/v1");

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? routeFiles(path.join(dir, entry.name)) : entry.name === "route.ts" ? [path.relative(v1Dir, dir)] : [],
  );
}

describe("the production server's /v1 routes", () => {
  it("serves every app/v1 route file directly, except the catch-all that answers unknown paths", async () => {
    const routes = routeFiles(v1Dir);
    expect(routes).toContain("[...path]");
    for (const route of routes.filter((r) => r !== "[...path]")) {
      const module = (await import(`@/app/v1/${route}/route`)) as object;
      const pathname = `/v1/${route.replace("[...id]", "meta-llama/Llama-3.1-8B-Instruct")}`;
      expect(matchV1Route(pathname)?.module, pathname).toBe(module);
    }
  });

  it("resolves model ids with slashes, keeps their segments encoded, and leaves everything else to Next.js", () => {
    expect(matchV1Route("/v1/chat/completions")).toEqual({ module: chatCompletions, params: {} });
    expect(matchV1Route("/v1/models/meta-llama%2FLlama-3.1-8B-Instruct")).toEqual({
      module: modelById,
      params: { id: ["meta-llama%2FLlama-3.1-8B-Instruct"] },
    });
    expect(matchV1Route("/v1/models/meta-llama/Llama-3.1-8B-Instruct")?.params).toEqual({ id: ["meta-llama", "Llama-3.1-8B-Instruct"] });
    for (const pathname of ["/v1/models/", "/v1/models//x", "/v1/chat/completions/", "/v1/embeddings/", "/v1", "/api/health"]) {
      expect(matchV1Route(pathname), pathname).toBeNull();
    }
  });
});

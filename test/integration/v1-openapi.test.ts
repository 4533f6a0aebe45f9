// GET /v1/openapi.json, from the production server: public, a valid OpenAPI 3.1 document whose
// every $ref resolves, describing exactly the operations this deployment serves plus EcoLink's
// /me (whose schema a real /me answer satisfies), with the deployment's own address as its server.
import { validate } from "@readme/openapi-parser";
import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { SERVED_OPENAI_OPERATIONS } from "@/lib/openapi/served-operations";
import { appUrl, bearer, fundedUser, newApiKey } from "../support/v1-fixtures";

type Schema = Record<string, unknown>;
interface Document {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string }> }>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, { content: { "application/json": { schema: { $ref: string } } } }> };
  "x-vendored-from": { infoVersion: string; sha256: string };
}

async function fetchDocument(): Promise<{ response: Response; document: Document }> {
  const response = await fetch(`${appUrl()}/v1/openapi.json`);
  expect(response.status).toBe(200);
  return { response, document: (await response.json()) as Document };
}

describe("GET /v1/openapi.json", () => {
  it("answers without an API key, as JSON any origin may read, with this deployment's API as its server", async () => {
    const { response, document } = await fetchDocument();
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(document.servers).toEqual([expect.objectContaining({ url: `${appUrl()}/v1` })]);
    expect(document["x-vendored-from"]).toMatchObject({ infoVersion: expect.any(String), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it("is a valid OpenAPI document whose every $ref resolves (and the validator does reject a dangling one)", async () => {
    const { document } = await fetchDocument();
    const result = await validate(structuredClone(document) as never);
    expect(result, JSON.stringify(result).slice(0, 2000)).toMatchObject({ valid: true, specification: "OpenAPI" });

    const broken = structuredClone(document);
    broken.paths["/me"]!.get!.responses["200"] = { $ref: "#/components/responses/NoSuchResponse" };
    expect((await validate(broken as never)).valid).toBe(false);
  });

  it("lists exactly the operations served, plus GET /me", async () => {
    const { document } = await fetchDocument();
    const listed = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    const served = [
      ...Object.entries(SERVED_OPENAI_OPERATIONS).flatMap(([path, methods]) => methods.map((method) => `${method.toUpperCase()} ${path}`)),
      "GET /me",
    ];
    expect(listed.sort()).toEqual(served.sort());
    expect(listed).toEqual(expect.arrayContaining(["POST /chat/completions", "POST /embeddings", "POST /audio/speech", "GET /models/{model}"]));
  });

  it("documents EcoLink's additions: 402 out of credit on every paid operation, and cost on usage", async () => {
    const { document } = await fetchDocument();
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (method !== "post") continue;
        expect(operation.responses["402"], `${method} ${path}`).toEqual({ $ref: "#/components/responses/Error402" });
        expect(operation.responses["429"], `${method} ${path}`).toEqual({ $ref: "#/components/responses/Error429" });
      }
    }
    expect(document.components.responses.Error402!.content["application/json"].schema.$ref).toBe("#/components/schemas/ErrorResponse");
    const usage = document.components.schemas.CompletionUsage as { properties: Record<string, Schema> };
    expect(usage.properties.cost).toMatchObject({ type: "number" });
  });

  it("describes /me with the schema a real /me answer satisfies", async () => {
    const { document } = await fetchDocument();
    const user = await fundedUser("2.50");
    const key = await newApiKey(user.id, { spendLimit: 1_000_000_000n });
    const response = await fetch(`${appUrl()}/v1/me`, { headers: bearer(key.secret) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as unknown;

    const schemaRef = (document.paths["/me"]!.get!.responses["200"] as unknown as { content: { "application/json": { schema: { $ref: string } } } }).content[
      "application/json"
    ].schema.$ref;
    const schema = document.components.schemas[schemaRef.replace("#/components/schemas/", "")]!;
    const check = new Ajv({ strict: false }).compile(schema);
    expect(check(body), JSON.stringify(check.errors)).toBe(true);
    // …and the schema is strict enough to notice a wrong answer.
    expect(check({ ...(body as object), balance: { usd: "2.5" } })).toBe(false);
    expect(body).toMatchObject({ object: "account", balance: { decimal: "2.500000000" }, api_key: { id: key.id, spend_limit: { usd: 1 } } });
  });
});

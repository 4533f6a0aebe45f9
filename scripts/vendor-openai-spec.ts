// Cuts OpenAI's published OpenAPI spec (several MB) down to what the contract tests validate
// against: the response schemas in test/support/openapi-validator.ts plus every schema they $ref,
// transitively. Writes test/fixtures/openai-openapi.subset.json, noting which spec (version and
// sha256) it came from, so a bare clone runs the tests and an update is a reviewable diff.
//   npx tsx scripts/vendor-openai-spec.ts [path/to/openai-openapi.json]   (default: ../shared/openai-openapi.json)
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { OPENAI_COMPONENTS, VENDORED_SPEC_PATH } from "../test/support/openapi-validator";

const root = path.resolve(__dirname, "..");
const SCHEMA_REF = "#/components/schemas/";

interface Spec {
  openapi: string;
  info: { title: string; version: string };
  components: { schemas: Record<string, unknown> };
}

/** The schema names `node` refers to with $ref. */
function referencedSchemas(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) referencedSchemas(item, found);
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key !== "$ref") referencedSchemas(value, found);
      else if (typeof value === "string" && value.startsWith(SCHEMA_REF)) found.add(value.slice(SCHEMA_REF.length).split("/")[0]!);
      else throw new Error(`A $ref outside #/components/schemas: ${String(value)}`);
    }
  }
  return found;
}

function main() {
  const source = path.resolve(root, process.argv[2] ?? "../shared/openai-openapi.json");
  if (!existsSync(source)) throw new Error(`No spec at ${source}: pass the path of OpenAI's openai-openapi.json`);
  const text = readFileSync(source, "utf8");
  const spec = JSON.parse(text) as Spec;
  const schemas: Record<string, unknown> = {};
  const pending: string[] = [...OPENAI_COMPONENTS];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (name in schemas) continue;
    const schema = spec.components.schemas[name];
    if (schema === undefined) throw new Error(`No schema ${name} in ${source}`);
    schemas[name] = schema;
    pending.push(...referencedSchemas(schema));
  }
  const sorted = Object.fromEntries(Object.keys(schemas).sort().map((name) => [name, schemas[name]]));
  const subset = {
    openapi: spec.openapi,
    info: {
      title: `${spec.info.title} (subset)`,
      version: spec.info.version,
      description:
        "The schemas EcoLink's contract tests validate /v1 responses against, and everything they $ref, cut unchanged from " +
        "OpenAI's OpenAPI spec (https://github.com/openai/openai-openapi) by scripts/vendor-openai-spec.ts. Do not edit by hand.",
    },
    "x-vendored-from": { file: path.basename(source), infoVersion: spec.info.version, sha256: createHash("sha256").update(text).digest("hex"), roots: [...OPENAI_COMPONENTS] },
    components: { schemas: sorted },
  };
  writeFileSync(path.join(root, VENDORED_SPEC_PATH), `${JSON.stringify(subset, null, 2)}\n`);
  console.log(`Wrote ${VENDORED_SPEC_PATH}: ${Object.keys(sorted).length} schemas from ${source} (version ${spec.info.version}).`);
}

main();

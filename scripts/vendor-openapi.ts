// Cuts OpenAI's published OpenAPI spec (several MB; https://github.com/openai/openai-openapi) down
// to what this deployment serves: the operations in lib/openapi/served-operations.ts and every
// component (schema, response, security scheme) they $ref, transitively, copied unchanged except
// for the operations' x-oaiMeta (OpenAI's own code examples, against api.openai.com). Writes
// lib/openapi/openai-subset.json, noting the source's info.version, sha256 and the date, so a bare
// clone (which has no ../shared) builds and tests, and an update is a reviewable diff.
// GET /v1/openapi.json serves it with EcoLink's additions; test/support/openapi-validator.ts
// validates our /v1 answers against its schemas. Re-run after changing the served operations or
// to take a newer spec:
//   npx tsx scripts/vendor-openapi.ts [path/to/openai-openapi.json]   (default: ../shared/openai-openapi.json)
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SERVED_OPENAI_OPERATIONS, VENDORED_OPENAI_SPEC_PATH } from "../lib/openapi/served-operations";
import { projectRoot as root } from "./lib/project-root";

const COMPONENT_REF = /^#\/components\/([^/]+)\/([^/]+)$/;

type Json = unknown;
type Components = Record<string, Record<string, Json>>;

interface Spec {
  openapi: string;
  info: { title: string; version: string };
  servers?: Json;
  security?: { [scheme: string]: string[] }[];
  tags?: { name: string }[];
  paths: Record<string, Record<string, Json>>;
  components: Components;
}

/** The components `node` refers to with $ref, as "section/name" (e.g. "schemas/Model"). */
function referencedComponents(node: Json, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) referencedComponents(item, found);
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key !== "$ref") referencedComponents(value, found);
      else {
        const match = typeof value === "string" ? COMPONENT_REF.exec(value) : null;
        if (!match) throw new Error(`A $ref this script cannot follow: ${String(value)}`);
        found.add(`${match[1]}/${match[2]}`);
      }
    }
  }
  return found;
}

function sortedByKey<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key]!]),
  );
}

function main() {
  const source = path.resolve(root, process.argv[2] ?? "../shared/openai-openapi.json");
  if (!existsSync(source)) throw new Error(`No spec at ${source}: pass the path of OpenAI's openai-openapi.json`);
  const text = readFileSync(source, "utf8");
  const spec = JSON.parse(text) as Spec;

  const paths: Record<string, Record<string, Json>> = {};
  for (const [servedPath, methods] of Object.entries(SERVED_OPENAI_OPERATIONS)) {
    for (const method of methods) {
      const operation = spec.paths[servedPath]?.[method] as Record<string, Json> | undefined;
      if (!operation) throw new Error(`No ${method.toUpperCase()} ${servedPath} in ${source}`);
      const { "x-oaiMeta": _examples, ...kept } = operation;
      paths[servedPath] ??= {};
      paths[servedPath][method] = kept;
    }
  }

  const security = (spec.security ?? []).filter((requirement) => Object.keys(requirement).every((scheme) => scheme === "ApiKeyAuth"));
  const components: Components = {};
  const pending = [...referencedComponents(paths), ...security.flatMap((requirement) => Object.keys(requirement).map((scheme) => `securitySchemes/${scheme}`))];
  for (let ref = pending.pop(); ref !== undefined; ref = pending.pop()) {
    const [section, name] = ref.split("/") as [string, string];
    if (components[section]?.[name] !== undefined) continue;
    const component = spec.components[section]?.[name];
    if (component === undefined) throw new Error(`No component ${ref} in ${source}`);
    components[section] ??= {};
    components[section][name] = component;
    pending.push(...referencedComponents(component));
  }

  const usedTags = new Set(
    Object.values(paths).flatMap((operations) => Object.values(operations).flatMap((operation) => (operation as { tags?: string[] }).tags ?? [])),
  );
  const date = new Date().toISOString().slice(0, 10);
  const subset = {
    openapi: spec.openapi,
    info: {
      title: `${spec.info.title} (the part EcoLink serves)`,
      version: spec.info.version,
      description:
        "The operations of OpenAI's API that EcoLink serves and every component they $ref, cut unchanged from OpenAI's " +
        "OpenAPI spec (https://github.com/openai/openai-openapi) by scripts/vendor-openapi.ts (operations without their " +
        "x-oaiMeta examples). Do not edit by hand.",
    },
    "x-vendored-from": {
      url: "https://github.com/openai/openai-openapi",
      file: path.basename(source),
      infoVersion: spec.info.version,
      sha256: createHash("sha256").update(text).digest("hex"),
      date,
    },
    servers: spec.servers,
    security,
    tags: (spec.tags ?? []).filter((tag) => usedTags.has(tag.name)),
    paths,
    components: sortedByKey(Object.fromEntries(Object.entries(components).map(([section, entries]) => [section, sortedByKey(entries)]))),
  };
  writeFileSync(path.join(root, VENDORED_OPENAI_SPEC_PATH), `${JSON.stringify(subset, null, 2)}\n`);
  const counts = Object.entries(components)
    .map(([section, entries]) => `${Object.keys(entries).length} ${section}`)
    .join(", ");
  console.log(`Wrote ${VENDORED_OPENAI_SPEC_PATH}: ${Object.keys(paths).length} paths, ${counts}, from ${source} (version ${spec.info.version}).`);
}

main();

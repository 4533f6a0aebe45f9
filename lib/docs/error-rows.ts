// The docs' error tables, from the one mapping of errors to OpenAI's shape
// (lib/inference/openai-errors.ts, via the OpenAPI document's grouping by status).
import "server-only";
import type { ErrorRow } from "@/components/docs/reference-tables";
import { errorMappingsByStatus, statusMeaning } from "@/lib/openapi/ecolink-openapi";

/** Every error status, or those given, with the types and codes each carries. */
export function errorRows(statuses?: number[]): ErrorRow[] {
  return [...errorMappingsByStatus()]
    .filter(([status]) => !statuses || statuses.includes(status))
    .map(([status, mappings]) => ({ status, meaning: statusMeaning(status), mappings }));
}

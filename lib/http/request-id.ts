// The id every request gets on arrival ("req_" and 32 hex digits): the x-request-id header, its
// request-log row and its hold are all keyed by it, whichever door (/v1, the playground) it came in by.
import { randomUUID } from "node:crypto";

export function newRequestId(): string {
  return `req_${randomUUID().replace(/-/g, "")}`;
}

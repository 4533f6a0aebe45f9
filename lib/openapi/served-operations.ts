// The operations of OpenAI's API this deployment serves, as paths of OpenAI's spec (relative to
// its server, https://api.openai.com/v1) and their methods. The one list that decides what
// scripts/vendor-openapi.ts cuts out of OpenAI's spec and what GET /v1/openapi.json describes;
// EcoLink's own /me is added in code (lib/openapi/ecolink-openapi.ts). Plain data, no server-only
// import, so the vendoring script and the tests read it too.
export const SERVED_OPENAI_OPERATIONS = {
  "/chat/completions": ["post"],
  "/completions": ["post"],
  "/embeddings": ["post"],
  "/images/generations": ["post"],
  "/audio/speech": ["post"],
  "/audio/transcriptions": ["post"],
  "/audio/translations": ["post"],
  "/models": ["get"],
  "/models/{model}": ["get"],
} as const satisfies Record<string, readonly ("get" | "post")[]>;

export type ServedOpenAIPath = keyof typeof SERVED_OPENAI_OPERATIONS;

/** Where the vendored cut of OpenAI's spec lives, from the repository's root. */
export const VENDORED_OPENAI_SPEC_PATH = "lib/openapi/openai-subset.json";

// Which provider serves a model: the registry says "upstream" or "local" for each row.
import type { RegisteredModel } from "@/lib/inference/registry";
import { localProvider } from "@/lib/inference/providers/local";
import type { InferenceProvider } from "@/lib/inference/providers/types";
import { upstreamProvider } from "@/lib/inference/providers/upstream";

export function providerFor(model: RegisteredModel): InferenceProvider {
  return model.provider === "local" ? localProvider : upstreamProvider;
}

// The models of GET /v1/models, in OpenAI's Model shape: only those this deployment can serve.
// GET /v1/models/{id} adds what EcoLink knows of the model (extensions, beside OpenAI's fields):
// its kind, context length and, for chat models, its capabilities (for embedding models, its
// vector length).
import { capabilitiesBody } from "@/lib/inference/capabilities";
import { listAvailableModels, requireAvailableModel, type RegisteredModel } from "@/lib/inference/registry";

export interface OpenAIModel {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

function toOpenAIModel(model: RegisteredModel): OpenAIModel {
  return { id: model.id, object: "model", created: Math.floor(model.createdAt.getTime() / 1000), owned_by: model.ownedBy };
}

export async function listModelsResponse(): Promise<{ object: "list"; data: OpenAIModel[] }> {
  return { object: "list", data: (await listAvailableModels()).map(toOpenAIModel) };
}

export async function retrieveModelResponse(id: string) {
  const model = await requireAvailableModel(id);
  return {
    ...toOpenAIModel(model),
    kind: model.kind.toLowerCase(),
    context_length: model.contextLength,
    ...(model.kind === "CHAT" && { capabilities: capabilitiesBody(model.capabilities) }),
    ...(model.kind === "EMBEDDING" && { dimensions: model.capabilities.dimensions, adjustable_dimensions: model.capabilities.adjustableDimensions }),
  };
}

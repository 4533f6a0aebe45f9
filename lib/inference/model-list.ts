// The models of GET /v1/models, in OpenAI's Model shape: only those this deployment can serve.
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

export async function retrieveModelResponse(id: string): Promise<OpenAIModel> {
  return toOpenAIModel(await requireAvailableModel(id));
}

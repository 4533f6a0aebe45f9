import type { Metadata } from "next";
import { EmbeddingsPlayground } from "@/components/playground/embeddings-playground";
import { deploymentOrigin } from "@/lib/auth/origin";
import { requireUser } from "@/lib/auth/session";
import { playgroundModels } from "../models";

export const metadata: Metadata = { title: "Embeddings" };

export default async function EmbeddingsPlaygroundPage() {
  await requireUser();
  const [models, origin] = await Promise.all([playgroundModels("EMBEDDING"), deploymentOrigin()]);
  return <EmbeddingsPlayground initialModels={models} baseUrl={`${origin}/v1`} />;
}

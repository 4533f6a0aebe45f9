import type { Metadata } from "next";
import { ModelCatalog } from "@/components/models/model-catalog";
import { deploymentOrigin } from "@/lib/auth/origin";
import { requireUser } from "@/lib/auth/session";
import { modelCatalog } from "@/lib/inference/catalog";

export const metadata: Metadata = { title: "Models" };

export default async function ModelsPage() {
  await requireUser();
  const [models, origin] = await Promise.all([modelCatalog(), deploymentOrigin()]);
  return (
    <div className="flex flex-col gap-8">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Models</h1>
        <p className="mt-1 max-w-2xl text-sm text-zinc-500">
          Every model you can call with your API key, and what it costs. Prices are per million tokens for chat (prompt and completion priced separately), per
          image, and per minute of audio; you pay only for what a request uses.
        </p>
      </div>
      <ModelCatalog models={models} baseUrl={`${origin}/v1`} />
    </div>
  );
}

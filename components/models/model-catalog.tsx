import { EmptyState } from "@/components/ui/empty-state";
import type { CatalogModel } from "@/lib/inference/catalog";
import { ModelCard } from "./model-card";

const SECTIONS: { kind: CatalogModel["kind"]; title: string; endpoint: string }[] = [
  { kind: "CHAT", title: "Chat", endpoint: "/chat/completions" },
  { kind: "IMAGE", title: "Images", endpoint: "/images/generations" },
  { kind: "TRANSCRIPTION", title: "Speech to text", endpoint: "/audio/transcriptions" },
];

/** The whole catalog, one section per kind of model. */
export function ModelCatalog({ models, baseUrl }: { models: CatalogModel[]; baseUrl: string }) {
  if (models.length === 0) {
    return (
      <EmptyState
        title="No models yet"
        description="This deployment has no models in its registry. They are loaded from prisma/models.json when the server starts."
      />
    );
  }
  return (
    <div className="flex flex-col gap-10">
      {SECTIONS.map(({ kind, title, endpoint }) => {
        const ofKind = models.filter((model) => model.kind === kind);
        if (ofKind.length === 0) return null;
        return (
          <section key={kind} aria-labelledby={`section-${kind}`} className="flex flex-col gap-4">
            <div>
              <h2 id={`section-${kind}`} className="text-lg font-semibold text-zinc-900">
                {title}
              </h2>
              <p className="text-sm text-zinc-500">
                <code className="font-mono text-xs text-zinc-700">
                  POST {baseUrl}
                  {endpoint}
                </code>
              </p>
            </div>
            {ofKind.map((model) => (
              <ModelCard key={model.id} model={model} baseUrl={baseUrl} />
            ))}
          </section>
        );
      })}
    </div>
  );
}

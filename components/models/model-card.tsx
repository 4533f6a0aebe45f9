import { Badge } from "@/components/ui/badge";
import { Card, CardBody, CardHeader, CardTitle } from "@/components/ui/card";
import { CodeBlock } from "@/components/ui/code-block";
import { CopyButton } from "@/components/ui/copy-button";
import { cx } from "@/components/ui/class-names";
import { focusRing } from "@/components/ui/focus-ring";
import type { CatalogModel } from "@/lib/inference/catalog";
import { modelCodeSamples } from "./model-code-samples";

/** A chat model's capabilities in words, in the order GET /v1/models/{id} lists them. */
function capabilityList(capabilities: NonNullable<CatalogModel["capabilities"]>): { label: string; supported: boolean }[] {
  return [
    { label: "Tool calling", supported: capabilities.tools },
    { label: "JSON mode", supported: capabilities.json },
    { label: "Image input", supported: capabilities.vision },
    { label: "Audio input", supported: capabilities.audioIn },
    { label: "Log probabilities", supported: capabilities.logprobs },
    // One choice per request is every model's; only more is worth a word.
    ...(capabilities.maxN > 1 ? [{ label: `Up to ${capabilities.maxN} choices (n)`, supported: true }] : []),
  ];
}

function Capabilities({ capabilities }: { capabilities: NonNullable<CatalogModel["capabilities"]> }) {
  const list = capabilityList(capabilities);
  const supported = list.filter((item) => item.supported);
  const missing = list.filter((item) => !item.supported);
  return (
    <div className="text-sm">
      <p className="text-zinc-500">Supports</p>
      <ul aria-label="Supported features" className="mt-1 flex flex-wrap gap-1.5">
        {supported.length ? (
          supported.map((item) => (
            <li key={item.label}>
              <Badge variant="success">{item.label}</Badge>
            </li>
          ))
        ) : (
          <li className="text-zinc-900">Text only</li>
        )}
      </ul>
      {missing.length ? <p className="mt-1.5 text-xs text-zinc-500">Not supported: {missing.map((item) => item.label).join(", ")}.</p> : null}
    </div>
  );
}

const KIND_LABELS: Record<CatalogModel["kind"], string> = {
  CHAT: "Chat",
  IMAGE: "Image",
  TRANSCRIPTION: "Speech to text",
  EMBEDDING: "Embeddings",
  SPEECH: "Text to speech",
};

/** One model of the catalog: what it is, what it costs, whether it runs here, and how to call it. */
export function ModelCard({ model, baseUrl }: { model: CatalogModel; baseUrl: string }) {
  const available = model.unavailableReason === null;
  return (
    <Card aria-labelledby={`model-${model.id}`}>
      <CardHeader className="gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0">
          <CardTitle id={`model-${model.id}`}>{model.displayName}</CardTitle>
          <div className="mt-1 flex min-w-0 items-center gap-2">
            <code className="truncate font-mono text-sm text-zinc-700">{model.id}</code>
            <CopyButton value={model.id} label={`Copy the model id ${model.id}`} variant="ghost" />
          </div>
        </div>
        <div className="flex flex-wrap gap-1.5 sm:justify-end">
          <Badge>{KIND_LABELS[model.kind]}</Badge>
          {available ? <Badge variant="success">Available</Badge> : <Badge variant="warning">Not available here</Badge>}
          {model.isDemo ? <Badge variant="info">Demo</Badge> : null}
        </div>
      </CardHeader>
      <CardBody className="flex flex-col gap-4">
        <p className="text-sm text-zinc-600">{model.description}</p>
        {model.isDemo ? (
          <p className="text-sm text-sky-900">
            Demo model running on this machine&apos;s CPU, so that every endpoint works without a GPU server. Use it to try the API, not for real work.
          </p>
        ) : null}
        {available ? null : (
          <p className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
            Not available on this deployment: {model.unavailableReason} Requests for it are answered with 404{" "}
            <code className="font-mono text-xs">model_not_found</code>.
          </p>
        )}
        <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-3">
          <div>
            <dt className="text-zinc-500">Provider</dt>
            <dd className="mt-0.5 text-zinc-900">{model.provider === "local" ? "This server (CPU)" : "GPU inference server"}</dd>
          </div>
          <div>
            <dt className="text-zinc-500">{model.kind === "CHAT" ? "Context length" : "Made by"}</dt>
            <dd className="mt-0.5 text-zinc-900">
              {model.kind === "CHAT" && model.contextLength !== null ? `${model.contextLength.toLocaleString("en-US")} tokens` : model.ownedBy}
            </dd>
          </div>
          <div>
            <dt className="text-zinc-500">Price</dt>
            <dd className="mt-0.5">
              <ul className="space-y-0.5 text-zinc-900">
                {model.prices.map((price) => (
                  <li key={price.label}>
                    <span className="text-zinc-500">{price.label}:</span> {price.value}
                  </li>
                ))}
              </ul>
            </dd>
          </div>
        </dl>
        {model.capabilities ? <Capabilities capabilities={model.capabilities} /> : null}
        <details className="group">
          <summary className={cx("w-fit cursor-pointer rounded text-sm font-medium text-emerald-700 hover:underline", focusRing)}>Code sample</summary>
          <CodeBlock className="mt-3" title={`Calling ${model.id}`} samples={modelCodeSamples(model, baseUrl)} />
        </details>
      </CardBody>
    </Card>
  );
}

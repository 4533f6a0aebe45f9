import type { Metadata } from "next";
import { Bullets, Code, DocSection, DocTitle, P } from "@/components/docs/prose";
import { ModelPriceTable } from "@/components/docs/reference-tables";
import { signupCreditNanos } from "@/lib/auth/email-verification";
import { formatUsd } from "@/lib/credits/money";
import { modelCatalog, type CatalogModel } from "@/lib/inference/catalog";

export const metadata: Metadata = { title: "Pricing · Docs" };

// Headings for the registry's model kinds; a kind without one is shown under its own name.
const KIND_TITLES: Record<string, string> = {
  CHAT: "Chat and completions",
  EMBEDDING: "Embeddings",
  IMAGE: "Image generation",
  SPEECH: "Text to speech",
  TRANSCRIPTION: "Speech to text",
};

export default async function PricingPage() {
  const models = await modelCatalog();
  const byKind = new Map<string, CatalogModel[]>();
  for (const model of models) byKind.set(model.kind, [...(byKind.get(model.kind) ?? []), model]);
  return (
    <>
      <DocTitle title="Pricing" lead="Pay per use, per model: the prices below are read from this deployment's model registry." />
      <DocSection title="How you are charged" id="how">
        <Bullets
          items={[
            <>Chat and completions: per million input tokens and per million output tokens, priced separately, as the inference server counts them.</>,
            <>Embeddings: per million input tokens. Images: per image, by size. Speech: per million input characters. Transcription: per minute of audio.</>,
            <>
              Before a request runs, credit for its worst case is held; when it ends you are charged what it used and the rest is released. Failed requests (
              <Code>5xx</Code>) and refused ones cost nothing; a stream you close early costs what was generated until then.
            </>,
            <>
              Every answer with a usage object reports <Code>usage.cost</Code> in dollars; the console&apos;s request log has each request&apos;s exact cost.
              New accounts start with {formatUsd(signupCreditNanos())} of credit.
            </>,
          ]}
        />
      </DocSection>
      {[...byKind].map(([kind, kindModels]) => (
        <DocSection key={kind} title={KIND_TITLES[kind] ?? kind} id={`kind-${kind.toLowerCase()}`}>
          <ModelPriceTable caption={`${KIND_TITLES[kind] ?? kind} prices`} models={kindModels} />
        </DocSection>
      ))}
      {models.length === 0 ? <P>No models are registered on this deployment yet.</P> : null}
    </>
  );
}

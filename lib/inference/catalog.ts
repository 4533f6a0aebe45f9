// The registry as the console's Models page shows it: every enabled model with its prices in
// dollars, what it is, and whether this deployment can serve it (and if not, why).
import { formatUsd } from "@/lib/credits/money";
import type { ModelCapabilities } from "@/lib/inference/capabilities";
import type { ModelKind } from "@/lib/generated/prisma/enums";
import { parseImageSize } from "@/lib/inference/model-config";
import { listModels, type RegisteredModel } from "@/lib/inference/registry";

export interface CatalogPrice {
  label: string;
  /** e.g. "$0.18 per 1M tokens" */
  value: string;
}

export interface CatalogModel {
  id: string;
  kind: ModelKind;
  displayName: string;
  description: string;
  ownedBy: string;
  /** local: runs inside this app on the CPU; upstream: forwarded to an inference server. */
  provider: "local" | "upstream";
  isDemo: boolean;
  contextLength: number | null;
  prices: CatalogPrice[];
  /** Image sizes, smallest first (image models only). */
  imageSizes: string[];
  unavailableReason: string | null;
  /** What a chat model takes beyond text; null for other kinds. */
  capabilities: ModelCapabilities | null;
}

const KIND_ORDER: Record<ModelKind, number> = { CHAT: 0, EMBEDDING: 1, IMAGE: 2, TRANSCRIPTION: 3, SPEECH: 4 };

function pricesOf(model: RegisteredModel, sizes: string[]): CatalogPrice[] {
  const { prices } = model;
  switch (model.kind) {
    case "CHAT":
      return [
        { label: "Input", value: `${formatUsd(prices.inputPerMillion)} per 1M tokens` },
        { label: "Output", value: `${formatUsd(prices.outputPerMillion)} per 1M tokens` },
      ];
    case "IMAGE":
      return sizes.map((size) => ({ label: size, value: `${formatUsd(prices.perImage.get(size) ?? 0n)} per image` }));
    case "TRANSCRIPTION":
      return [{ label: "Audio", value: `${formatUsd(prices.perAudioMinute)} per minute` }];
    case "EMBEDDING":
      return [{ label: "Input", value: `${formatUsd(prices.inputPerMillion)} per 1M tokens` }];
    case "SPEECH":
      return [{ label: "Text", value: `${formatUsd(prices.perMillionCharacters)} per 1M characters` }];
  }
}

function toCatalogModel(model: RegisteredModel): CatalogModel {
  const area = (size: string) => {
    const dimensions = parseImageSize(size);
    return dimensions ? dimensions.width * dimensions.height : 0;
  };
  const imageSizes = [...model.prices.perImage.keys()].sort((a, b) => area(a) - area(b));
  return {
    id: model.id,
    kind: model.kind,
    displayName: model.displayName,
    description: model.description,
    ownedBy: model.ownedBy,
    provider: model.provider,
    isDemo: model.isDemo,
    contextLength: model.contextLength,
    prices: pricesOf(model, imageSizes),
    imageSizes,
    unavailableReason: model.availability.available ? null : model.availability.reason,
    capabilities: model.kind === "CHAT" ? model.capabilities : null,
  };
}

/** Chat, then image, then speech models; within a kind, available before unavailable. */
export async function modelCatalog(): Promise<CatalogModel[]> {
  return (await listModels())
    .map(toCatalogModel)
    .sort(
      (a, b) =>
        KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
        Number(a.unavailableReason !== null) - Number(b.unavailableReason !== null) ||
        Number(a.isDemo) - Number(b.isDemo) ||
        a.id.localeCompare(b.id),
    );
}

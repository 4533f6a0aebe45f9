// The registry's models of one kind, as the playground's pickers show them: available ones first,
// each with its prices (from the same registry the gateway core prices requests with).
import { formatUsd } from "@/lib/credits/money";
import type { ModelKind } from "@/lib/generated/prisma/enums";
import { parseImageSize } from "@/lib/inference/model-config";
import { listModels, type RegisteredModel } from "@/lib/inference/registry";
import type { PlaygroundModel } from "@/components/playground/playground-model";

function priceSummary(model: RegisteredModel): string {
  const { prices } = model;
  switch (model.kind) {
    case "CHAT":
      return `${formatUsd(prices.inputPerMillion)} in · ${formatUsd(prices.outputPerMillion)} out per 1M tokens`;
    case "IMAGE": {
      const each = [...prices.perImage.values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (each.length === 0) return "No sizes priced";
      const [low, high] = [each[0]!, each[each.length - 1]!];
      return low === high ? `${formatUsd(low)} per image` : `${formatUsd(low)}–${formatUsd(high)} per image`;
    }
    case "TRANSCRIPTION":
      return `${formatUsd(prices.perAudioMinute)} per audio minute`;
    case "EMBEDDING":
      return `${formatUsd(prices.inputPerMillion)} per 1M tokens`;
    case "SPEECH":
      return `${formatUsd(prices.perMillionCharacters)} per 1M characters`;
  }
}

function toPlaygroundModel(model: RegisteredModel): PlaygroundModel {
  const imageSizes = [...model.prices.perImage.entries()]
    .flatMap(([size, price]) => {
      const dimensions = parseImageSize(size);
      return dimensions ? [{ size, ...dimensions, price: formatUsd(price) }] : [];
    })
    .sort((a, b) => a.width * a.height - b.width * b.height);
  return {
    id: model.id,
    displayName: model.displayName,
    description: model.description,
    isDemo: model.isDemo,
    unavailableReason: model.availability.available ? null : model.availability.reason,
    contextLength: model.contextLength,
    priceSummary: priceSummary(model),
    imageSizes,
    capabilities: model.capabilities,
  };
}

export async function playgroundModels(kind: ModelKind): Promise<PlaygroundModel[]> {
  const models = (await listModels()).filter((model) => model.kind === kind).map(toPlaygroundModel);
  // Stable sort: models that can answer come first, in the registry's order.
  return models.sort((a, b) => Number(a.unavailableReason !== null) - Number(b.unavailableReason !== null));
}

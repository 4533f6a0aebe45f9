// The example request for one model — a hello for chat, a lighthouse for images, speech.wav for
// transcription, two sentences to embed, a hello to speak — as code samples for its card on the Models page; the dashboard's quickstart is
// the chat one.
import { chatCode, embeddingsCode, imagesCode, speechCode, transcriptionCode } from "@/components/code-samples/request-code";
import type { CodeSample } from "@/components/ui/code-block";
import type { CatalogModel } from "@/lib/inference/catalog";

export function chatCodeSamples(modelId: string, baseUrl: string): CodeSample[] {
  return chatCode(baseUrl, { model: modelId, messages: [{ role: "user", content: "Hello!" }] });
}

export function modelCodeSamples(model: CatalogModel, baseUrl: string): CodeSample[] {
  switch (model.kind) {
    case "CHAT":
      return chatCodeSamples(model.id, baseUrl);
    case "IMAGE": {
      const size = model.imageSizes.includes("1024x1024") ? "1024x1024" : (model.imageSizes[0] ?? "1024x1024");
      // The card's curl prints the JSON, so that it runs with curl alone.
      return imagesCode(baseUrl, { model: model.id, prompt: "A lighthouse at dusk", n: 1, size, response_format: "b64_json" }, { curlSavesImage: false });
    }
    case "TRANSCRIPTION":
      return transcriptionCode(baseUrl, { model: model.id, fileName: "speech.wav" });
    case "EMBEDDING":
      return embeddingsCode(baseUrl, { model: model.id, input: ["The food was delicious.", "The meal tasted great."] });
    case "SPEECH":
      return speechCode(baseUrl, { model: model.id, input: "Hello from EcoLink!", voice: "alloy", response_format: "mp3" });
  }
}

// Each API reference page's example request, against this deployment and a model of the
// registry that serves it: the console's own samples (curl, Python, JavaScript) where it has them,
// curl for the rest. The key comes from ECOLINK_API_KEY, never written into a sample.
import { chatCodeSamples } from "@/components/models/model-code-samples";
import { imagesCode, transcriptionCode } from "@/components/code-samples/request-code";
import type { CodeSample } from "@/components/ui/code-block";

const AUTH = `  -H "Authorization: Bearer $ECOLINK_API_KEY"`;

function curlJson(url: string, body: object, tail: string[] = []): CodeSample {
  const json = JSON.stringify(body, null, 2).replace(/'/g, `'\\''`);
  return {
    label: "curl",
    code: [`curl ${url} \\`, `${AUTH} \\`, `  -H "Content-Type: application/json" \\`, `  -d '${json}'${tail.length ? " \\" : ""}`, ...tail].join("\n"),
  };
}

/** The example for one operation of an endpoint page (by its OpenAPI path). */
export function endpointExample(path: string, baseUrl: string, model: string): CodeSample[] {
  switch (path) {
    case "/chat/completions":
      return chatCodeSamples(model, baseUrl);
    case "/completions":
      return [curlJson(`${baseUrl}/completions`, { model, prompt: "Once upon a time", max_tokens: 32 })];
    case "/embeddings":
      return [curlJson(`${baseUrl}/embeddings`, { model, input: ["The cat sat on the mat.", "A cat is sitting on a rug."] })];
    case "/images/generations":
      return imagesCode(baseUrl, { model, prompt: "A lighthouse at dusk", n: 1, size: "1024x1024", response_format: "b64_json" });
    case "/audio/speech":
      return [curlJson(`${baseUrl}/audio/speech`, { model, input: "Hello from EcoLink.", voice: "alloy", response_format: "wav" }, ["  --output speech.wav"])];
    case "/audio/transcriptions":
      return transcriptionCode(baseUrl, { model, fileName: "speech.wav" });
    case "/audio/translations":
      return [{ label: "curl", code: [`curl ${baseUrl}/audio/translations \\`, `${AUTH} \\`, `  -F file=@speech.mp3 \\`, `  -F model=${model}`].join("\n") }];
    case "/models":
      return [{ label: "curl", code: `curl ${baseUrl}/models \\\n${AUTH}` }];
    case "/models/{model}":
      return [{ label: "curl", code: `curl ${baseUrl}/models/${model} \\\n${AUTH}` }];
    default:
      return [{ label: "curl", code: `curl ${baseUrl}${path} \\\n${AUTH}` }];
  }
}

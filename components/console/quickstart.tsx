import { chatCodeSamples } from "@/components/models/model-code-samples";
import { CodeBlock, type CodeSample } from "@/components/ui/code-block";

// The first request a developer makes: the same chat completion with curl and the OpenAI SDKs,
// pointed at this deployment. The key comes from the environment, never pasted into code.
const EXAMPLE_MODEL = "ecolink/tiny-chat";

export function quickstartSamples(baseUrl: string): CodeSample[] {
  return chatCodeSamples(EXAMPLE_MODEL, baseUrl);
}

export function Quickstart({ baseUrl }: { baseUrl: string }) {
  return <CodeBlock title="Quickstart" samples={quickstartSamples(baseUrl)} />;
}

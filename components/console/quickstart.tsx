import { CodeBlock, type CodeSample } from "@/components/ui/code-block";

// The first request a developer makes: the same chat completion with curl and the OpenAI SDKs,
// pointed at this deployment. The key comes from the environment, never pasted into code.
const EXAMPLE_MODEL = "ecolink/tiny-chat";

export function quickstartSamples(baseUrl: string): CodeSample[] {
  const body = JSON.stringify({ model: EXAMPLE_MODEL, messages: [{ role: "user", content: "Hello!" }] });
  return [
    {
      label: "curl",
      code: `curl ${baseUrl}/chat/completions \\
  -H "Authorization: Bearer $ECOLINK_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '${body}'`,
    },
    {
      label: "Python",
      code: `# pip install openai
import os
from openai import OpenAI

client = OpenAI(base_url="${baseUrl}", api_key=os.environ["ECOLINK_API_KEY"])

response = client.chat.completions.create(
    model="${EXAMPLE_MODEL}",
    messages=[{"role": "user", "content": "Hello!"}],
)
print(response.choices[0].message.content)`,
    },
    {
      label: "JavaScript",
      code: `// npm install openai
import OpenAI from "openai";

const client = new OpenAI({ baseURL: "${baseUrl}", apiKey: process.env.ECOLINK_API_KEY });

const response = await client.chat.completions.create({
  model: "${EXAMPLE_MODEL}",
  messages: [{ role: "user", content: "Hello!" }],
});
console.log(response.choices[0].message.content);`,
    },
  ];
}

export function Quickstart({ baseUrl }: { baseUrl: string }) {
  return <CodeBlock title="Quickstart" samples={quickstartSamples(baseUrl)} />;
}

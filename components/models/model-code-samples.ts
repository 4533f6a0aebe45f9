// The request a developer would send to one model, as curl and OpenAI SDK snippets for
// its card on the Models page. The key comes from the environment, never pasted into code.
import type { CodeSample } from "@/components/ui/code-block";
import type { CatalogModel } from "@/lib/inference/catalog";

const PYTHON_CLIENT = (baseUrl: string) => `client = OpenAI(base_url="${baseUrl}", api_key=os.environ["ECOLINK_API_KEY"])`;

/** A chat completion with curl and the OpenAI SDKs; the dashboard's quickstart shows the same. */
export function chatCodeSamples(modelId: string, baseUrl: string): CodeSample[] {
  const body = JSON.stringify({ model: modelId, messages: [{ role: "user", content: "Hello!" }] });
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

${PYTHON_CLIENT(baseUrl)}

response = client.chat.completions.create(
    model="${modelId}",
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
  model: "${modelId}",
  messages: [{ role: "user", content: "Hello!" }],
});
console.log(response.choices[0].message.content);`,
    },
  ];
}

function imageSamples(model: CatalogModel, baseUrl: string): CodeSample[] {
  const size = model.imageSizes.includes("1024x1024") ? "1024x1024" : (model.imageSizes[0] ?? "1024x1024");
  const body = JSON.stringify({ model: model.id, prompt: "A lighthouse at dusk", size, response_format: "b64_json" });
  return [
    {
      label: "curl",
      code: `curl ${baseUrl}/images/generations \\
  -H "Authorization: Bearer $ECOLINK_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '${body}'`,
    },
    {
      label: "Python",
      code: `import base64
import os
from openai import OpenAI

${PYTHON_CLIENT(baseUrl)}

result = client.images.generate(
    model="${model.id}",
    prompt="A lighthouse at dusk",
    size="${size}",
    response_format="b64_json",
)
with open("image.png", "wb") as file:
    file.write(base64.b64decode(result.data[0].b64_json))`,
    },
  ];
}

function transcriptionSamples(model: CatalogModel, baseUrl: string): CodeSample[] {
  return [
    {
      label: "curl",
      code: `curl ${baseUrl}/audio/transcriptions \\
  -H "Authorization: Bearer $ECOLINK_API_KEY" \\
  -F model="${model.id}" \\
  -F file="@speech.wav"`,
    },
    {
      label: "Python",
      code: `import os
from openai import OpenAI

${PYTHON_CLIENT(baseUrl)}

with open("speech.wav", "rb") as audio:
    transcript = client.audio.transcriptions.create(model="${model.id}", file=audio)
print(transcript.text)`,
    },
  ];
}

export function modelCodeSamples(model: CatalogModel, baseUrl: string): CodeSample[] {
  switch (model.kind) {
    case "CHAT":
      return chatCodeSamples(model.id, baseUrl);
    case "IMAGE":
      return imageSamples(model, baseUrl);
    case "TRANSCRIPTION":
      return transcriptionSamples(model, baseUrl);
  }
}

import type { Metadata } from "next";
import { Bullets, Code, DocSection, DocTitle, P } from "@/components/docs/prose";
import { CodeBlock, type CodeSample } from "@/components/ui/code-block";
import { deploymentOrigin } from "@/lib/auth/origin";

export const metadata: Metadata = { title: "Structured outputs · Docs" };

// A model of the registry whose upstream (vLLM and the like) supports guided JSON output.
const MODEL = "meta-llama/Llama-3.1-8B-Instruct";

const SCHEMA = {
  type: "object",
  properties: { name: { type: "string" }, date: { type: "string" }, participants: { type: "array", items: { type: "string" } } },
  required: ["name", "date", "participants"],
  additionalProperties: false,
};

function jsonObjectSample(baseUrl: string): string {
  const body = {
    model: MODEL,
    response_format: { type: "json_object" },
    messages: [
      { role: "system", content: "Answer in JSON with the keys city and country." },
      { role: "user", content: "Where is the Eiffel Tower?" },
    ],
  };
  return `curl ${baseUrl}/chat/completions \\
  -H "Authorization: Bearer $ECOLINK_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '${JSON.stringify(body, null, 2)}'`;
}

function jsonSchemaSamples(baseUrl: string): CodeSample[] {
  const body = {
    model: MODEL,
    messages: [{ role: "user", content: "Alice and Bob are going to a science fair on Friday." }],
    response_format: { type: "json_schema", json_schema: { name: "calendar_event", strict: true, schema: SCHEMA } },
  };
  return [
    {
      label: "curl",
      code: `curl ${baseUrl}/chat/completions \\
  -H "Authorization: Bearer $ECOLINK_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '${JSON.stringify(body, null, 2)}'`,
    },
    {
      label: "Python",
      code: `import os

from openai import OpenAI
from pydantic import BaseModel

client = OpenAI(base_url=${JSON.stringify(baseUrl)}, api_key=os.environ["ECOLINK_API_KEY"])


class CalendarEvent(BaseModel):
    name: str
    date: str
    participants: list[str]


completion = client.chat.completions.parse(
    model=${JSON.stringify(MODEL)},
    messages=[{"role": "user", "content": "Alice and Bob are going to a science fair on Friday."}],
    response_format=CalendarEvent,
)
print(completion.choices[0].message.parsed)`,
    },
    {
      label: "JavaScript",
      code: `import OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { z } from "zod";

const client = new OpenAI({ baseURL: ${JSON.stringify(baseUrl)}, apiKey: process.env.ECOLINK_API_KEY });
const CalendarEvent = z.object({ name: z.string(), date: z.string(), participants: z.array(z.string()) });

const completion = await client.chat.completions.parse({
  model: ${JSON.stringify(MODEL)},
  messages: [{ role: "user", content: "Alice and Bob are going to a science fair on Friday." }],
  response_format: zodResponseFormat(CalendarEvent, "calendar_event"),
});
console.log(completion.choices[0].message.parsed);`,
    },
  ];
}

export default async function StructuredOutputsPage() {
  const baseUrl = `${await deploymentOrigin()}/v1`;
  return (
    <>
      <DocTitle title="Structured outputs" lead="Ask for JSON — any JSON object, or one that matches your JSON Schema." />
      <DocSection title="JSON mode" id="json-object">
        <P>
          <Code>{`"response_format": {"type": "json_object"}`}</Code> makes the model answer with a JSON object. Say in the prompt which keys you want: JSON
          mode guarantees valid JSON, not a shape.
        </P>
        <CodeBlock title="curl" code={jsonObjectSample(baseUrl)} />
      </DocSection>
      <DocSection title="JSON Schema" id="json-schema">
        <P>
          <Code>{`"response_format": {"type": "json_schema", "json_schema": {"name", "schema", "strict": true}}`}</Code> constrains the answer to your schema.
          The SDKs&apos; <Code>parse</Code> helpers build the schema from a Pydantic model or a Zod schema and parse the answer for you.
        </P>
        <CodeBlock title="JSON Schema" samples={jsonSchemaSamples(baseUrl)} />
      </DocSection>
      <DocSection title="Which models" id="models">
        <Bullets
          items={[
            <>
              <Code>response_format</Code> is passed to the model&apos;s inference server unchanged; servers such as vLLM enforce the schema while decoding.
              Each model declares whether it supports JSON output (<Code>GET /v1/models/{"{model}"}</Code>).
            </>,
            <>
              A model without it answers <Code>400</Code> with <Code>param</Code> <Code>&quot;response_format&quot;</Code> naming the model — the local demo{" "}
              <Code>ecolink/tiny-chat</Code> is one.
            </>,
            <>
              If the answer was cut off by <Code>max_completion_tokens</Code> (<Code>finish_reason</Code> <Code>&quot;length&quot;</Code>), the JSON may be
              incomplete: allow enough output tokens.
            </>,
          ]}
        />
      </DocSection>
    </>
  );
}

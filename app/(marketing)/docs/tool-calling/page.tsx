import type { Metadata } from "next";
import { Bullets, Code, DocSection, DocTitle, P } from "@/components/docs/prose";
import { CodeBlock, type CodeSample } from "@/components/ui/code-block";
import { deploymentOrigin } from "@/lib/auth/origin";

export const metadata: Metadata = { title: "Tool calling · Docs" };

// A model of the registry whose upstream (vLLM and the like) supports tools.
const MODEL = "meta-llama/Llama-3.1-8B-Instruct";

const TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The current weather in a city.",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  },
};

function samples(baseUrl: string): CodeSample[] {
  const body = { model: MODEL, messages: [{ role: "user", content: "What's the weather in Paris?" }], tools: [TOOL], tool_choice: "auto" };
  return [
    {
      label: "curl",
      code: [
        `curl ${baseUrl}/chat/completions \\`,
        `  -H "Authorization: Bearer $ECOLINK_API_KEY" \\`,
        `  -H "Content-Type: application/json" \\`,
        `  -d '${JSON.stringify(body, null, 2).replace(/'/g, `'\\''`)}'`,
        "",
        "# The answer's choices[0].message.tool_calls, e.g.",
        `# [{"id": "call_…", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]`,
      ].join("\n"),
    },
    {
      label: "Python",
      code: `import json
import os

from openai import OpenAI

client = OpenAI(base_url=${JSON.stringify(baseUrl)}, api_key=os.environ["ECOLINK_API_KEY"])
tools = [${JSON.stringify(TOOL)}]
messages = [{"role": "user", "content": "What's the weather in Paris?"}]

response = client.chat.completions.create(model=${JSON.stringify(MODEL)}, messages=messages, tools=tools)
message = response.choices[0].message
messages.append(message)
for call in message.tool_calls or []:
    args = json.loads(call.function.arguments)
    result = {"city": args["city"], "temperature_c": 18}  # your function runs here
    messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})

final = client.chat.completions.create(model=${JSON.stringify(MODEL)}, messages=messages, tools=tools)
print(final.choices[0].message.content)`,
    },
    {
      label: "JavaScript",
      code: `import OpenAI from "openai";

const client = new OpenAI({ baseURL: ${JSON.stringify(baseUrl)}, apiKey: process.env.ECOLINK_API_KEY });
const tools = [${JSON.stringify(TOOL)}];
const messages = [{ role: "user", content: "What's the weather in Paris?" }];

const response = await client.chat.completions.create({ model: ${JSON.stringify(MODEL)}, messages, tools });
const message = response.choices[0].message;
messages.push(message);
for (const call of message.tool_calls ?? []) {
  const args = JSON.parse(call.function.arguments);
  const result = { city: args.city, temperature_c: 18 }; // your function runs here
  messages.push({ role: "tool", tool_call_id: call.id, content: JSON.stringify(result) });
}

const final = await client.chat.completions.create({ model: ${JSON.stringify(MODEL)}, messages, tools });
console.log(final.choices[0].message.content);`,
    },
  ];
}

function streamedSamples(baseUrl: string): CodeSample[] {
  return [
    {
      label: "curl",
      code: `curl -N ${baseUrl}/chat/completions \\
  -H "Authorization: Bearer $ECOLINK_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"model": ${JSON.stringify(MODEL)}, "stream": true, "tools": [${JSON.stringify(TOOL)}], "messages": [{"role": "user", "content": "Weather in Paris?"}]}'

# data: {…"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_…","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}
# data: {…"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\": "}}]}}]}
# data: {…"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\\"Paris\\"}"}}]}}]}
# data: {…"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}
# data: [DONE]`,
    },
    {
      label: "Python",
      code: `calls = {}
stream = client.chat.completions.create(model=${JSON.stringify(MODEL)}, messages=messages, tools=tools, stream=True)
for chunk in stream:
    if not chunk.choices:
        continue
    for delta in chunk.choices[0].delta.tool_calls or []:
        call = calls.setdefault(delta.index, {"id": None, "name": "", "arguments": ""})
        call["id"] = delta.id or call["id"]
        if delta.function and delta.function.name:
            call["name"] = delta.function.name
        if delta.function and delta.function.arguments:
            call["arguments"] += delta.function.arguments
print(calls)  # {0: {"id": "call_…", "name": "get_weather", "arguments": '{"city": "Paris"}'}}`,
    },
    {
      label: "JavaScript",
      code: `// The SDK's stream helper assembles the deltas for you.
const stream = client.chat.completions.stream({ model: ${JSON.stringify(MODEL)}, messages, tools });
stream.on("tool_calls.function.arguments.delta", (event) => process.stdout.write(event.arguments_delta));
const completion = await stream.finalChatCompletion();
console.log(completion.choices[0].message.tool_calls);`,
    },
  ];
}

export default async function ToolCallingPage() {
  const baseUrl = `${await deploymentOrigin()}/v1`;
  return (
    <>
      <DocTitle title="Tool calling" lead="Describe functions with tools; the model answers with the calls it wants made, and you send back their results." />
      <DocSection title="A round trip" id="round-trip">
        <P>
          Send <Code>tools</Code> (and optionally <Code>tool_choice</Code>, <Code>parallel_tool_calls</Code>) with a chat completion. When the model calls a
          tool, the answer&apos;s message has <Code>tool_calls</Code> and <Code>finish_reason</Code> is <Code>&quot;tool_calls&quot;</Code>. Run the function,
          append the assistant message and a <Code>tool</Code> message per call (with its <Code>tool_call_id</Code>), and ask again.
        </P>
        <CodeBlock title="Tool calling" samples={samples(baseUrl)} />
      </DocSection>
      <DocSection title="Streamed tool calls" id="streaming">
        <P>
          In a stream, each call arrives in pieces under <Code>delta.tool_calls</Code>: the first piece of a call has its <Code>index</Code>, <Code>id</Code>{" "}
          and function <Code>name</Code>; the following ones carry fragments of <Code>arguments</Code>, relayed as the model writes them. Concatenate them by{" "}
          <Code>index</Code> — or let the SDK do it.
        </P>
        <CodeBlock title="Streamed tool calls" samples={streamedSamples(baseUrl)} />
      </DocSection>
      <DocSection title="Which models" id="models">
        <Bullets
          items={[
            <>
              The request is passed to the model&apos;s inference server unchanged, so tool calling works as that server implements it (vLLM, llama.cpp, TGI …).
              Each model declares whether it supports tools; <Code>GET /v1/models/{"{model}"}</Code> shows its capabilities.
            </>,
            <>
              A model without tool support answers <Code>400</Code> with <Code>param</Code> <Code>&quot;tools&quot;</Code> and a message naming the model — the
              local demo <Code>ecolink/tiny-chat</Code> is one.
            </>,
            <>Tool definitions and results count as input tokens; the calls the model writes count as output tokens.</>,
          ]}
        />
      </DocSection>
    </>
  );
}

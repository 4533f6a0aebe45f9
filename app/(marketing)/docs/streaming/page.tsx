import type { Metadata } from "next";
import Link from "next/link";
import { chatCode } from "@/components/code-samples/request-code";
import { Bullets, Code, DocSection, DocTitle, P } from "@/components/docs/prose";
import { CodeBlock } from "@/components/ui/code-block";
import { deploymentOrigin } from "@/lib/auth/origin";

export const metadata: Metadata = { title: "Streaming · Docs" };

const WIRE_EXAMPLE = `data: {"id":"chatcmpl-…","object":"chat.completion.chunk","created":1767225600,"model":"ecolink/tiny-chat","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

data: {"id":"chatcmpl-…","object":"chat.completion.chunk","created":1767225600,"model":"ecolink/tiny-chat","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}

data: {"id":"chatcmpl-…","object":"chat.completion.chunk","created":1767225600,"model":"ecolink/tiny-chat","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

data: {"id":"chatcmpl-…","object":"chat.completion.chunk","created":1767225600,"model":"ecolink/tiny-chat","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21,"cost":0.00000165}}

data: [DONE]`;

export default async function StreamingPage() {
  const baseUrl = `${await deploymentOrigin()}/v1`;
  const samples = chatCode(baseUrl, {
    model: "ecolink/tiny-chat",
    messages: [{ role: "user", content: "Tell me a story." }],
    stream: true,
    stream_options: { include_usage: true },
  });
  return (
    <>
      <DocTitle title="Streaming" lead="Set stream: true and tokens arrive as server-sent events while the model writes them." />
      <DocSection title="Streamed chat completions" id="chat">
        <P>
          <Code>POST /v1/chat/completions</Code> and <Code>POST /v1/completions</Code> stream with <Code>&quot;stream&quot;: true</Code>. The answer is{" "}
          <Code>text/event-stream</Code>: one <Code>data:</Code> line per chunk (OpenAI&apos;s <Code>chat.completion.chunk</Code>), ending with{" "}
          <Code>data: [DONE]</Code>. The OpenAI SDKs read it for you.
        </P>
        <CodeBlock title="Streaming" samples={samples} />
        <P>On the wire:</P>
        <CodeBlock title="text/event-stream" code={WIRE_EXAMPLE} />
      </DocSection>
      <DocSection title="Usage and cost" id="usage">
        <P>
          With{" "}
          <Code>
            &quot;stream_options&quot;: {"{"}&quot;include_usage&quot;: true{"}"}
          </Code>{" "}
          the last chunk before <Code>[DONE]</Code> has an empty <Code>choices</Code> and the request&apos;s <Code>usage</Code>, including EcoLink&apos;s{" "}
          <Code>cost</Code> in dollars. Without it no usage chunk is sent; the request is billed all the same and its cost is in the console&apos;s request log.
        </P>
      </DocSection>
      <DocSection title="When the connection ends early" id="disconnect">
        <Bullets
          items={[
            <>
              If you close the connection (or stop iterating the SDK&apos;s stream), generation stops and you pay for the prompt and the tokens generated until
              then — nothing more.
            </>,
            <>
              If the inference server fails after the stream has started, the stream ends with an error event in OpenAI&apos;s error shape and the request costs
              nothing. If it fails before the first token, you get a plain error status instead (see{" "}
              <Link href="/docs/errors" className="font-medium text-emerald-700 hover:underline">
                Errors
              </Link>
              ).
            </>,
            <>Tokens are sent only once they are recorded, so what you received is what you are billed for, even if a server restarts mid-stream.</>,
          ]}
        />
      </DocSection>
      <DocSection title="Tool calls in a stream" id="tools">
        <P>
          Streamed tool calls arrive as <Code>delta.tool_calls</Code> fragments, relayed as the model produces them: the first fragment of each call carries its{" "}
          <Code>id</Code> and function <Code>name</Code>, later ones pieces of <Code>arguments</Code> to concatenate by <Code>index</Code>. See{" "}
          <Link href="/docs/tool-calling" className="font-medium text-emerald-700 hover:underline">
            Tool calling
          </Link>
          .
        </P>
      </DocSection>
    </>
  );
}

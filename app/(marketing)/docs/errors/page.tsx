import type { Metadata } from "next";
import { Bullets, Code, DocSection, DocTitle, P } from "@/components/docs/prose";
import { ErrorTable } from "@/components/docs/reference-tables";
import { CodeBlock } from "@/components/ui/code-block";
import { errorRows } from "@/lib/docs/error-rows";

export const metadata: Metadata = { title: "Errors · Docs" };

const EXAMPLE = JSON.stringify(
  { error: { message: "Invalid value for 'temperature': expected number, received string.", type: "invalid_request_error", param: "temperature", code: null } },
  null,
  2,
);

export default function ErrorsPage() {
  return (
    <>
      <DocTitle title="Errors" lead="Every error is JSON in OpenAI's shape, with the status code OpenAI's SDKs expect." />
      <DocSection title="The error object" id="shape">
        <CodeBlock title="400 Bad Request" code={EXAMPLE} />
        <Bullets
          items={[
            <>
              <Code>message</Code> says what went wrong in words; <Code>param</Code> names the offending parameter when there is one (
              <Code>messages[0].role</Code>).
            </>,
            <>
              <Code>type</Code> and <Code>code</Code> are OpenAI&apos;s, so the SDKs raise their usual classes (<Code>AuthenticationError</Code>,{" "}
              <Code>RateLimitError</Code> …).
            </>,
            <>
              Every answer has an <Code>x-request-id</Code> header: quote it when you ask us about a request. It is also in the console&apos;s request log.
            </>,
          ]}
        />
      </DocSection>
      <DocSection title="Status codes" id="statuses">
        <P>
          All of them, with the <Code>type</Code> and <Code>code</Code> each can carry:
        </P>
        <ErrorTable caption="Error status codes" rows={errorRows()} />
      </DocSection>
      <DocSection title="Out of credit: 402, not 429" id="402">
        <P>
          OpenAI answers an exhausted quota with <Code>429</Code> and type <Code>insufficient_quota</Code>. EcoLink keeps the type and code but uses{" "}
          <Code>402</Code>, so that clients do not retry it as if it were a rate limit. The OpenAI SDKs raise it as an <Code>APIStatusError</Code> with{" "}
          <Code>status</Code> 402.
        </P>
      </DocSection>
      <DocSection title="What is charged" id="charges">
        <P>
          Refused requests (<Code>4xx</Code>) and failures of the inference server (<Code>5xx</Code>) cost nothing. They are still in the request log, with
          their error code, so you can see why calls failed.
        </P>
      </DocSection>
    </>
  );
}

import type { Metadata } from "next";
import Link from "next/link";
import { Bullets, Code, DocSection, DocTitle, P } from "@/components/docs/prose";
import { CodeBlock } from "@/components/ui/code-block";
import { env } from "@/lib/env";
import { MAX_AUDIO_BYTES } from "@/lib/inference/transcriptions";
import { MAX_JSON_BODY_BYTES } from "@/lib/inference/v1-handler";
import { RATE_LIMIT_WINDOW_MS, rateLimitExceeded, rateLimitHeaders } from "@/lib/rate-limit";

export const metadata: Metadata = { title: "Rate limits · Docs" };

function mebibytes(bytes: number): string {
  return `${bytes / (1024 * 1024)} MB`;
}

export default function RateLimitsPage() {
  const { RATE_LIMIT_RPM, ACCOUNT_RATE_LIMIT_RPM, ACCOUNT_MAX_CONCURRENT_REQUESTS } = env();
  // What a refused request of a key at its default limit looks like, from the code that sends it.
  const refused = { allowed: false, limit: RATE_LIMIT_RPM, remaining: 0, resetSeconds: 12 };
  const headers = rateLimitHeaders(refused);
  const example = [
    "HTTP/1.1 429 Too Many Requests",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    "",
    JSON.stringify({ error: { message: rateLimitExceeded(refused).message, type: "requests", param: null, code: "rate_limit_exceeded" } }, null, 2),
  ].join("\n");
  const windowSeconds = RATE_LIMIT_WINDOW_MS / 1000;
  return (
    <>
      <DocTitle title="Rate limits" lead="Requests per minute per API key and per account, and a cap on requests running at once." />
      <DocSection title="The limits on this deployment" id="limits">
        <Bullets
          items={[
            <>
              <strong>Per API key:</strong> <span data-testid="key-rpm">{RATE_LIMIT_RPM}</span> requests per minute unless the key has its own limit (set when
              you create it).
            </>,
            <>
              <strong>Per account:</strong> {ACCOUNT_RATE_LIMIT_RPM} requests per minute across all its keys, so more keys do not buy a higher rate.
            </>,
            <>
              <strong>At once:</strong> {ACCOUNT_MAX_CONCURRENT_REQUESTS} requests in flight per account, across its keys and the playground.
            </>,
            <>
              <strong>Request size:</strong> JSON bodies up to {mebibytes(MAX_JSON_BODY_BYTES)}; audio uploads up to {mebibytes(MAX_AUDIO_BYTES)}. Larger ones
              are a <Code>413</Code>.
            </>,
          ]}
        />
        <P>
          Limits count in fixed {windowSeconds}-second windows: a key&apos;s first request opens its window, and the count starts over when it ends. Refused
          requests are not counted, so retrying early does not push your reset further away. Every request counts, including free ones such as{" "}
          <Code>GET /v1/models</Code>.
        </P>
      </DocSection>
      <DocSection title="Headers" id="headers">
        <P>Every answer of an authenticated request carries the limit closest to refusing you:</P>
        <Bullets
          items={[
            <>
              <Code>x-ratelimit-limit-requests</Code> — requests allowed per window.
            </>,
            <>
              <Code>x-ratelimit-remaining-requests</Code> — requests left in this window.
            </>,
            <>
              <Code>x-ratelimit-reset-requests</Code> — time until the window starts over, as OpenAI writes it (<Code>12s</Code>, <Code>1m0s</Code>).
            </>,
            <>
              <Code>retry-after</Code> — on a <Code>429</Code> only: whole seconds to wait.
            </>,
          ]}
        />
        <CodeBlock title="A refused request" code={example} />
      </DocSection>
      <DocSection title="Handling a 429" id="handling">
        <P>
          The OpenAI SDKs retry a <Code>429</Code> after <Code>retry-after</Code> by themselves (twice by default). Too many requests in flight is also a{" "}
          <Code>429</Code> (retry after a second). Running out of credit is not a rate limit: it is a <Code>402</Code>, which is not worth retrying until you
          add credit — see{" "}
          <Link href="/docs/errors" className="font-medium text-emerald-700 hover:underline">
            Errors
          </Link>
          .
        </P>
      </DocSection>
    </>
  );
}

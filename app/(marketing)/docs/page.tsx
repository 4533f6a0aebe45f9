import type { Metadata } from "next";
import Link from "next/link";
import { Quickstart } from "@/components/console/quickstart";
import { Bullets, Code, DocSection, DocTitle, P } from "@/components/docs/prose";
import { deploymentOrigin } from "@/lib/auth/origin";
import { ENDPOINT_DOCS } from "@/lib/docs/endpoints";

export const metadata: Metadata = { title: "Docs" };

export default async function DocsQuickstartPage() {
  const baseUrl = `${await deploymentOrigin()}/v1`;
  return (
    <>
      <DocTitle title="Quickstart" lead="EcoLink serves open models behind the OpenAI API: keep your OpenAI client, change its base URL and key." />
      <DocSection title="Your first request" id="first-request">
        <ol className="list-decimal space-y-1.5 pl-5">
          <li>
            <Link href="/sign-up" className="font-medium text-emerald-700 hover:underline">
              Sign up
            </Link>{" "}
            and create an API key on the console&apos;s{" "}
            <Link href="/api-keys" className="font-medium text-emerald-700 hover:underline">
              API keys
            </Link>{" "}
            page.
          </li>
          <li>
            Export it: <Code>export ECOLINK_API_KEY=eco_…</Code>
          </li>
          <li>
            Send a request to <Code>{baseUrl}</Code>:
          </li>
        </ol>
        <Quickstart baseUrl={baseUrl} />
        <P>
          <Code>ecolink/tiny-chat</Code> is a small demo model that runs on this server&apos;s CPU; swap in any model from{" "}
          <Link href="/docs/pricing" className="font-medium text-emerald-700 hover:underline">
            Pricing
          </Link>
          .
        </P>
      </DocSection>
      <DocSection title="Endpoints" id="endpoints">
        <Bullets
          items={ENDPOINT_DOCS.map((doc) => (
            <>
              <Link href={`/docs/api/${doc.slug}`} className="font-medium text-emerald-700 hover:underline">
                {doc.title}
              </Link>{" "}
              — {doc.summary}
            </>
          ))}
        />
        <P>
          The whole API is described by an OpenAPI document:{" "}
          <a href="/v1/openapi.json" className="font-medium text-emerald-700 hover:underline">
            /v1/openapi.json
          </a>{" "}
          (public, no key needed) — OpenAI&apos;s own spec for the endpoints served here, plus EcoLink&apos;s additions.
        </P>
      </DocSection>
    </>
  );
}

import type { Metadata } from "next";
import Link from "next/link";
import { Bullets, Code, DocSection, DocTitle, P } from "@/components/docs/prose";
import { CodeBlock } from "@/components/ui/code-block";
import { deploymentOrigin } from "@/lib/auth/origin";
import { API_KEY_PREFIX } from "@/lib/keys/key-format";

export const metadata: Metadata = { title: "Authentication · Docs" };

export default async function AuthenticationPage() {
  const baseUrl = `${await deploymentOrigin()}/v1`;
  return (
    <>
      <DocTitle title="Authentication" lead="Every request carries an EcoLink API key as a Bearer token, like OpenAI's." />
      <DocSection title="API keys" id="keys">
        <P>
          Create keys on the console&apos;s{" "}
          <Link href="/api-keys" className="font-medium text-emerald-700 hover:underline">
            API keys
          </Link>{" "}
          page. A key starts with <Code>{API_KEY_PREFIX}</Code> and is shown once, when you create it: store it in a secret manager or an environment variable,
          and never in code that runs in a browser.
        </P>
        <Bullets
          items={[
            <>A key may have an expiry date, a spend limit (a request that could exceed it is refused with a 402) and its own requests-per-minute limit.</>,
            <>Revoking a key takes effect on its next request.</>,
            <>Every request a key makes, including refused ones, appears in the console&apos;s request log with its cost.</>,
          ]}
        />
      </DocSection>
      <DocSection title="Sending the key" id="header">
        <CodeBlock
          samples={[
            { label: "curl", code: `curl ${baseUrl}/models \\\n  -H "Authorization: Bearer $ECOLINK_API_KEY"` },
            {
              label: "Python",
              code: `import os\n\nfrom openai import OpenAI\n\nclient = OpenAI(\n    base_url=${JSON.stringify(baseUrl)},\n    api_key=os.environ["ECOLINK_API_KEY"],\n)`,
            },
            {
              label: "JavaScript",
              code: `import OpenAI from "openai";\n\nconst client = new OpenAI({ baseURL: ${JSON.stringify(baseUrl)}, apiKey: process.env.ECOLINK_API_KEY });`,
            },
          ]}
        />
        <P>
          A missing, unknown, revoked or expired key is a <Code>401</Code> with code <Code>invalid_api_key</Code>. See{" "}
          <Link href="/docs/errors" className="font-medium text-emerald-700 hover:underline">
            Errors
          </Link>
          .
        </P>
      </DocSection>
      <DocSection title="Checking your credit" id="me">
        <P>
          <Code>GET /v1/me</Code> (EcoLink&apos;s own endpoint) answers with the key&apos;s account balance, what requests in flight hold, and the key&apos;s
          limits — see{" "}
          <Link href="/docs/api/me" className="font-medium text-emerald-700 hover:underline">
            Account
          </Link>
          .
        </P>
        <CodeBlock title="curl" code={`curl ${baseUrl}/me \\\n  -H "Authorization: Bearer $ECOLINK_API_KEY"`} />
      </DocSection>
    </>
  );
}

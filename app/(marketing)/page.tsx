import type { Metadata } from "next";
import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";
import { CodeBlock } from "@/components/ui/code-block";
import { signupCreditNanos } from "@/lib/auth/email-verification";
import { formatUsd } from "@/lib/credits/money";
import { env } from "@/lib/env";

const FEATURES = [
  { title: "Chat completions", body: "Plain or streamed as server-sent events, with token usage on every response." },
  { title: "Image generation", body: "Generate images from a prompt and get them back as URLs or base64." },
  { title: "Speech-to-text", body: "Upload audio and get a transcript, with segment and word timestamps." },
  { title: "Pay for what you use", body: "Every call is metered and priced per model. Top up by card when you need more." },
];

const SWITCH_EXAMPLE = `from openai import OpenAI

client = OpenAI(
    base_url="https://<your-ecolink>/v1",  # the only change
    api_key="eco_…",
)
client.chat.completions.create(
    model="ecolink/tiny-chat",
    messages=[{"role": "user", "content": "Hello!"}],
)`;

export function generateMetadata(): Metadata {
  const baseUrl = env().AUTH_URL;
  return {
    // Link previews need an absolute image URL: the deployment's public address when it is configured.
    metadataBase: baseUrl ? new URL(baseUrl) : undefined,
    openGraph: {
      title: "EcoLink — GPU inference cloud",
      description: "Run open models on our GPUs with the OpenAI API you already use.",
      type: "website",
      images: [{ url: "/og-image.png", width: 1200, height: 630, alt: "EcoLink: open models on our GPUs, with the OpenAI API you already use." }],
    },
    twitter: { card: "summary_large_image", images: ["/og-image.png"] },
  };
}

export default function LandingPage() {
  const credit = formatUsd(signupCreditNanos());
  return (
    <>
      <section className="bg-gradient-to-b from-emerald-50/70 to-white">
        <div className="mx-auto grid max-w-6xl items-center gap-12 px-4 py-16 sm:px-6 sm:py-24 lg:grid-cols-2">
          <div>
            <p className="text-sm font-medium text-emerald-700">GPU inference cloud</p>
            <h1 className="mt-3 text-4xl font-semibold tracking-tight text-zinc-900 sm:text-5xl">
              Run open models on our GPUs with the OpenAI API you already use.
            </h1>
            <p className="mt-5 text-lg text-zinc-600">
              EcoLink serves chat, image and speech-to-text models behind an OpenAI-compatible API. Point your OpenAI SDK or curl at EcoLink, keep your code,
              and pay only for what you use.
            </p>
            <p className="mt-5 inline-flex items-center rounded-full bg-emerald-100 px-3 py-1 text-sm font-medium text-emerald-800">
              {credit} free credit when you sign up
            </p>
            <div className="mt-8 flex flex-wrap gap-3">
              <Link href="/sign-up" className={buttonClasses({ className: "h-11 px-6 text-base" })}>
                Sign up
              </Link>
              <Link href="/sign-in" className={buttonClasses({ variant: "secondary", className: "h-11 px-6 text-base" })}>
                Sign in
              </Link>
            </div>
          </div>
          <CodeBlock title="Python" code={SWITCH_EXAMPLE} />
        </div>
      </section>
      <section aria-labelledby="features" className="mx-auto max-w-6xl px-4 py-16 sm:px-6">
        <h2 id="features" className="text-2xl font-semibold tracking-tight">
          One API for every model
        </h2>
        <ul className="mt-8 grid gap-6 sm:grid-cols-2 lg:grid-cols-4">
          {FEATURES.map((feature) => (
            <li key={feature.title} className="rounded-xl border border-zinc-200 p-5">
              <h3 className="font-medium text-zinc-900">{feature.title}</h3>
              <p className="mt-2 text-sm text-zinc-600">{feature.body}</p>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

// The docs' building blocks: headings, paragraphs and inline markup, so every page reads alike.
// InlineText renders the small markup the docs' data and OpenAI's descriptions use: `code` and
// [text](href) links (internal /docs links through next/link, absolute ones as plain anchors).
import Link from "next/link";
import type { ReactNode } from "react";

const INLINE = /`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)/g;

export function InlineText({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    const [, code, label, href] = match;
    if (code !== undefined) parts.push(<Code key={match.index}>{code}</Code>);
    else if (href?.startsWith("/")) {
      parts.push(
        <Link key={match.index} href={href} className="font-medium text-emerald-700 underline-offset-2 hover:underline">
          {label}
        </Link>,
      );
    } else if (href?.startsWith("https://")) {
      parts.push(
        <a key={match.index} href={href} className="font-medium text-emerald-700 underline-offset-2 hover:underline" rel="noreferrer">
          {label}
        </a>,
      );
    } else parts.push(label);
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return <>{parts}</>;
}

export function Code({ children }: { children: ReactNode }) {
  return <code className="rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.85em] break-words text-zinc-800">{children}</code>;
}

export function DocTitle({ title, lead }: { title: string; lead?: ReactNode }) {
  return (
    <header className="mb-8">
      <h1 className="text-3xl font-semibold tracking-tight text-zinc-900">{title}</h1>
      {lead ? <p className="mt-3 text-base text-zinc-600">{lead}</p> : null}
    </header>
  );
}

export function DocSection({ title, id, children }: { title: string; id: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="mt-10 first:mt-0">
      <h2 id={id} className="text-xl font-semibold tracking-tight text-zinc-900">
        {title}
      </h2>
      <div className="mt-3 flex flex-col gap-4 text-sm leading-relaxed text-zinc-700">{children}</div>
    </section>
  );
}

export function P({ children }: { children: ReactNode }) {
  return <p>{children}</p>;
}

export function Bullets({ items }: { items: ReactNode[] }) {
  return (
    <ul className="list-disc space-y-1.5 pl-5">
      {items.map((item, index) => (
        <li key={index}>{item}</li>
      ))}
    </ul>
  );
}

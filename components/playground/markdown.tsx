// Renders a model's Markdown reply with react-markdown and GitHub's extensions (tables, task lists,
// strikethrough, autolinks). HTML in the reply never reaches the page: react-markdown doesn't turn
// raw HTML into elements, rehype-sanitize drops whatever is not on GitHub's safe list, and link
// URLs other than http(s)/mailto are removed. Code is highlighted by rehype-highlight, whose
// grammars are bundled (nothing is fetched at run time) and which works while a fence is still
// streaming.
import { Children, isValidElement, type ComponentPropsWithoutRef, type ReactElement, type ReactNode } from "react";
import ReactMarkdown, { type Components } from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import rehypeSanitize from "rehype-sanitize";
import remarkGfm from "remark-gfm";
import { CodeBlock } from "@/components/ui/code-block";

const SAFE_PROTOCOL = /^(https?:|mailto:)/i;

/** The plain text of highlighted code (nested spans), for the copy button. */
function textOf(node: ReactNode): string {
  if (typeof node === "string" || typeof node === "number") return String(node);
  if (Array.isArray(node)) return node.map(textOf).join("");
  if (isValidElement<{ children?: ReactNode }>(node)) return textOf(node.props.children);
  return "";
}

const components: Components = {
  h1: ({ node: _node, ...props }) => <h3 className="text-lg font-semibold" {...props} />,
  h2: ({ node: _node, ...props }) => <h4 className="text-base font-semibold" {...props} />,
  h3: ({ node: _node, ...props }) => <h5 className="text-sm font-semibold" {...props} />,
  h4: ({ node: _node, ...props }) => <h6 className="text-sm font-semibold" {...props} />,
  h5: ({ node: _node, ...props }) => <h6 className="text-sm font-semibold" {...props} />,
  h6: ({ node: _node, ...props }) => <h6 className="text-sm font-semibold" {...props} />,
  a: ({ node: _node, href, ...props }) =>
    href && SAFE_PROTOCOL.test(href) ? (
      <a
        href={href}
        target="_blank"
        rel="noopener noreferrer nofollow"
        className="text-emerald-700 underline underline-offset-2 hover:text-emerald-800"
        {...props}
      />
    ) : (
      <span {...props} />
    ),
  // A model's image would load from wherever it points (a tracker, say): show it as a link instead.
  img: ({ src, alt }) =>
    typeof src === "string" && SAFE_PROTOCOL.test(src) ? (
      <a href={src} target="_blank" rel="noopener noreferrer nofollow" className="text-emerald-700 underline underline-offset-2">
        {alt || src}
      </a>
    ) : (
      alt
    ),
  ul: ({ node: _node, className, ...props }) => (
    <ul className={className?.includes("contains-task-list") ? "space-y-1 pl-1" : "list-disc space-y-1 pl-6"} {...props} />
  ),
  ol: ({ node: _node, ...props }) => <ol className="list-decimal space-y-1 pl-6" {...props} />,
  li: ({ node: _node, className, ...props }) => <li className={className?.includes("task-list-item") ? "flex items-baseline gap-2" : "pl-1"} {...props} />,
  input: ({ node: _node, checked, type }) =>
    type === "checkbox" ? (
      <input type="checkbox" checked={checked ?? false} disabled aria-label={checked ? "Done" : "Not done"} className="accent-emerald-600" />
    ) : null,
  blockquote: ({ node: _node, ...props }) => <blockquote className="space-y-3 border-l-4 border-zinc-200 pl-3 text-zinc-600" {...props} />,
  hr: () => <hr className="border-zinc-200" />,
  table: ({ node: _node, ...props }) => (
    // biome-ignore lint/a11y/useSemanticElements: the renderer's output is checked against an allow-list of tags that a <section> would widen.
    <div
      role="region"
      aria-label="Table"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus so the keyboard can scroll it.
      tabIndex={0}
      className="relative overflow-x-auto rounded-lg border border-zinc-200"
    >
      <table className="w-full border-collapse text-left text-sm" {...props} />
    </div>
  ),
  thead: ({ node: _node, ...props }) => <thead className="border-b border-zinc-200 bg-zinc-50" {...props} />,
  th: ({ node: _node, style, ...props }) => <th className="px-3 py-2 font-medium" style={style} {...props} />,
  td: ({ node: _node, style, ...props }) => <td className="border-t border-zinc-100 px-3 py-2" style={style} {...props} />,
  code: ({ node: _node, className, children }) =>
    // Inside a fence (`pre` below takes it apart); elsewhere inline code.
    className?.includes("hljs") || className?.startsWith("language-") ? (
      <code className={className}>{children}</code>
    ) : (
      <code className="rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.9em] text-zinc-900">{children}</code>
    ),
  pre: ({ children }) => {
    const code = Children.toArray(children).find(isValidElement) as ReactElement<ComponentPropsWithoutRef<"code">> | undefined;
    const language = /language-([\w+#-]+)/.exec(code?.props.className ?? "")?.[1];
    const text = textOf(code?.props.children).replace(/\n$/, "");
    return <CodeBlock code={text} title={language ?? "code"} highlighted={code?.props.children} />;
  },
};

export function Markdown({ source, className }: { source: string; className?: string }) {
  return (
    <div className={className ?? "space-y-3 text-sm leading-relaxed break-words"}>
      <ReactMarkdown remarkPlugins={[remarkGfm]} rehypePlugins={[rehypeSanitize, [rehypeHighlight, { detect: false }]]} components={components}>
        {source}
      </ReactMarkdown>
    </div>
  );
}

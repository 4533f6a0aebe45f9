// Renders a model's Markdown reply. The parser (lib/markdown/parse.ts) yields plain data and this
// turns it into React elements, so every piece of text is escaped by React and nothing from the
// reply is ever inserted as HTML.
import { Fragment, type ReactNode } from "react";
import { CodeBlock } from "@/components/ui/code-block";
import { parseMarkdown, type Block, type Inline } from "@/lib/markdown/parse";

function renderInline(nodes: readonly Inline[]): ReactNode {
  return nodes.map((node, index) => {
    switch (node.type) {
      case "text":
        return <Fragment key={index}>{node.text}</Fragment>;
      case "break":
        return <br key={index} />;
      case "code":
        return (
          <code key={index} className="rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.9em] text-zinc-900">
            {node.text}
          </code>
        );
      case "strong":
        return <strong key={index}>{renderInline(node.children)}</strong>;
      case "em":
        return <em key={index}>{renderInline(node.children)}</em>;
      case "link":
        return (
          <a key={index} href={node.href} target="_blank" rel="noopener noreferrer nofollow" className="text-emerald-700 underline underline-offset-2 hover:text-emerald-800">
            {renderInline(node.children)}
          </a>
        );
    }
  });
}

const HEADING_CLASSES = ["text-lg font-semibold", "text-base font-semibold", "text-sm font-semibold"];

function renderBlocks(blocks: readonly Block[], tight = false): ReactNode {
  return blocks.map((block, index) => {
    switch (block.type) {
      case "paragraph":
        // Items of a tight list hold bare text, not paragraphs with margins.
        return tight ? <Fragment key={index}>{renderInline(block.children)}</Fragment> : <p key={index}>{renderInline(block.children)}</p>;
      case "heading": {
        const Tag = `h${Math.min(block.level + 2, 6)}` as "h3";
        return (
          <Tag key={index} className={HEADING_CLASSES[Math.min(block.level - 1, 2)]}>
            {renderInline(block.children)}
          </Tag>
        );
      }
      case "code":
        return <CodeBlock key={index} code={block.text} title={block.language || "code"} />;
      case "list": {
        const items = block.items.map((item, itemIndex) => (
          <li key={itemIndex} className="pl-1">
            {renderBlocks(item, item.length === 1)}
          </li>
        ));
        return block.ordered ? (
          <ol key={index} start={block.start} className="list-decimal space-y-1 pl-6">
            {items}
          </ol>
        ) : (
          <ul key={index} className="list-disc space-y-1 pl-6">
            {items}
          </ul>
        );
      }
      case "quote":
        return (
          <blockquote key={index} className="space-y-3 border-l-4 border-zinc-200 pl-3 text-zinc-600">
            {renderBlocks(block.children)}
          </blockquote>
        );
      case "rule":
        return <hr key={index} className="border-zinc-200" />;
    }
  });
}

export function Markdown({ source, className }: { source: string; className?: string }) {
  return <div className={className ?? "space-y-3 text-sm leading-relaxed break-words"}>{renderBlocks(parseMarkdown(source))}</div>;
}

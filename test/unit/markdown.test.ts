import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "@/components/playground/markdown";
import { parseInline, parseMarkdown } from "@/lib/markdown/parse";

function render(source: string): string {
  return renderToStaticMarkup(createElement(Markdown, { source }));
}

describe("the playground's Markdown renderer", () => {
  it("never lets HTML from a reply into the page: tags stay literal text", () => {
    const html = render('Hello <script>alert("x")</script> and <img src=x onerror="alert(1)">\n\n<b>bold?</b>');
    expect(html).not.toMatch(/<script|<img|<b>/);
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  });

  it("keeps links only to http(s) addresses and renders the others as their text", () => {
    expect(parseInline("[docs](https://example.com/a?b=1) and [x](javascript:alert(1)) and [y](data:text/html,hi) and [z](/relative)")).toEqual([
      { type: "link", href: "https://example.com/a?b=1", children: [{ type: "text", text: "docs" }] },
      { type: "text", text: " and " },
      { type: "text", text: "x" },
      { type: "text", text: " and " },
      { type: "text", text: "y" },
      { type: "text", text: " and " },
      { type: "text", text: "z" },
    ]);
    const html = render("[click](JavaScript:alert(1)) [ok](http://example.com)");
    expect(html).not.toMatch(/javascript:/i);
    expect(html).toContain('href="http://example.com/"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
  });

  it("parses paragraphs, headings, bold, italic, inline code and line breaks", () => {
    expect(parseMarkdown("# Title\n\nSome **bold**, *italic*, _also_ and `x < 1`.\nNext line\n\nsnake_case_name stays")).toEqual([
      { type: "heading", level: 1, children: [{ type: "text", text: "Title" }] },
      {
        type: "paragraph",
        children: [
          { type: "text", text: "Some " },
          { type: "strong", children: [{ type: "text", text: "bold" }] },
          { type: "text", text: ", " },
          { type: "em", children: [{ type: "text", text: "italic" }] },
          { type: "text", text: ", " },
          { type: "em", children: [{ type: "text", text: "also" }] },
          { type: "text", text: " and " },
          { type: "code", text: "x < 1" },
          { type: "text", text: "." },
          { type: "break" },
          { type: "text", text: "Next line" },
        ],
      },
      { type: "paragraph", children: [{ type: "text", text: "snake_case_name stays" }] },
    ]);
    expect(parseInline("***both*** and 2 * 3 * 4 and **unclosed")).toEqual([
      { type: "strong", children: [{ type: "em", children: [{ type: "text", text: "both" }] }] },
      { type: "text", text: " and 2 * 3 * 4 and **unclosed" },
    ]);
  });

  it("keeps a code fence verbatim, with its language, even while it is still streaming", () => {
    expect(parseMarkdown("Run:\n\n```python\nprint('**not bold**')\n  indented <tag>\n```\nAfter")).toEqual([
      { type: "paragraph", children: [{ type: "text", text: "Run:" }] },
      { type: "code", language: "python", text: "print('**not bold**')\n  indented <tag>" },
      { type: "paragraph", children: [{ type: "text", text: "After" }] },
    ]);
    expect(parseMarkdown("```js\nconst a = 1;\nconst b")).toEqual([{ type: "code", language: "js", text: "const a = 1;\nconst b" }]);
    const html = render("```html\n<div onclick=\"x()\">hi</div>\n```");
    expect(html).toContain("&lt;div onclick=&quot;x()&quot;&gt;hi&lt;/div&gt;");
    expect(html).toContain('aria-label="Copy html"');
  });

  it("parses bulleted, numbered and nested lists", () => {
    expect(parseMarkdown("Steps:\n1. First\n2. Second has\n   more text\n   - nested *a*\n   - nested b\n3) other list\n\n- x\n\n- y")).toEqual([
      { type: "paragraph", children: [{ type: "text", text: "Steps:" }] },
      {
        type: "list",
        ordered: true,
        start: 1,
        items: [
          [{ type: "paragraph", children: [{ type: "text", text: "First" }] }],
          [
            { type: "paragraph", children: [{ type: "text", text: "Second has" }, { type: "break" }, { type: "text", text: "more text" }] },
            {
              type: "list",
              ordered: false,
              start: 1,
              items: [
                [{ type: "paragraph", children: [{ type: "text", text: "nested " }, { type: "em", children: [{ type: "text", text: "a" }] }] }],
                [{ type: "paragraph", children: [{ type: "text", text: "nested b" }] }],
              ],
            },
          ],
        ],
      },
      { type: "list", ordered: true, start: 3, items: [[{ type: "paragraph", children: [{ type: "text", text: "other list" }] }]] },
      {
        type: "list",
        ordered: false,
        start: 1,
        items: [[{ type: "paragraph", children: [{ type: "text", text: "x" }] }], [{ type: "paragraph", children: [{ type: "text", text: "y" }] }]],
      },
    ]);
    const html = render("3. three\n4. four");
    expect(html).toContain('<ol start="3"');
    expect(html).toContain("<li class=\"pl-1\">three</li>");
  });

  it("parses quotes, rules and backslash escapes", () => {
    expect(parseMarkdown("> quoted **text**\ncontinued\n\n---\n\n\\*not em\\*")).toEqual([
      {
        type: "quote",
        children: [
          { type: "paragraph", children: [{ type: "text", text: "quoted " }, { type: "strong", children: [{ type: "text", text: "text" }] }, { type: "break" }, { type: "text", text: "continued" }] },
        ],
      },
      { type: "rule" },
      { type: "paragraph", children: [{ type: "text", text: "*not em*" }] },
    ]);
  });
});

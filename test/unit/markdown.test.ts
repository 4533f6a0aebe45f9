import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "@/components/playground/markdown";

function render(source: string): string {
  return renderToStaticMarkup(createElement(Markdown, { source }));
}

/** Every element's tag, attribute name and URL in the output: what a browser would act on. */
function tagsAndAttributes(html: string): { tags: string[]; attributes: string[]; urls: string[] } {
  const tags = [...html.matchAll(/<([a-z][a-z0-9]*)\b/gi)].map((match) => match[1]!.toLowerCase());
  // Values are emptied first, so that text inside one (an escaped title, say) isn't read as a name.
  const attributes = [...html.matchAll(/<[a-z][^>]*>/gi)].flatMap((tag) =>
    [...tag[0].replace(/="[^"]*"/g, '=""').matchAll(/\s([a-z-:]+)=/gi)].map((match) => match[1]!.toLowerCase()),
  );
  const urls = [...html.matchAll(/\s(?:href|src|action|formaction|xlink:href)="([^"]*)"/gi)].map((match) => match[1]!);
  return { tags, attributes, urls };
}

const ALLOWED_TAGS = new Set([
  "div",
  "p",
  "h3",
  "h4",
  "h5",
  "h6",
  "strong",
  "em",
  "del",
  "code",
  "pre",
  "span",
  "a",
  "ul",
  "ol",
  "li",
  "blockquote",
  "hr",
  "br",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
  "input",
  "button",
  "svg",
  "path",
]);

describe("the playground's Markdown renderer never lets HTML from a reply act on the page", () => {
  const attacks = [
    'Hello <script>alert("x")</script> and <img src=x onerror="alert(1)">',
    '<b>bold?</b> <iframe src="https://evil.example"></iframe> <style>body{display:none}</style>',
    '<a href="javascript:alert(1)">x</a> <svg onload="alert(1)"></svg> <form action="https://evil.example"><button>go</button></form>',
    "[click](JavaScript:alert(1)) [data](data:text/html,<script>alert(1)</script>) [vb](vbscript:msgbox) <javascript:alert(1)>",
    '![pixel](https://tracker.example/p.gif) ![x](javascript:alert(1)) [t](https://example.com "title\\" onmouseover=\\"alert(1)")',
    '```html\n<div onclick="x()">hi</div><script>alert(1)</script>\n```',
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
    '- [x] <script>alert(1)</script>\n- [ ] <a href="javascript:alert(1)">y</a>',
  ];

  it.each(attacks)("%s", (source) => {
    const html = render(source);
    const { tags, attributes, urls } = tagsAndAttributes(html);
    expect(tags.filter((tag) => !ALLOWED_TAGS.has(tag))).toEqual([]);
    expect(attributes.filter((name) => name.startsWith("on") || name === "style" || name === "srcdoc")).toEqual([]);
    for (const url of urls) expect(url).toMatch(/^(https?:|mailto:)/i);
    // The only buttons are the code blocks' own copy buttons; the only inputs are disabled task-list boxes.
    expect(html).not.toMatch(/<button(?![^>]*aria-label="Copy)/);
    expect(html).not.toMatch(/<input(?![^>]*disabled)/);
  });

  it("keeps the text of stray HTML readable or drops it, but never as markup", () => {
    const html = render('Hello <script>alert("x")</script> world');
    expect(html).not.toContain("<script");
    expect(html).toContain("Hello");
    expect(html).toContain("world");
  });

  it("keeps links to http(s) addresses, opening in a new tab without the opener", () => {
    const html = render("[docs](https://example.com/a?b=1) and [ok](http://example.com) and https://auto.example/path");
    expect(html).toContain('href="https://example.com/a?b=1"');
    expect(html).toContain('href="http://example.com"');
    expect(html).toContain('href="https://auto.example/path"');
    expect(html.match(/rel="noopener noreferrer nofollow"/g)).toHaveLength(3);
  });

  it("shows a model's image as a link rather than loading it", () => {
    const html = render("![a chart](https://tracker.example/p.gif)");
    expect(html).not.toContain("<img");
    expect(html).toContain('<a href="https://tracker.example/p.gif"');
    expect(html).toContain("a chart");
  });
});

describe("the playground's Markdown renderer understands what models write", () => {
  it("renders headings, emphasis, strikethrough and inline code", () => {
    const html = render("# Title\n\nSome **bold**, *italic*, ~~gone~~ and `x < 1`.\n\nsnake_case_name stays");
    expect(html).toContain('<h3 class="text-lg font-semibold">Title</h3>');
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain("<em>italic</em>");
    expect(html).toContain("<del>gone</del>");
    expect(html).toMatch(/<code class="[^"]*">x &lt; 1<\/code>/);
    expect(html).toContain("snake_case_name stays");
  });

  it("renders tables in a box that scrolls sideways, with their alignment", () => {
    const html = render("| Model | Price |\n|:--|--:|\n| tiny-chat | $0.10 |\n| llama | **$0.20** |");
    expect(html).toMatch(/<div [^>]*tabindex="0" class="relative overflow-x-auto[^"]*"><table/);
    expect(html).toContain("<th");
    expect(html).toContain(">Model</th>");
    expect(html).toMatch(/<td[^>]*style="text-align:\s*right"[^>]*>\$0.10<\/td>/);
    expect(html).toContain("<strong>$0.20</strong>");
  });

  it("renders task lists as disabled, labelled checkboxes", () => {
    const html = render("- [x] write tests\n- [ ] ship it");
    const [done, notDone] = [...html.matchAll(/<input [^>]*>/g)].map((match) => match[0]);
    expect(done).toMatch(/type="checkbox"/);
    expect(done).toMatch(/disabled=""/);
    expect(done).toMatch(/checked=""/);
    expect(done).toMatch(/aria-label="Done"/);
    expect(notDone).toMatch(/disabled=""/);
    expect(notDone).not.toMatch(/checked/);
    expect(notDone).toMatch(/aria-label="Not done"/);
    expect(html).toContain("ship it");
  });

  it("highlights fenced code by language with bundled grammars, keeps it verbatim and copyable", () => {
    const html = render("Run:\n\n```python\ndef f(x):\n    return '**not bold**' # <tag>\n```\nAfter");
    expect(html).toContain('<span class="hljs-keyword">def</span>');
    expect(html).toContain('<span class="hljs-string">&#x27;**not bold**&#x27;</span>');
    expect(html).toContain('<span class="hljs-comment"># &lt;tag&gt;</span>');
    expect(html).toContain('aria-label="Copy python"');
    expect(html).toContain("After</p>");
  });

  it("shows an unfinished fence, as it streams in, as code", () => {
    const html = render("```js\nconst a = 1;\nconst b");
    expect(html).toContain('<span class="hljs-keyword">const</span>');
    expect(html).toContain('aria-label="Copy js"');
  });

  it("renders bulleted, numbered and nested lists, quotes and rules", () => {
    const html = render("Steps:\n\n3. First\n4. Second\n   - nested *a*\n\n> quoted **text**\n\n---");
    expect(html).toContain('<ol class="list-decimal space-y-1 pl-6" start="3">');
    expect(html).toContain('<ul class="list-disc space-y-1 pl-6">');
    expect(html).toContain("nested <em>a</em>");
    expect(html).toMatch(/<blockquote[^>]*>\s*<p>quoted <strong>text<\/strong><\/p>/);
    expect(html).toContain("<hr");
  });
});

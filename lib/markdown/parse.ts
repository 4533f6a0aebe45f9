// A small Markdown parser for model replies in the playground. It produces a tree of plain data
// that components/playground/markdown.tsx renders with React elements, so text is always escaped
// and no HTML from a reply ever reaches the page: raw HTML stays literal text, and a link is kept
// only when its address is http(s). It covers what chat models write (paragraphs, headings, code
// fences, inline code, bold, italic, lists, quotes, rules, links) and copes with a reply that is
// still streaming: an unclosed code fence is a code block up to the end of the text.

export type Inline =
  | { type: "text"; text: string }
  | { type: "code"; text: string }
  | { type: "strong"; children: Inline[] }
  | { type: "em"; children: Inline[] }
  | { type: "link"; href: string; children: Inline[] }
  | { type: "break" };

export type Block =
  | { type: "paragraph"; children: Inline[] }
  | { type: "heading"; level: number; children: Inline[] }
  | { type: "code"; language: string; text: string }
  | { type: "list"; ordered: boolean; start: number; items: Block[][] }
  | { type: "quote"; children: Block[] }
  | { type: "rule" };

const FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const LIST_ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+|$)(.*)$/;

interface ListMarker {
  ordered: boolean;
  start: number;
  /** The marker's character ("-", "*", "+", "." or ")"): a different one starts a new list. */
  kind: string;
  /** Columns before an item's content: continuation lines indented this far belong to the item. */
  contentIndent: number;
  content: string;
}

function listMarker(line: string): ListMarker | null {
  const match = LIST_ITEM.exec(line);
  if (!match) return null;
  const [, indent = "", marker = "", gap = "", content = ""] = match;
  const ordered = /\d/.test(marker);
  // A gap of five or more spaces is indented code in CommonMark; one space of it is the separator.
  const gapWidth = gap.length === 0 || gap.length > 4 ? 1 : gap.length;
  return {
    ordered,
    start: ordered ? Number.parseInt(marker, 10) : 1,
    kind: ordered ? marker.slice(-1) : marker,
    contentIndent: indent.length + marker.length + gapWidth,
    content: gap.length > 4 ? gap.slice(1) + content : content,
  };
}

function isBlank(line: string): boolean {
  return line.trim() === "";
}

function leadingSpaces(line: string): number {
  return line.length - line.trimStart().length;
}

/** Whether `line` begins a block other than a paragraph, so that it ends the paragraph above it. */
function startsBlock(line: string): boolean {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || (listMarker(line)?.content.trim() ?? "") !== "";
}

export function parseMarkdown(source: string): Block[] {
  return parseBlocks(source.replace(/\r\n?/g, "\n").replace(/\t/g, "    ").split("\n"));
}

function parseBlocks(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      i++;
      continue;
    }

    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const indent = leadingSpaces(line);
      const body: string[] = [];
      i++;
      while (i < lines.length) {
        const closing = lines[i]!.trim();
        if (closing.length >= marker.length && closing === marker[0]!.repeat(closing.length)) {
          i++;
          break;
        }
        // Content lines lose as much indentation as the opening fence had.
        body.push(lines[i]!.slice(Math.min(indent, leadingSpaces(lines[i]!))));
        i++;
      }
      blocks.push({ type: "code", language: fence[2] ?? "", text: body.join("\n") });
      continue;
    }

    if (RULE.test(line)) {
      blocks.push({ type: "rule" });
      i++;
      continue;
    }

    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ type: "heading", level: heading[1]!.length, children: parseInline(heading[2] ?? "") });
      i++;
      continue;
    }

    if (QUOTE.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && !isBlank(lines[i]!)) {
        const inner = QUOTE.exec(lines[i]!);
        // A line without ">" continues the quoted paragraph ("lazy continuation").
        if (!inner && quoted.length > 0 && startsBlock(lines[i]!)) break;
        quoted.push(inner ? inner[1]! : lines[i]!);
        i++;
      }
      blocks.push({ type: "quote", children: parseBlocks(quoted) });
      continue;
    }

    const first = listMarker(line);
    if (first) {
      const list: Extract<Block, { type: "list" }> = { type: "list", ordered: first.ordered, start: first.start, items: [] };
      let marker: ListMarker | null = first;
      while (marker && marker.ordered === first.ordered && marker.kind === first.kind) {
        const itemLines = [marker.content];
        i++;
        while (i < lines.length) {
          const next = lines[i]!;
          if (isBlank(next)) {
            // A blank line stays inside the item only if the item goes on, indented, after it.
            let j = i;
            while (j < lines.length && isBlank(lines[j]!)) j++;
            if (j < lines.length && leadingSpaces(lines[j]!) >= marker.contentIndent) {
              itemLines.push(...lines.slice(i, j).map(() => ""));
              i = j;
              continue;
            }
            break;
          }
          if (leadingSpaces(next) >= marker.contentIndent) {
            itemLines.push(next.slice(marker.contentIndent));
          } else if (!startsBlock(next) && !isBlank(itemLines[itemLines.length - 1]!)) {
            itemLines.push(next.trimStart());
          } else {
            break;
          }
          i++;
        }
        list.items.push(parseBlocks(itemLines));
        // Skip blank lines between items of the same list.
        let j = i;
        while (j < lines.length && isBlank(lines[j]!)) j++;
        const following = j < lines.length ? listMarker(lines[j]!) : null;
        if (following && following.ordered === first.ordered && following.kind === first.kind) {
          i = j;
          marker = following;
        } else {
          marker = null;
        }
      }
      blocks.push(list);
      continue;
    }

    const paragraph: string[] = [];
    while (i < lines.length && !isBlank(lines[i]!) && (paragraph.length === 0 || !startsBlock(lines[i]!))) {
      paragraph.push(lines[i]!.trim());
      i++;
    }
    blocks.push({ type: "paragraph", children: parseInline(paragraph.join("\n")) });
  }
  return blocks;
}

const ESCAPABLE = /[\\`*_{}[\]()#+\-.!<>~|"']/;

/** The address of a link if it is one a page may safely point to (absolute http or https). */
export function safeHref(raw: string): string | null {
  const href = raw.trim();
  if (!/^https?:\/\//i.test(href)) return null;
  try {
    const url = new URL(href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

function isWordChar(char: string | undefined): boolean {
  return char !== undefined && /[\p{L}\p{N}]/u.test(char);
}

function isSpace(char: string | undefined): boolean {
  return char === undefined || /\s/.test(char);
}

/** Index of the `]` that closes the `[` at `open`, honouring nested brackets and escapes. */
function closingBracket(source: string, open: number): number {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    const char = source[i];
    if (char === "\\") i++;
    else if (char === "`") {
      const end = source.indexOf("`", i + 1);
      if (end !== -1) i = end;
    } else if (char === "[") depth++;
    else if (char === "]" && --depth === 0) return i;
  }
  return -1;
}

/**
 * Where the emphasis opened at `from` by `delimiter` ("*", "**", "_" or "__") closes: the next
 * run of exactly that delimiter not preceded by a space (and, for "_", not inside a word).
 */
function closingDelimiter(source: string, from: number, delimiter: string): number {
  const char = delimiter[0]!;
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "`") {
      const run = /^`+/.exec(source.slice(i))![0];
      const end = source.indexOf(run, i + run.length);
      if (end !== -1) i = end + run.length - 1;
      continue;
    }
    if (c !== char) continue;
    let runEnd = i;
    while (source[runEnd] === char) runEnd++;
    const run = runEnd - i;
    const fits = run === delimiter.length || run === 3;
    if (fits && i > from && !isSpace(source[i - 1]) && (char !== "_" || !isWordChar(source[runEnd]))) {
      // In "***a***" the inner emphasis closes first; the outer one closes at the end of the run.
      return run === 3 ? runEnd - delimiter.length : i;
    }
    i = runEnd - 1;
  }
  return -1;
}

export function parseInline(source: string): Inline[] {
  const out: Inline[] = [];
  let text = "";
  const flush = () => {
    if (text) out.push({ type: "text", text });
    text = "";
  };

  let i = 0;
  while (i < source.length) {
    const char = source[i]!;

    if (char === "\\" && i + 1 < source.length && ESCAPABLE.test(source[i + 1]!)) {
      text += source[i + 1];
      i += 2;
      continue;
    }

    if (char === "\n") {
      // Two trailing spaces or a backslash make a hard break in Markdown; chat models mean one by
      // any single newline, so every newline inside a paragraph is kept.
      text = text.replace(/ +$/, "");
      flush();
      out.push({ type: "break" });
      i++;
      continue;
    }

    if (char === "`") {
      const run = /^`+/.exec(source.slice(i))![0];
      let end = source.indexOf(run, i + run.length);
      // The closing run must be exactly as long as the opening one.
      while (end !== -1 && source[end + run.length] === "`") {
        let after = end;
        while (source[after] === "`") after++;
        end = source.indexOf(run, after);
      }
      if (end !== -1) {
        flush();
        let code = source.slice(i + run.length, end).replace(/\n/g, " ");
        if (code.length > 2 && code.startsWith(" ") && code.endsWith(" ") && code.trim()) code = code.slice(1, -1);
        out.push({ type: "code", text: code });
        i = end + run.length;
        continue;
      }
      text += run;
      i += run.length;
      continue;
    }

    if (char === "[") {
      const close = closingBracket(source, i);
      const target = close === -1 ? null : /^\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+"[^"\n]*")?\s*\)/.exec(source.slice(close + 1));
      if (close !== -1 && target) {
        flush();
        const label = parseInline(source.slice(i + 1, close));
        const href = safeHref(target[1]!.replace(/^<|>$/g, ""));
        if (href) out.push({ type: "link", href, children: label });
        else out.push(...label);
        i = close + 1 + target[0].length;
        continue;
      }
    }

    if (char === "*" || char === "_") {
      let runEnd = i;
      while (source[runEnd] === char) runEnd++;
      const run = runEnd - i;
      const canOpen = !isSpace(source[runEnd]) && (char !== "_" || !isWordChar(source[i - 1]));
      if (canOpen && run <= 3) {
        const strong = run >= 2;
        const delimiter = char.repeat(strong ? 2 : 1);
        const contentStart = i + delimiter.length;
        const close = closingDelimiter(source, contentStart, delimiter);
        if (close !== -1 && close > contentStart) {
          flush();
          const children = parseInline(source.slice(contentStart, close));
          out.push(strong ? { type: "strong", children } : { type: "em", children });
          i = close + delimiter.length;
          continue;
        }
      }
      text += source.slice(i, runEnd);
      i = runEnd;
      continue;
    }

    text += char;
    i++;
  }
  flush();
  return out;
}


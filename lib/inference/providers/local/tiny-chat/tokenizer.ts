// Byte-level BPE tokenizer of ecolink/tiny-chat, a line-for-line twin of
// scripts/train-tiny-chat/bpe.py. Token counts are billed, so the two must agree
// exactly; both use a hand-written byte-class pre-tokenizer (no regex engine
// differences) and merge by rank within each chunk.
import "server-only";
import { readFileSync } from "node:fs";
import path from "node:path";

export const TINY_CHAT_SPECIAL_TOKENS = ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"] as const;
export type TinyChatSpecialToken = (typeof TINY_CHAT_SPECIAL_TOKENS)[number];

export interface TinyChatTokenizerJson {
  format: string;
  vocab_size: number;
  num_byte_tokens: number;
  merges: [number, number][];
  special_tokens: { id: number; content: string }[];
}

// Resolved from the working directory rather than this file's location, which
// means nothing once Next.js has bundled the server code.
export function tinyChatModelDir(): string {
  return path.join(process.cwd(), "models", "tiny-chat");
}

const MAX_CHUNK_BYTES = 256;
const LETTER = 0;
const DIGIT = 1;
const SPACE = 2;
const NEWLINE = 3;
const OTHER = 4;

function byteClass(b: number): number {
  // Bytes >= 0x80 are parts of multi-byte UTF-8 characters; as letters they keep
  // accented words in one chunk.
  if ((b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b >= 128) return LETTER;
  if (b >= 48 && b <= 57) return DIGIT;
  if (b === 32) return SPACE;
  if (b === 10) return NEWLINE;
  return OTHER;
}

function isWordClass(c: number): boolean {
  return c === LETTER || c === DIGIT || c === OTHER;
}

/**
 * Chunk boundaries [start, end) over UTF-8 bytes; merges never cross them. A chunk
 * is an optional single space plus a run of one class among letter/digit/other, a
 * run of spaces (leaving the last to a following word), or a run of newlines.
 */
function pretokenize(data: Uint8Array): [number, number][] {
  const chunks: [number, number][] = [];
  const n = data.length;
  let i = 0;
  while (i < n) {
    const start = i;
    let c = byteClass(data[i]!);
    if (c === SPACE && i + 1 < n && isWordClass(byteClass(data[i + 1]!))) {
      i += 1;
      c = byteClass(data[i]!);
    }
    if (isWordClass(c)) {
      while (i < n && byteClass(data[i]!) === c) i += 1;
    } else if (c === SPACE) {
      while (i < n && data[i] === 32) i += 1;
      // The last space of a run belongs to the word that follows it.
      if (i < n && isWordClass(byteClass(data[i]!))) i -= 1;
    } else {
      while (i < n && data[i] === 10) i += 1;
    }
    // Very long runs are cut so a hostile input cannot make BPE quadratic; no
    // chunk of the training corpus comes near this length.
    for (let s = start; s < i; s += MAX_CHUNK_BYTES) chunks.push([s, Math.min(s + MAX_CHUNK_BYTES, i)]);
  }
  return chunks;
}

/**
 * The nearest position at or before `from` where pretokenize starts a new iteration, so that
 * pretokenizing from there gives exactly the chunks a scan from the beginning gives. A byte whose
 * class differs from a preceding non-space byte is such a start: the run that byte ended stops
 * there, whatever came before it (a space may instead be the prefix of the word after it).
 */
function scanStartAtOrBefore(data: Uint8Array, from: number): number {
  let j = Math.max(0, Math.min(from, data.length - 1));
  while (j > 0 && (data[j - 1] === 32 || byteClass(data[j]!) === byteClass(data[j - 1]!))) j -= 1;
  return j;
}

const utf8Encoder = new TextEncoder();

export class TinyChatTokenizer {
  readonly vocabSize: number;
  readonly specialIds: Readonly<Record<TinyChatSpecialToken, number>>;
  private readonly merges: [number, number][];
  private readonly ranks = new Map<number, number>();
  private readonly tokenBytes: Uint8Array[] = [];
  private readonly specialById = new Map<number, string>();
  private readonly chunkCache = new Map<string, number[]>();

  constructor(json: TinyChatTokenizerJson) {
    if (json.format !== "ecolink-byte-bpe-v1") {
      throw new Error(`tiny-chat tokenizer: unsupported format ${json.format}`);
    }
    this.merges = json.merges;
    for (let b = 0; b < 256; b++) this.tokenBytes.push(Uint8Array.of(b));
    json.merges.forEach(([a, b], rank) => {
      this.ranks.set(a * 65536 + b, rank);
      const left = this.tokenBytes[a]!;
      const right = this.tokenBytes[b]!;
      const joined = new Uint8Array(left.length + right.length);
      joined.set(left, 0);
      joined.set(right, left.length);
      this.tokenBytes.push(joined);
    });
    const ids: Partial<Record<TinyChatSpecialToken, number>> = {};
    for (const name of TINY_CHAT_SPECIAL_TOKENS) {
      const entry = json.special_tokens.find((s) => s.content === name);
      if (!entry) throw new Error(`tiny-chat tokenizer: missing special token ${name}`);
      ids[name] = entry.id;
      this.specialById.set(entry.id, name);
    }
    this.specialIds = ids as Record<TinyChatSpecialToken, number>;
    this.vocabSize = json.vocab_size;
  }

  get endId(): number {
    return this.specialIds["<|end|>"];
  }

  isSpecial(id: number): boolean {
    return this.specialById.has(id);
  }

  /** Encode text; literal special-token strings stay plain text (cannot forge turns). */
  encodeOrdinary(text: string): number[] {
    const data = utf8Encoder.encode(text);
    const out: number[] = [];
    for (const [start, end] of pretokenize(data)) {
      for (const id of this.encodeChunk(data.subarray(start, end))) out.push(id);
    }
    return out;
  }

  /**
   * The last `maxTokens` ids of encodeOrdinary(text) (all of them when there are fewer), encoding
   * only the chunks they come from: tiny-chat keeps just the tail of a long prompt, so the cost of
   * a prompt is bounded by the context, not by its length. Each chunk is at most MAX_CHUNK_BYTES
   * and gives at least one token, so the last `maxTokens` chunks lie in the last
   * maxTokens × MAX_CHUNK_BYTES bytes.
   */
  encodeOrdinaryTail(text: string, maxTokens: number): number[] {
    if (maxTokens <= 0) return [];
    const data = utf8Encoder.encode(text);
    const from = scanStartAtOrBefore(data, data.length - maxTokens * MAX_CHUNK_BYTES);
    const chunks = pretokenize(data.subarray(from));
    const tail: number[][] = [];
    let count = 0;
    for (let k = chunks.length - 1; k >= 0 && count < maxTokens; k--) {
      const [start, end] = chunks[k]!;
      const ids = this.encodeChunk(data.subarray(from + start, from + end));
      tail.push(ids);
      count += ids.length;
    }
    return tail.reverse().flat().slice(-maxTokens);
  }

  /** Encode text, turning literal special-token strings into their ids. */
  encode(text: string): number[] {
    const out: number[] = [];
    let i = 0;
    while (i < text.length) {
      let next = text.length;
      let which: TinyChatSpecialToken | undefined;
      for (const s of TINY_CHAT_SPECIAL_TOKENS) {
        const j = text.indexOf(s, i);
        if (j !== -1 && j < next) {
          next = j;
          which = s;
        }
      }
      for (const id of this.encodeOrdinary(text.slice(i, next))) out.push(id);
      if (which === undefined) break;
      out.push(this.specialIds[which]);
      i = next + which.length;
    }
    return out;
  }

  countTokens(text: string): number {
    return this.encode(text).length;
  }

  /** Raw bytes of a token; special tokens give the bytes of their literal text. */
  bytesOf(id: number): Uint8Array {
    const special = this.specialById.get(id);
    if (special !== undefined) return utf8Encoder.encode(special);
    const bytes = this.tokenBytes[id];
    if (!bytes) throw new RangeError(`tiny-chat tokenizer: token id ${id} out of range`);
    return bytes;
  }

  decode(ids: readonly number[]): string {
    const parts = ids.map((id) => this.bytesOf(id));
    const total = parts.reduce((n, p) => n + p.length, 0);
    const all = new Uint8Array(total);
    let offset = 0;
    for (const p of parts) {
      all.set(p, offset);
      offset += p.length;
    }
    return new TextDecoder("utf-8").decode(all);
  }

  private encodeChunk(chunk: Uint8Array): number[] {
    const key = String.fromCharCode(...chunk);
    const hit = this.chunkCache.get(key);
    if (hit) return hit;
    let symbols = Array.from(chunk);
    while (symbols.length > 1) {
      let bestRank = -1;
      for (let k = 0; k + 1 < symbols.length; k++) {
        const r = this.ranks.get(symbols[k]! * 65536 + symbols[k + 1]!);
        if (r !== undefined && (bestRank === -1 || r < bestRank)) bestRank = r;
      }
      if (bestRank === -1) break;
      const [a, b] = this.merges[bestRank]!;
      const newId = 256 + bestRank;
      const merged: number[] = [];
      for (let k = 0; k < symbols.length; k++) {
        if (k + 1 < symbols.length && symbols[k] === a && symbols[k + 1] === b) {
          merged.push(newId);
          k += 1;
        } else {
          merged.push(symbols[k]!);
        }
      }
      symbols = merged;
    }
    // Bounded so a stream of unique garbage cannot grow the cache without limit.
    if (this.chunkCache.size > 50_000) this.chunkCache.clear();
    this.chunkCache.set(key, symbols);
    return symbols;
  }
}

let shared: TinyChatTokenizer | undefined;

/** The process-wide tokenizer, read from models/tiny-chat/tokenizer.json on first use. */
export function getTinyChatTokenizer(): TinyChatTokenizer {
  if (!shared) {
    const raw = readFileSync(path.join(tinyChatModelDir(), "tokenizer.json"), "utf8");
    shared = new TinyChatTokenizer(JSON.parse(raw) as TinyChatTokenizerJson);
  }
  return shared;
}

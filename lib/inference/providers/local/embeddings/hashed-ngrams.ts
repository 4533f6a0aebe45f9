// The local demo's embedding model: feature hashing ("the hashing trick") of the text's character
// n-grams and words into a fixed number of buckets, L2-normalised. It is deterministic, needs no
// weights or downloads, and is cheap enough to run on the event loop. What it measures
// is LEXICAL overlap — shared words, stems and spellings ("running shoes" ~ "run shoe") — not
// meaning: "car" and "automobile" are as unrelated to it as "car" and "banana". Fine for demos,
// tests and near-duplicate search; not a substitute for a trained model.
//
// Features per word (lowercased, NFKC; words are runs of letters and digits): the word itself, and
// every 3-, 4- and 5-character n-gram of " word " (the spaces mark its start and end, so prefixes
// and suffixes are features of their own). Each feature is hashed to one bucket and a sign (signed
// hashing: colliding features cancel out on average instead of piling up). A request for fewer
// dimensions hashes straight into that many buckets — a vector of its own, not a truncation.
import "server-only";

import { DomainError } from "@/lib/errors";

export const MAX_EMBEDDING_DIMENSIONS = 384;
const NGRAM_SIZES = [3, 4, 5] as const;

/**
 * The embedding of `text`: `dimensions` (1–384, default 384) Float32 numbers of Euclidean length 1.
 * Text without a letter or digit (the empty string included) has no features: its embedding is
 * all zeros.
 */
export function embedText(text: string, dimensions = MAX_EMBEDDING_DIMENSIONS): Float32Array {
  const vector = new Float64Array(checkedDimensions(dimensions));
  for (const word of text
    .normalize("NFKC")
    .toLowerCase()
    .match(/[\p{L}\p{N}]+/gu) ?? []) {
    addFeature(vector, `w ${word}`);
    const padded = Array.from(` ${word} `);
    for (const size of NGRAM_SIZES) {
      for (let start = 0; start + size <= padded.length; start++) {
        addFeature(vector, `c ${padded.slice(start, start + size).join("")}`);
      }
    }
  }
  return normalised(vector);
}

/**
 * The embedding of input given as token ids (OpenAI's array-of-integers input): each id and each
 * pair of neighbouring ids is a feature, so the same ids in another order embed differently.
 * Lexical like embedText, but in the space of ids: it is not comparable with embedText's vectors.
 * No ids: all zeros.
 */
export function embedTokenIds(ids: readonly number[], dimensions = MAX_EMBEDDING_DIMENSIONS): Float32Array {
  const vector = new Float64Array(checkedDimensions(dimensions));
  ids.forEach((id, index) => {
    addFeature(vector, `t ${id}`);
    if (index > 0) addFeature(vector, `b ${ids[index - 1]} ${id}`);
  });
  return normalised(vector);
}

function checkedDimensions(dimensions: number): number {
  if (Number.isInteger(dimensions) && dimensions >= 1 && dimensions <= MAX_EMBEDDING_DIMENSIONS) return dimensions;
  throw new DomainError("invalid_request", `dimensions must be an integer from 1 to ${MAX_EMBEDDING_DIMENSIONS}.`, {
    param: "dimensions",
  });
}

function addFeature(vector: Float64Array, feature: string): void {
  const hash = mix(fnv1a(feature));
  // The bucket from the hash, the sign from an independent re-mix of it.
  vector[hash % vector.length]! += mix(hash ^ 0x9e3779b9) & 1 ? 1 : -1;
}

function normalised(vector: Float64Array): Float32Array {
  const length = Math.hypot(...vector);
  return Float32Array.from(vector, (value) => (length === 0 ? 0 : value / length));
}

/** 32-bit FNV-1a over the string's UTF-16 code units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** MurmurHash3's finaliser: spreads every input bit over all output bits (FNV's low bits are weak). */
function mix(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

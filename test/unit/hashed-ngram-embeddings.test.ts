import { describe, expect, it } from "vitest";

import { DomainError } from "@/lib/errors";
import { embedText, embedTokenIds, MAX_EMBEDDING_DIMENSIONS } from "@/lib/inference/providers/local/embeddings/hashed-ngrams";

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (Math.hypot(...a) * Math.hypot(...b));
}

const length = (vector: Float32Array) => Math.hypot(...vector);

describe("hashed n-gram embeddings (the local demo model)", () => {
  it("is deterministic: the same text gives the same vector, bit for bit", () => {
    const text = "The quick brown fox jumps over the lazy dog.";
    expect(Array.from(embedText(text))).toEqual(Array.from(embedText(text)));
    expect(embedText(text)).toBeInstanceOf(Float32Array);
    // Case and Unicode compatibility forms do not matter; the words do.
    expect(Array.from(embedText("THE QUICK brown fox jumps over the lazy dog"))).toEqual(Array.from(embedText(text)));
  });

  it("returns unit-length vectors of 384 dimensions by default", () => {
    for (const text of ["a", "hello world", "Ünïcödé wörds and 数字 123", "x".repeat(10_000)]) {
      const vector = embedText(text);
      expect(vector).toHaveLength(MAX_EMBEDDING_DIMENSIONS);
      expect(length(vector)).toBeCloseTo(1, 5);
    }
  });

  it("honours dimensions from 1 to 384 with a vector hashed into that many buckets, and refuses others", () => {
    for (const dimensions of [1, 2, 64, 256, 384]) {
      const vector = embedText("dimensions are honoured", dimensions);
      expect(vector).toHaveLength(dimensions);
      expect(length(vector)).toBeCloseTo(1, 5);
    }
    // Not the first 64 numbers of the 384-dimension vector (which would not be unit length).
    expect(Array.from(embedText("dimensions are honoured", 64))).not.toEqual(Array.from(embedText("dimensions are honoured").slice(0, 64)));
    for (const bad of [0, -1, 385, 1.5, Number.NaN]) {
      expect(() => embedText("x", bad)).toThrow(DomainError);
    }
    expect(() => embedText("x", 385)).toThrow(/1 to 384/);
  });

  it("scores texts sharing words and stems well above unrelated texts", () => {
    const query = embedText("How do I reset my password?");
    const paraphrase = embedText("how can i reset the password");
    const stems = embedText("Resetting passwords");
    const unrelated = embedText("The weather in Lisbon is sunny today.");
    const close = cosine(query, paraphrase);
    const stemmed = cosine(query, stems);
    const far = cosine(query, unrelated);
    expect(close).toBeGreaterThan(0.6);
    expect(stemmed).toBeGreaterThan(0.3);
    expect(Math.abs(far)).toBeLessThan(0.15);
    expect(close - far).toBeGreaterThan(0.5);
    expect(stemmed - far).toBeGreaterThan(0.2);
  });

  it("measures spelling, not meaning: synonyms are as far apart as unrelated words", () => {
    const car = embedText("car");
    expect(Math.abs(cosine(car, embedText("automobile")))).toBeLessThan(0.2);
    expect(cosine(car, embedText("cars"))).toBeGreaterThan(0.3);
  });

  it("gives the zero vector for text without letters or digits, the empty string included", () => {
    for (const text of ["", "   ", "?!. --"]) {
      const vector = embedText(text);
      expect(vector).toHaveLength(MAX_EMBEDDING_DIMENSIONS);
      expect(vector.every((value) => value === 0)).toBe(true);
    }
    expect(embedTokenIds([], 8).every((value) => value === 0)).toBe(true);
  });

  it("embeds token ids: deterministic, unit length, order-sensitive, shared ids score higher", () => {
    const ids = [9906, 1917, 0, 358, 1097, 264, 1296];
    expect(Array.from(embedTokenIds(ids))).toEqual(Array.from(embedTokenIds(ids)));
    expect(length(embedTokenIds(ids))).toBeCloseTo(1, 5);
    expect(embedTokenIds(ids, 16)).toHaveLength(16);
    const reordered = [...ids].reverse();
    // Same ids (unigrams shared), different neighbours (bigrams not): similar, not identical.
    const sameIds = cosine(embedTokenIds(ids), embedTokenIds(reordered));
    expect(sameIds).toBeGreaterThan(0.3);
    expect(sameIds).toBeLessThan(0.8);
    const overlap = cosine(embedTokenIds(ids), embedTokenIds([9906, 1917, 0, 500, 600]));
    const disjoint = cosine(embedTokenIds(ids), embedTokenIds([11, 12, 13, 14, 15]));
    expect(overlap).toBeGreaterThan(0.35);
    expect(Math.abs(disjoint)).toBeLessThan(0.2);
    expect(() => embedTokenIds(ids, 0)).toThrow(DomainError);
  });
});

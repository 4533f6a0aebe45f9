// The embeddings playground's arithmetic (app/(console)/playground/vector-math.ts).
import { describe, expect, it } from "vitest";
import { cosineSimilarity, norm, similarityMatrix } from "@/app/(console)/playground/vector-math";

describe("vector math", () => {
  it("measures length and the cosine of the angle between vectors", () => {
    expect(norm([3, 4])).toBe(5);
    expect(cosineSimilarity([1, 0], [0, 2])).toBe(0);
    expect(cosineSimilarity([1, 1], [-2, -2])).toBeCloseTo(-1, 12);
    expect(cosineSimilarity([0, 0], [1, 2])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow("different lengths");
  });

  it("builds a symmetric matrix with exactly 1 on the diagonal", () => {
    const vectors = [
      [0.1, 0.2, 0.3],
      [0.3, 0.2, 0.1],
      [1e-3, 7, -2],
    ];
    const matrix = similarityMatrix(vectors);
    matrix.forEach((row, i) => {
      expect(row[i]).toBeCloseTo(1, 12);
      expect(row[i]).toBeLessThanOrEqual(1);
      row.forEach((value, j) => {
        expect(value).toBe(matrix[j]![i]);
      });
    });
    expect(matrix[0]![1]).toBeCloseTo(10 / 14, 12);
  });
});

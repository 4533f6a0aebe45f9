// The arithmetic of the embeddings playground: a vector's length (L2 norm) and the cosine
// similarity of two vectors, the measure embedding models are trained for.

export function norm(vector: readonly number[]): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

/** Cosine similarity, -1 to 1; 0 when either vector is all zeros (it points nowhere). */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`Vectors of different lengths (${a.length} and ${b.length}) cannot be compared.`);
  const lengths = norm(a) * norm(b);
  if (lengths === 0) return 0;
  const dot = a.reduce((sum, value, index) => sum + value * b[index]!, 0);
  // Rounding can carry a vector's similarity with itself a hair past 1.
  return Math.max(-1, Math.min(1, dot / lengths));
}

/** Every pair's cosine similarity: row i, column j compares vectors i and j. */
export function similarityMatrix(vectors: readonly (readonly number[])[]): number[][] {
  return vectors.map((a) => vectors.map((b) => cosineSimilarity(a, b)));
}

// Token sampling for ecolink/tiny-chat: seeded so a request with `seed` is
// reproducible, temperature 0 as greedy decoding, and top-p nucleus sampling.

export type Random = () => number;

/** mulberry32: tiny, fast, and good enough for sampling; returns floats in [0, 1). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SamplingParams {
  /** 0 means greedy (argmax). */
  temperature: number;
  /** Keep the smallest set of most likely tokens whose probability reaches topP. */
  topP: number;
}

/** Token ids listed here are never sampled (e.g. role headers the model must not open). */
export type BannedTokens = ReadonlySet<number>;

export function sampleToken(logits: Float32Array, params: SamplingParams, random: Random, banned: BannedTokens = new Set()): number {
  const n = logits.length;
  if (params.temperature <= 0) {
    let best = -1;
    for (let i = 0; i < n; i++) {
      if (banned.has(i)) continue;
      if (best === -1 || logits[i]! > logits[best]!) best = i;
    }
    return best;
  }

  let max = -Infinity;
  for (let i = 0; i < n; i++) if (!banned.has(i) && logits[i]! > max) max = logits[i]!;
  // Float64 so that small probabilities do not vanish before the top-p cut.
  const probs = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = banned.has(i) ? 0 : Math.exp((logits[i]! - max) / params.temperature);
    probs[i] = p;
    sum += p;
  }

  const order = Array.from({ length: n }, (_, i) => i).filter((i) => probs[i]! > 0);
  order.sort((a, b) => probs[b]! - probs[a]! || a - b);
  const topP = Math.min(Math.max(params.topP, 0), 1);
  let kept = order.length;
  if (topP < 1) {
    let cumulative = 0;
    for (let k = 0; k < order.length; k++) {
      cumulative += probs[order[k]!]! / sum;
      if (cumulative >= topP) {
        kept = k + 1;
        break;
      }
    }
  }

  let mass = 0;
  for (let k = 0; k < kept; k++) mass += probs[order[k]!]!;
  let u = random() * mass;
  for (let k = 0; k < kept; k++) {
    u -= probs[order[k]!]!;
    if (u < 0) return order[k]!;
  }
  // Rounding can leave u a hair above zero after the last token.
  return order[kept - 1]!;
}

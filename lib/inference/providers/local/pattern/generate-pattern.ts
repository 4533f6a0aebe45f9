// ecolink's local "image model" is not a neural network: it is a procedural pattern generator that
// turns a prompt into abstract art (gradients, glows, layered waves, discs, rings, stripes) so the
// images endpoint works on any CPU with nothing to download. It does not depict what the prompt
// describes; colour and mood words in it steer the palette (./palette.ts), and a hash of it picks
// everything else. The same (prompt, seed, width, height) always gives byte-identical PNG bytes:
// layouts come from a seeded PRNG, pixels are computed here, and sharp only encodes them.
import { createHash } from "node:crypto";

import sharp from "sharp";

import { DomainError } from "@/lib/errors";

import { mulberry32, type Random } from "../tiny-chat/sampler";
import { paletteForPrompt, type Rgb } from "./palette";

/** Every size OpenAI's images API accepts (dall-e-2, dall-e-3 and gpt-image-1 together). */
export const PATTERN_SIZES: readonly string[] = ["256x256", "512x512", "1024x1024", "1792x1024", "1024x1792", "1536x1024", "1024x1536"];

const MAX_SIDE = 2048;

export interface PatternOptions {
  prompt: string;
  /** Varies the layout; the palette depends on the prompt alone. Default 0. */
  seed?: number;
  width: number;
  height: number;
}

export async function generatePatternPng(options: PatternOptions): Promise<Uint8Array> {
  const { prompt, seed = 0, width, height } = options;
  for (const side of [width, height]) {
    if (!Number.isInteger(side) || side < 1 || side > MAX_SIDE) {
      throw new DomainError("invalid_request", `Image sides must be whole numbers from 1 to ${MAX_SIDE} pixels.`, {
        param: "size",
      });
    }
  }
  const canvas = new Canvas(width, height);
  for (const layer of designPattern(prompt, seed)) {
    paint(canvas, layer);
    // Yields between layers so a large image does not hold the event loop for its whole render.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const png = await sharp(canvas.toRgbBytes(), { raw: { width, height, channels: 3 } })
    .png({ adaptiveFiltering: true })
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

// Shapes live in a square-unit space: the shorter side spans -0.5..0.5 and (0, 0) is the centre,
// so one design renders as the same composition at every size and aspect ratio.
type Layer =
  | { kind: "gradient"; stops: Rgb[]; angle: number }
  | { kind: "glow"; color: Rgb; x: number; y: number; radius: number; alpha: number }
  | { kind: "wave"; color: Rgb; angle: number; level: number; amplitude: number; frequency: number; phase: number; alpha: number }
  | { kind: "disc"; color: Rgb; x: number; y: number; radius: number; alpha: number }
  | { kind: "ring"; color: Rgb; x: number; y: number; radius: number; thickness: number; alpha: number }
  | { kind: "stripes"; color: Rgb; angle: number; period: number; duty: number; alpha: number; clip?: { x: number; y: number; radius: number } }
  | { kind: "vignette"; strength: number };

function designPattern(prompt: string, seed: number): Layer[] {
  const palette = paletteForPrompt(prompt, seededRandom("palette", prompt));
  const random = seededRandom("layout", prompt, seed);
  const between = (low: number, high: number) => low + random() * (high - low);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const accent = () => pick(palette.accents);

  const layers: Layer[] = [{ kind: "gradient", stops: palette.background, angle: between(0, Math.PI * 2) }];
  for (let i = Math.floor(between(1, 3)); i > 0; i--) {
    layers.push({ kind: "glow", color: accent(), x: between(-0.6, 0.6), y: between(-0.5, 0.5), radius: between(0.25, 0.6), alpha: between(0.35, 0.7) });
  }

  // Each motif is in with some probability; at least two always are.
  const motifs = (["waves", "discs", "sun"] as const).filter(() => random() < 0.6);
  while (motifs.length < 2) {
    const missing = (["waves", "discs", "sun"] as const).filter((motif) => !motifs.includes(motif));
    motifs.push(pick(missing));
  }

  if (random() < 0.35) {
    // A faint all-over texture.
    layers.push({
      kind: "stripes",
      color: accent(),
      angle: pick([Math.PI / 4, -Math.PI / 4, between(0, Math.PI)]),
      period: between(0.02, 0.06),
      duty: between(0.3, 0.5),
      alpha: between(0.06, 0.15),
    });
  }
  if (motifs.includes("sun")) {
    const sun = { x: between(-0.3, 0.3), y: between(-0.25, 0.1), radius: between(0.15, 0.3) };
    const color = palette.accents[0]!;
    if (random() < 0.5) {
      layers.push({ kind: "disc", color, ...sun, alpha: between(0.8, 1) });
    } else {
      layers.push({
        kind: "stripes",
        color,
        angle: pick([Math.PI / 2, Math.PI / 2, 0, Math.PI / 4]),
        period: between(0.03, 0.07),
        duty: between(0.45, 0.75),
        alpha: between(0.8, 1),
        clip: sun,
      });
    }
  }
  if (motifs.includes("discs")) {
    const count = Math.floor(between(4, 18));
    for (let i = 0; i < count; i++) {
      const x = between(-0.9, 0.9);
      const y = between(-0.6, 0.6);
      const radius = between(0.02, 0.22);
      const alpha = between(0.45, 0.95);
      layers.push(
        random() < 0.3
          ? { kind: "ring", color: accent(), x, y, radius, thickness: between(0.004, 0.02), alpha }
          : { kind: "disc", color: accent(), x, y, radius, alpha },
      );
    }
  }
  if (motifs.includes("waves")) {
    const count = Math.floor(between(3, 7));
    const angle = pick([0, 0, between(-0.35, 0.35), Math.PI / 2]);
    const frequency = between(4, 14);
    for (let i = 0; i < count; i++) {
      // Back to front: each band sits lower and covers the one before it, like layered hills.
      layers.push({
        kind: "wave",
        color: palette.accents[(i + 1) % palette.accents.length]!,
        angle,
        level: -0.15 + (0.55 * (i + 1)) / (count + 1),
        amplitude: between(0.015, 0.07),
        frequency: frequency * between(0.7, 1.3),
        phase: between(0, Math.PI * 2),
        alpha: between(0.55, 0.9),
      });
    }
  }
  layers.push({ kind: "vignette", strength: palette.dark ? between(0.15, 0.35) : between(0.05, 0.15) });
  return layers;
}

function seededRandom(...parts: (string | number)[]): Random {
  return mulberry32(createHash("sha256").update(JSON.stringify(parts)).digest().readUInt32LE(0));
}

/** RGB pixels as floats in 0..1, blended in place by the layers. */
class Canvas {
  readonly pixels: Float32Array;
  /** Size of one pixel in shape space, for anti-aliased edges. */
  readonly pixel: number;
  private readonly scale: number;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Float32Array(width * height * 3);
    this.scale = Math.min(width, height);
    this.pixel = 1 / this.scale;
  }

  u(x: number): number {
    return (x + 0.5 - this.width / 2) / this.scale;
  }

  v(y: number): number {
    return (y + 0.5 - this.height / 2) / this.scale;
  }

  /** Pixel columns or rows covering shape-space range [low, high], clamped to the image. */
  columns(low: number, high: number): [number, number] {
    return span(low * this.scale + this.width / 2, high * this.scale + this.width / 2, this.width);
  }

  rows(low: number, high: number): [number, number] {
    return span(low * this.scale + this.height / 2, high * this.scale + this.height / 2, this.height);
  }

  blend(x: number, y: number, color: Rgb, alpha: number): void {
    if (alpha <= 0) return;
    const i = (y * this.width + x) * 3;
    const p = this.pixels;
    p[i] = p[i]! + (color[0] - p[i]!) * alpha;
    p[i + 1] = p[i + 1]! + (color[1] - p[i + 1]!) * alpha;
    p[i + 2] = p[i + 2]! + (color[2] - p[i + 2]!) * alpha;
  }

  toRgbBytes(): Buffer {
    const bytes = Buffer.allocUnsafe(this.pixels.length);
    for (let i = 0; i < this.pixels.length; i++) {
      bytes[i] = Math.round(Math.min(1, Math.max(0, this.pixels[i]!)) * 255);
    }
    return bytes;
  }
}

function span(low: number, high: number, size: number): [number, number] {
  return [Math.max(0, Math.floor(low) - 1), Math.min(size, Math.ceil(high) + 1)];
}

/** 0 well inside an edge, 1 well outside, a one-pixel ramp across it. */
function coverage(signedDistance: number, pixel: number): number {
  return Math.min(1, Math.max(0, 0.5 - signedDistance / pixel));
}

function paint(canvas: Canvas, layer: Layer): void {
  const { width, height, pixel } = canvas;
  switch (layer.kind) {
    case "gradient": {
      const dx = Math.cos(layer.angle);
      const dy = Math.sin(layer.angle);
      const reach = (Math.abs(dx) * width + Math.abs(dy) * height) / 2 / Math.min(width, height);
      const segments = layer.stops.length - 1;
      for (let y = 0; y < height; y++) {
        const v = canvas.v(y);
        for (let x = 0; x < width; x++) {
          const t = Math.min(1, Math.max(0, ((canvas.u(x) * dx + v * dy) / reach + 1) / 2)) * segments;
          const index = Math.min(segments - 1, Math.floor(t));
          const from = layer.stops[index]!;
          const to = layer.stops[index + 1]!;
          const f = smooth(t - index);
          const i = (y * width + x) * 3;
          canvas.pixels[i] = from[0] + (to[0] - from[0]) * f;
          canvas.pixels[i + 1] = from[1] + (to[1] - from[1]) * f;
          canvas.pixels[i + 2] = from[2] + (to[2] - from[2]) * f;
        }
      }
      return;
    }
    case "glow": {
      const reach = layer.radius * 2.5;
      const [x0, x1] = canvas.columns(layer.x - reach, layer.x + reach);
      const [y0, y1] = canvas.rows(layer.y - reach, layer.y + reach);
      const falloff = 1 / (layer.radius * layer.radius);
      for (let y = y0; y < y1; y++) {
        const dv = canvas.v(y) - layer.y;
        for (let x = x0; x < x1; x++) {
          const du = canvas.u(x) - layer.x;
          canvas.blend(x, y, layer.color, layer.alpha * Math.exp(-(du * du + dv * dv) * falloff));
        }
      }
      return;
    }
    case "disc":
    case "ring": {
      const outer = layer.radius + (layer.kind === "ring" ? layer.thickness : 0);
      const [x0, x1] = canvas.columns(layer.x - outer, layer.x + outer);
      const [y0, y1] = canvas.rows(layer.y - outer, layer.y + outer);
      for (let y = y0; y < y1; y++) {
        const dv = canvas.v(y) - layer.y;
        for (let x = x0; x < x1; x++) {
          const du = canvas.u(x) - layer.x;
          const distance = Math.sqrt(du * du + dv * dv) - layer.radius;
          const edge = layer.kind === "ring" ? Math.abs(distance) - layer.thickness / 2 : distance;
          canvas.blend(x, y, layer.color, layer.alpha * coverage(edge, pixel));
        }
      }
      return;
    }
    case "wave": {
      const cos = Math.cos(layer.angle);
      const sin = Math.sin(layer.angle);
      for (let y = 0; y < height; y++) {
        const v = canvas.v(y);
        for (let x = 0; x < width; x++) {
          const u = canvas.u(x);
          const along = u * cos + v * sin;
          const across = v * cos - u * sin;
          const crest =
            layer.level +
            layer.amplitude * Math.sin(along * layer.frequency + layer.phase) +
            layer.amplitude * 0.35 * Math.sin(along * layer.frequency * 2.3 + layer.phase * 1.7);
          // Filled below the crest line.
          canvas.blend(x, y, layer.color, layer.alpha * coverage(crest - across, pixel));
        }
      }
      return;
    }
    case "stripes": {
      const cos = Math.cos(layer.angle);
      const sin = Math.sin(layer.angle);
      const clip = layer.clip;
      const [x0, x1] = clip ? canvas.columns(clip.x - clip.radius, clip.x + clip.radius) : [0, width];
      const [y0, y1] = clip ? canvas.rows(clip.y - clip.radius, clip.y + clip.radius) : [0, height];
      const halfBand = (layer.period * layer.duty) / 2;
      for (let y = y0; y < y1; y++) {
        const v = canvas.v(y);
        for (let x = x0; x < x1; x++) {
          const u = canvas.u(x);
          const position = u * cos + v * sin;
          const offset = position - layer.period * Math.round(position / layer.period);
          let alpha = layer.alpha * coverage(Math.abs(offset) - halfBand, pixel);
          if (clip) {
            const du = u - clip.x;
            const dv = v - clip.y;
            alpha *= coverage(Math.sqrt(du * du + dv * dv) - clip.radius, pixel);
          }
          canvas.blend(x, y, layer.color, alpha);
        }
      }
      return;
    }
    case "vignette": {
      const black: Rgb = [0, 0, 0];
      const corner = (width * width + height * height) / 4 / Math.min(width, height) ** 2;
      for (let y = 0; y < height; y++) {
        const v = canvas.v(y);
        for (let x = 0; x < width; x++) {
          const u = canvas.u(x);
          canvas.blend(x, y, black, (layer.strength * (u * u + v * v)) / corner);
        }
      }
      return;
    }
  }
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

// The colours of a pattern, from its prompt alone (so every seed of one prompt shares them).
// Colour words in the prompt ("ocean", "red", "sunset") choose the hues and mood words ("night",
// "pastel", "neon") the lightness and saturation; a hash of the prompt decides everything else.
import type { Random } from "../tiny-chat/sampler";

export type Rgb = readonly [number, number, number];

export interface Palette {
  /** Two or three background gradient stops. */
  background: Rgb[];
  /** Colours for shapes, strongest first. */
  accents: Rgb[];
  dark: boolean;
}

const HUE_WORDS: Record<string, number> = {
  red: 0,
  crimson: 350,
  scarlet: 5,
  fire: 12,
  sunset: 20,
  orange: 28,
  autumn: 30,
  desert: 35,
  amber: 40,
  gold: 45,
  golden: 45,
  yellow: 55,
  lemon: 58,
  lime: 90,
  spring: 100,
  green: 125,
  forest: 140,
  emerald: 150,
  jungle: 135,
  mint: 160,
  teal: 175,
  cyan: 185,
  aqua: 185,
  ice: 195,
  winter: 200,
  ocean: 200,
  sea: 200,
  water: 205,
  sky: 205,
  blue: 220,
  navy: 225,
  indigo: 250,
  lavender: 265,
  violet: 270,
  purple: 280,
  grape: 285,
  magenta: 305,
  pink: 330,
  rose: 340,
};
const DARK_WORDS = new Set(["dark", "night", "midnight", "space", "shadow", "deep", "moody", "noir"]);
const LIGHT_WORDS = new Set(["light", "pastel", "soft", "pale", "bright", "morning", "snow", "cloud", "clouds"]);
const VIVID_WORDS = new Set(["neon", "vivid", "electric", "bold", "vibrant", "psychedelic"]);
const MUTED_WORDS = new Set(["muted", "calm", "vintage", "dusty", "faded", "grey", "gray"]);

type Scheme = (hue: number) => number[];
const SCHEMES: Scheme[] = [
  (h) => [h, h + 30, h - 30, h + 60], // analogous
  (h) => [h, h + 180, h + 20, h + 200], // complementary
  (h) => [h, h + 120, h + 240, h + 60], // triadic
  (h) => [h, h + 150, h + 210, h + 30], // split complementary
];

export function paletteForPrompt(prompt: string, random: Random): Palette {
  const words = prompt.toLowerCase().match(/[a-z]+/g) ?? [];
  const namedHues = words.flatMap((word) => (word in HUE_WORDS ? [HUE_WORDS[word]!] : []));
  const has = (set: Set<string>) => words.some((word) => set.has(word));

  const scheme = SCHEMES[Math.floor(random() * SCHEMES.length)]!;
  const schemeHues = scheme(namedHues[0] ?? random() * 360);
  // Named colours take three of the four accents, so they dominate; the scheme adds one contrast.
  const [first, second] = namedHues;
  const hues = first === undefined ? schemeHues : [first, second ?? first + 25, schemeHues[1]!, namedHues[2] ?? first - 25];

  const dark = has(DARK_WORDS) ? true : has(LIGHT_WORDS) ? false : random() < 0.55;
  const saturation = has(VIVID_WORDS) ? 0.95 : has(MUTED_WORDS) ? 0.35 : 0.55 + random() * 0.35;
  const jitter = () => (random() - 0.5) * 0.08;

  // The background, which covers the most area, takes the first two.
  const backgroundLightness = dark ? [0.14, 0.24, 0.18] : [0.88, 0.78, 0.84];
  const background = backgroundLightness
    .slice(0, random() < 0.5 ? 2 : 3)
    .map((lightness, i) => hsl(hues[i % 2]! + (random() - 0.5) * 20, saturation * 0.8, lightness + jitter()));
  const accentLightness = dark ? [0.6, 0.5, 0.7, 0.4] : [0.5, 0.4, 0.6, 0.3];
  const accents = hues.map((hue, i) => hsl(hue + (random() - 0.5) * 10, saturation, accentLightness[i]! + jitter()));
  return { background, accents, dark };
}

/** HSL (hue in degrees, saturation and lightness in 0..1) to sRGB in 0..1. */
function hsl(hue: number, saturation: number, lightness: number): Rgb {
  const h = (((hue % 360) + 360) % 360) / 360;
  const s = clamp01(saturation);
  const l = clamp01(lightness);
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s;
  const p = 2 * l - q;
  const channel = (t: number) => {
    const x = t < 0 ? t + 1 : t > 1 ? t - 1 : t;
    if (x < 1 / 6) return p + (q - p) * 6 * x;
    if (x < 1 / 2) return q;
    if (x < 2 / 3) return p + (q - p) * (2 / 3 - x) * 6;
    return p;
  };
  return [channel(h + 1 / 3), channel(h), channel(h - 1 / 3)];
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

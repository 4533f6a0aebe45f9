import sharp from "sharp";
import { describe, expect, it } from "vitest";

import { generatePatternPng, PATTERN_SIZES } from "@/lib/inference/providers/local/pattern/generate-pattern";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Mean absolute difference of two images, 0..255 per channel, compared at 64×64. */
async function meanPixelDifference(a: Uint8Array, b: Uint8Array): Promise<number> {
  const small = (png: Uint8Array) => sharp(png).resize(64, 64).raw().toBuffer();
  const [pixelsA, pixelsB] = await Promise.all([small(a), small(b)]);
  let total = 0;
  for (let i = 0; i < pixelsA.length; i++) total += Math.abs(pixelsA[i]! - pixelsB[i]!);
  return total / pixelsA.length;
}

async function channelMeans(png: Uint8Array): Promise<{ red: number; green: number; blue: number }> {
  const [red, green, blue] = (await sharp(png).stats()).channels.map((channel) => channel.mean);
  return { red: red!, green: green!, blue: blue! };
}

describe("procedural pattern images", () => {
  it("draws a valid PNG of every size the images API accepts", async () => {
    expect(PATTERN_SIZES).toEqual(["256x256", "512x512", "1024x1024", "1792x1024", "1024x1792", "1536x1024", "1024x1536"]);
    for (const size of PATTERN_SIZES) {
      const [width, height] = size.split("x").map(Number) as [number, number];
      const png = await generatePatternPng({ prompt: "a lighthouse on a cliff at dawn", width, height });

      expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
      const header = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
      expect(header.toString("latin1", 12, 16)).toBe("IHDR");
      expect([header.readUInt32BE(16), header.readUInt32BE(20)]).toEqual([width, height]);
      const metadata = await sharp(png).metadata();
      expect(metadata).toMatchObject({ format: "png", width, height });
      // Not a flat fill: a real pattern has many distinct colours.
      const { channels } = await sharp(png).stats();
      expect(Math.max(...channels.map((channel) => channel.stdev))).toBeGreaterThan(10);
    }
  });

  it("gives byte-identical images for the same prompt, seed and size", async () => {
    const options = { prompt: "neon city at night", seed: 42, width: 512, height: 512 };
    const [first, second] = await Promise.all([generatePatternPng(options), generatePatternPng({ ...options })]);
    expect(Buffer.compare(first, second)).toBe(0);

    const withoutSeed = await generatePatternPng({ prompt: "neon city at night", width: 256, height: 256 });
    const seedZero = await generatePatternPng({ prompt: "neon city at night", seed: 0, width: 256, height: 256 });
    expect(Buffer.compare(withoutSeed, seedZero)).toBe(0);
  });

  it("draws visibly different images for different prompts and for different seeds", async () => {
    const base = await generatePatternPng({ prompt: "a cat sleeping on a windowsill", seed: 1, width: 256, height: 256 });
    const otherPrompt = await generatePatternPng({ prompt: "a dog running on the beach", seed: 1, width: 256, height: 256 });
    const otherSeed = await generatePatternPng({ prompt: "a cat sleeping on a windowsill", seed: 2, width: 256, height: 256 });

    expect(Buffer.compare(base, otherPrompt)).not.toBe(0);
    expect(Buffer.compare(base, otherSeed)).not.toBe(0);
    expect(await meanPixelDifference(base, otherPrompt)).toBeGreaterThan(20);
    expect(await meanPixelDifference(base, otherSeed)).toBeGreaterThan(20);
    const [baseMeans, otherMeans] = await Promise.all([channelMeans(base), channelMeans(otherPrompt)]);
    const meanShift = Math.max(...(["red", "green", "blue"] as const).map((c) => Math.abs(baseMeans[c] - otherMeans[c])));
    expect(meanShift).toBeGreaterThan(5);
  });

  it("lets colour words in the prompt decide the dominant colour", async () => {
    for (const seed of [0, 1, 2]) {
      const red = await channelMeans(await generatePatternPng({ prompt: "red", seed, width: 256, height: 256 }));
      const green = await channelMeans(await generatePatternPng({ prompt: "green", seed, width: 256, height: 256 }));
      const blue = await channelMeans(await generatePatternPng({ prompt: "blue", seed, width: 256, height: 256 }));
      expect(red.red).toBeGreaterThan(Math.max(red.green, red.blue));
      expect(green.green).toBeGreaterThan(Math.max(green.red, green.blue));
      expect(blue.blue).toBeGreaterThan(Math.max(blue.red, blue.green));
    }
  });

  it("refuses sizes that are not whole pixel counts within 2048", async () => {
    for (const [width, height] of [
      [0, 256],
      [256.5, 256],
      [4096, 256],
    ]) {
      await expect(generatePatternPng({ prompt: "x", width: width!, height: height! })).rejects.toMatchObject({
        code: "invalid_request",
        details: { param: "size" },
      });
    }
  });
});

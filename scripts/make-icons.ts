// Makes the favicon, app icons and the landing page's Open Graph image in public/ from the logo
// (the hexagon in components/ui/logo.tsx). Run it after changing the logo: `tsx scripts/make-icons.ts`.
// The files are committed; nothing is generated or fetched when the app runs.
import { writeFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";

const PUBLIC = path.join(__dirname, "..", "public");
const LOGO_PATH = "M12 2 3 7v10l9 5 9-5V7l-9-5Zm0 2.3 6.8 3.8L12 11.9 5.2 8.1 12 4.3ZM5 9.8l6 3.4v6.6l-6-3.4V9.8Zm8 10v-6.6l6-3.4v6.6l-6 3.4Z";
const EMERALD = "#059669";
const INK = "#09090b";

/** The app icon: the white logo on an emerald rounded square (readable on light and dark tabs). */
const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
  <rect width="32" height="32" rx="7" fill="${EMERALD}"/>
  <g transform="translate(4 4)"><path fill="#fff" d="${LOGO_PATH}"/></g>
</svg>
`;

const OG_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="630" viewBox="0 0 1200 630">
  <defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#ecfdf5"/><stop offset="1" stop-color="#ffffff"/></linearGradient></defs>
  <rect width="1200" height="630" fill="url(#bg)"/>
  <g transform="translate(96 120) scale(4)"><path fill="${EMERALD}" d="${LOGO_PATH}"/></g>
  <text x="208" y="188" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="64" fill="${INK}">EcoLink</text>
  <text x="96" y="340" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="48" fill="${INK}">Open models on our GPUs,</text>
  <text x="96" y="410" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="48" fill="${INK}">with the OpenAI API you already use.</text>
  <text x="96" y="500" font-family="DejaVu Sans, sans-serif" font-size="32" fill="#3f3f46">Chat · Images · Speech-to-text · Pay per use</text>
</svg>
`;

async function png(svg: string, size: number): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 72 * (size / 32) })
    .resize(size, size)
    .png()
    .toBuffer();
}

/** An .ico holding PNG images (supported by every browser since Windows Vista-era ICO readers). */
function ico(images: { size: number; data: Buffer }[]): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(images.length, 4);
  const entries: Buffer[] = [];
  let offset = 6 + 16 * images.length;
  for (const { size, data } of images) {
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size >= 256 ? 0 : size, 0);
    entry.writeUInt8(size >= 256 ? 0 : size, 1);
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(data.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += data.length;
    entries.push(entry);
  }
  return Buffer.concat([header, ...entries, ...images.map((image) => image.data)]);
}

async function main() {
  writeFileSync(path.join(PUBLIC, "icon.svg"), ICON_SVG);
  const icoSizes = [16, 32, 48];
  writeFileSync(path.join(PUBLIC, "favicon.ico"), ico(await Promise.all(icoSizes.map(async (size) => ({ size, data: await png(ICON_SVG, size) })))));
  writeFileSync(path.join(PUBLIC, "apple-touch-icon.png"), await png(ICON_SVG, 180));
  writeFileSync(path.join(PUBLIC, "icon-192.png"), await png(ICON_SVG, 192));
  writeFileSync(path.join(PUBLIC, "icon-512.png"), await png(ICON_SVG, 512));
  writeFileSync(path.join(PUBLIC, "og-image.png"), await sharp(Buffer.from(OG_SVG)).png().toBuffer());
  const manifest = {
    name: "EcoLink",
    short_name: "EcoLink",
    icons: [
      { src: "/icon-192.png", sizes: "192x192", type: "image/png" },
      { src: "/icon-512.png", sizes: "512x512", type: "image/png" },
    ],
    theme_color: "#ffffff",
    background_color: "#ffffff",
    display: "browser",
  };
  writeFileSync(path.join(PUBLIC, "site.webmanifest"), `${JSON.stringify(manifest, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

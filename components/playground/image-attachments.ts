// Images attached to a chat message: read in the browser as base64 data URLs and sent as
// `image_url` content parts. They are checked here, before anything is sent, because a whole
// conversation (every image it carries included) must fit in one request body.
export interface AttachedImage {
  name: string;
  /** data:image/…;base64,… */
  dataUrl: string;
  bytes: number;
}

/** The formats OpenAI-compatible vision models take. */
export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"] as const;
export const MAX_IMAGE_BYTES = 1024 * 1024;
export const MAX_IMAGES_PER_MESSAGE = 4;

export function formatBytes(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Why a file cannot be attached, in words, or null when it can. */
export function attachmentProblem(file: File, alreadyAttached: number): string | null {
  if (!(IMAGE_TYPES as readonly string[]).includes(file.type)) return `“${file.name}” is not a PNG, JPEG, WebP or GIF image.`;
  if (file.size > MAX_IMAGE_BYTES) return `“${file.name}” is ${formatBytes(file.size)}; an image can be at most ${formatBytes(MAX_IMAGE_BYTES)}.`;
  if (alreadyAttached >= MAX_IMAGES_PER_MESSAGE) return `A message can carry at most ${MAX_IMAGES_PER_MESSAGE} images.`;
  return null;
}

export function readImage(file: File): Promise<AttachedImage> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve({ name: file.name, dataUrl: String(reader.result), bytes: file.size });
    reader.onerror = () => reject(reader.error ?? new Error(`Could not read ${file.name}.`));
    reader.readAsDataURL(file);
  });
}

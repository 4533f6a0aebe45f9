import type { Metadata } from "next";
import { AudioPlayground } from "@/components/playground/audio-playground";
import { deploymentOrigin } from "@/lib/auth/origin";
import { requireUser } from "@/lib/auth/session";
import { AUDIO_EXTENSIONS, MAX_AUDIO_BYTES } from "@/lib/inference/transcriptions";
import { playgroundModels } from "../models";

export const metadata: Metadata = { title: "Audio" };

export default async function AudioPlaygroundPage() {
  await requireUser();
  const [models, origin] = await Promise.all([playgroundModels("TRANSCRIPTION"), deploymentOrigin()]);
  return <AudioPlayground initialModels={models} baseUrl={`${origin}/v1`} maxBytes={MAX_AUDIO_BYTES} extensions={AUDIO_EXTENSIONS} />;
}

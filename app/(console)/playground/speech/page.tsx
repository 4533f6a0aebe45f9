import type { Metadata } from "next";
import { SpeechPlayground } from "@/components/playground/speech-playground";
import { deploymentOrigin } from "@/lib/auth/origin";
import { requireUser } from "@/lib/auth/session";
import { playgroundModels } from "../models";

export const metadata: Metadata = { title: "Speech" };

export default async function SpeechPlaygroundPage() {
  await requireUser();
  const [models, origin] = await Promise.all([playgroundModels("SPEECH"), deploymentOrigin()]);
  return <SpeechPlayground initialModels={models} baseUrl={`${origin}/v1`} />;
}

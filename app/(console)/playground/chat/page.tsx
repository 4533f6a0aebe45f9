import type { Metadata } from "next";
import { ChatPlayground } from "@/components/playground/chat-playground";
import { deploymentOrigin } from "@/lib/auth/origin";
import { requireUser } from "@/lib/auth/session";
import { MAX_JSON_BODY_BYTES } from "@/lib/inference/v1-handler";
import { playgroundModels } from "../models";

export const metadata: Metadata = { title: "Chat" };

export default async function ChatPlaygroundPage() {
  await requireUser();
  const [models, origin] = await Promise.all([playgroundModels("CHAT"), deploymentOrigin()]);
  return <ChatPlayground initialModels={models} baseUrl={`${origin}/v1`} maxRequestBytes={MAX_JSON_BODY_BYTES} />;
}

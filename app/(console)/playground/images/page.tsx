import type { Metadata } from "next";
import { ImagesPlayground } from "@/components/playground/images-playground";
import { deploymentOrigin } from "@/lib/auth/origin";
import { requireUser } from "@/lib/auth/session";
import { playgroundModels } from "../models";

export const metadata: Metadata = { title: "Images" };

export default async function ImagesPlaygroundPage() {
  await requireUser();
  const [models, origin] = await Promise.all([playgroundModels("IMAGE"), deploymentOrigin()]);
  return <ImagesPlayground initialModels={models} baseUrl={`${origin}/v1`} />;
}

"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { requireUser } from "@/lib/auth/session";
import { formFailure, formText, invalidInput, type FormResult } from "@/lib/form-errors";
import { createApiKey, newApiKeySchema, revokeApiKey } from "@/lib/keys/api-keys";

export type CreateApiKeyResult = FormResult<{ secret: string; name: string }>;

/** Creates a key for the signed-in user; the result carries the full key, shown once by the dialog. */
export async function createApiKeyAction(_previous: CreateApiKeyResult | null, formData: FormData): Promise<CreateApiKeyResult> {
  const user = await requireUser();
  const values = {
    name: formText(formData, "name"),
    expiresAt: formText(formData, "expiresAt"),
    spendLimit: formText(formData, "spendLimit"),
    rateLimitRpm: formText(formData, "rateLimitRpm"),
  };
  const parsed = newApiKeySchema.safeParse(values);
  if (!parsed.success) return invalidInput(parsed.error, values);
  try {
    const { secret, apiKey } = await createApiKey(user.id, parsed.data);
    revalidatePath("/api-keys");
    return { ok: true, secret, name: apiKey.name };
  } catch (error) {
    return formFailure(error, values);
  }
}

const revokeInput = z.string().trim().min(1).max(64);

/** Revokes one of the signed-in user's keys; an id that isn't theirs is "not found". */
export async function revokeApiKeyAction(apiKeyId: string): Promise<FormResult> {
  const user = await requireUser();
  const parsed = revokeInput.safeParse(apiKeyId);
  if (!parsed.success) return { ok: false, error: "That API key doesn't exist." };
  try {
    await revokeApiKey(user.id, parsed.data);
  } catch (error) {
    return formFailure(error);
  }
  revalidatePath("/api-keys");
  return { ok: true };
}

"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { topUpAmountSchema } from "@/lib/billing/amounts";
import { autoRechargeSettingsSchema, saveAutoRechargeSettings } from "@/lib/billing/auto-recharge";
import { startTopUpCheckout } from "@/lib/billing/checkout";
import { deploymentOrigin } from "@/lib/auth/origin";
import { requireUser } from "@/lib/auth/session";
import { formFailure, formText, invalidInput, type FormFailure, type FormResult } from "@/lib/form-errors";

/** Starts a Stripe Checkout for the chosen amount and sends the browser to it; only failures come back. */
export async function startTopUpAction(_previous: FormFailure | null, formData: FormData): Promise<FormFailure | null> {
  const user = await requireUser();
  const values = { amount: formText(formData, "amount") };
  const parsed = topUpAmountSchema.safeParse(values.amount);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? "Enter an amount.";
    return { ok: false, error: message, fieldErrors: { amount: [message] }, values };
  }
  let checkoutUrl: string;
  try {
    ({ url: checkoutUrl } = await startTopUpCheckout({ user, amountCents: parsed.data, origin: await deploymentOrigin() }));
  } catch (error) {
    return formFailure(error, values);
  }
  redirect(checkoutUrl);
}

export type AutoRechargeResult = FormResult<{ message: string }>;

export async function saveAutoRechargeAction(_previous: AutoRechargeResult | null, formData: FormData): Promise<AutoRechargeResult> {
  const user = await requireUser();
  const values = { thresholdCents: formText(formData, "thresholdCents"), amountCents: formText(formData, "amountCents") };
  const enabled = formData.get("enabled") === "on";
  const parsed = autoRechargeSettingsSchema.safeParse(enabled ? { enabled, ...values } : { enabled });
  if (!parsed.success) return invalidInput(parsed.error, values);
  try {
    await saveAutoRechargeSettings(user.id, parsed.data);
  } catch (error) {
    return formFailure(error, values);
  }
  revalidatePath("/billing");
  return { ok: true, message: parsed.data.enabled ? "Auto-recharge is on." : "Auto-recharge is off." };
}

// Global setup for Vitest and Playwright: reuse the stack scripts/test.ts started, or start one
// for this run (a single test file run on its own). Playwright's workers inherit process.env;
// Vitest's get the stack's variables through provide/inject (test/support/vitest-setup.ts).
import type { TestProject } from "vitest/node";
import { startStack, type StackEnv } from "./stack";

declare module "vitest" {
  export interface ProvidedContext {
    stackEnv: Partial<StackEnv>;
  }
}

export default async function globalSetup(project?: TestProject): Promise<(() => Promise<void>) | void> {
  let teardown: (() => Promise<void>) | undefined;
  if (!process.env.TEST_STACK_READY) {
    const stack = await startStack({ app: process.env.TEST_NO_APP !== "1" });
    Object.assign(process.env, stack.env);
    teardown = () => stack.stop();
  }
  const { DATABASE_URL, APP_URL, MAIL_DIR, SMTP_PORT, AUTH_SECRET, STRIPE_FAKE_URL, STRIPE_API_BASE, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET } = process.env;
  project?.provide("stackEnv", {
    DATABASE_URL,
    APP_URL,
    MAIL_DIR,
    SMTP_PORT,
    AUTH_SECRET,
    STRIPE_FAKE_URL,
    STRIPE_API_BASE,
    STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET,
  });
  return teardown;
}

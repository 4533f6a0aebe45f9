import type { Metadata } from "next";
import { ApiKeyTable } from "@/components/keys/api-key-table";
import { CreateApiKeyDialog } from "@/components/keys/create-api-key-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { requireUser } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { listApiKeys } from "@/lib/keys/api-keys";

export const metadata: Metadata = { title: "API keys" };

export default async function ApiKeysPage() {
  const user = await requireUser();
  const apiKeys = await listApiKeys(user.id);
  const defaultRateLimitRpm = env().RATE_LIMIT_RPM;
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight text-zinc-900">API keys</h1>
          <p className="mt-1 max-w-prose text-sm text-zinc-500">
            Keys authenticate your calls to the API. Each is shown once when you create it; revoke any key you no longer use or that may have leaked.
          </p>
        </div>
        {/* One dialog in one place: it must survive the refresh that swaps the empty state for the table, or the new key would vanish with it. */}
        <CreateApiKeyDialog defaultRateLimitRpm={defaultRateLimitRpm} />
      </div>
      {apiKeys.length > 0 ? (
        <ApiKeyTable apiKeys={apiKeys} />
      ) : (
        <EmptyState
          title="No API keys yet — create one to call the API"
          description="Use “Create API key” to make your first key. It goes in the Authorization header of every request, like an OpenAI key."
        />
      )}
    </div>
  );
}

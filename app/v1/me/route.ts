import { getAccountSummary } from "@/lib/inference/account-summary";
import { v1Route } from "@/lib/inference/v1-handler";

export const dynamic = "force-dynamic";

export const GET = v1Route(async ({ apiKey }) => Response.json(await getAccountSummary(apiKey)));

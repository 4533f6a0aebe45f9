// The playground's streamed chat. Server actions cannot stream a reply that the browser can cancel
// (an aborted action keeps running on the server), so chat uses this session-authenticated route:
// it calls the same gateway core as POST /v1/chat/completions and answers with the same
// server-sent events. When the browser aborts (the Stop button), request.signal aborts the
// generation and only the tokens generated so far are billed.
import { getSessionUser } from "@/lib/auth/session";
import { newRequestId } from "@/lib/http/request-id";
import { DomainError } from "@/lib/errors";
import { createChatCompletion } from "@/lib/inference/generation";
import { openAIErrorResponse } from "@/lib/inference/openai-errors";
import { eventStreamResponse } from "@/lib/inference/sse";
import { readJsonBody } from "@/lib/inference/v1-handler";
import { playgroundPrincipal } from "@/app/(console)/playground/principal";

export const dynamic = "force-dynamic";

export async function POST(request: Request): Promise<Response> {
  const requestId = newRequestId();
  const headers = { "x-request-id": requestId };
  try {
    const user = await getSessionUser();
    if (!user) throw new DomainError("unauthenticated", "Your session has ended. Sign in again to use the playground.");
    // Only our own page may spend the user's credit: a JSON Content-Type cannot be sent cross-site
    // without a CORS preflight, which this route never grants.
    if (!(request.headers.get("content-type") ?? "").startsWith("application/json")) {
      throw new DomainError("unsupported_media_type", "Send the chat request as application/json.");
    }
    const body = await readJsonBody(request);
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new DomainError("invalid_request", "The request body must be a JSON object.");
    const principal = await playgroundPrincipal(user.id);
    const result = await createChatCompletion(
      principal,
      { ...body, stream: true, stream_options: { include_usage: true } },
      { signal: request.signal, requestId },
    );
    if (!result.stream) throw new Error("The gateway answered a streamed request without a stream.");
    return eventStreamResponse(result.events, headers);
  } catch (error) {
    return openAIErrorResponse(error, headers);
  }
}

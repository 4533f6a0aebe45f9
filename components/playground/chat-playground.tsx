"use client";

// The chat playground: settings on the side, the conversation with a composer beside them.
// Replies stream token by token from /api/playground/chat; Stop aborts the fetch, which makes the
// server stop generating (and bill only what was generated). Every reply refreshes the header's
// balance.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { BALANCE_QUERY_KEY } from "@/components/console/use-balance";
import { Button } from "@/components/ui/button";
import { cx } from "@/components/ui/class-names";
import { EmptyState } from "@/components/ui/empty-state";
import { controlClasses, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Spinner } from "@/components/ui/spinner";
import { formatUsd, usdToNanos } from "@/lib/credits/money";
import { getRequestSummary } from "@/app/(console)/playground/actions";
import { ChatRequestError, streamChatReply } from "./chat-stream";
import { ChatSettingsPanel, chatSettingsProblems, defaultMaxTokens, parseStopSequences, type ChatSettings } from "./chat-settings";
import { Markdown } from "./markdown";
import { firstAvailable, type PlaygroundModel } from "./playground-model";
import { chatCode, type ChatRequestBody } from "@/components/code-samples/request-code";
import { networkError, RequestErrorAlert, type RequestError } from "./request-error";
import { usePlaygroundModels } from "./use-playground-models";
import { ViewCodeButton } from "./view-code";

interface ReplyStats {
  promptTokens: number | null;
  completionTokens: number | null;
  /** Dollars charged, for people ("$0.000012"); null when the stream ended before its usage chunk. */
  cost: string | null;
  ttftMs: number | null;
  tokensPerSecond: number | null;
}

interface Turn {
  id: number;
  role: "user" | "assistant";
  content: string;
  status: "streaming" | "done" | "stopped" | "failed";
  stats?: ReplyStats;
  error?: RequestError;
}

/** How many times (0.4 s apart) a stopped reply asks for its cost before giving up. */
const STOPPED_COST_ATTEMPTS = 10;

function requestBody(settings: ChatSettings, conversation: readonly Pick<Turn, "role" | "content">[]): ChatRequestBody {
  const stop = parseStopSequences(settings.stop);
  return {
    model: settings.model,
    messages: [
      ...(settings.system.trim() ? [{ role: "system" as const, content: settings.system }] : []),
      ...conversation.map(({ role, content }) => ({ role, content })),
    ],
    temperature: settings.temperature,
    top_p: settings.topP,
    max_tokens: Number(settings.maxTokens),
    ...(stop.length ? { stop } : {}),
    stream: true,
    stream_options: { include_usage: true },
  };
}

/** The turns a new request sends: everything said so far, without failed or empty replies. */
function sendable(turns: readonly Turn[]): Turn[] {
  return turns.filter((turn) => turn.role === "user" || (turn.status !== "failed" && turn.content !== ""));
}

function formatCost(usd: number): string {
  return formatUsd(usdToNanos(usd));
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function ReplyStatsList({ stats, status }: { stats: ReplyStats; status: Turn["status"] }) {
  const items: [string, string][] = [];
  if (stats.promptTokens !== null) items.push(["Tokens in", String(stats.promptTokens)]);
  if (stats.completionTokens !== null) items.push(["Tokens out", String(stats.completionTokens)]);
  items.push(["Cost", stats.cost ?? (status === "stopped" ? "billed for what was generated" : "—")]);
  if (stats.ttftMs !== null) items.push(["Time to first token", formatMs(stats.ttftMs)]);
  if (stats.tokensPerSecond !== null) items.push(["Speed", `${stats.tokensPerSecond.toFixed(1)} tokens/s`]);
  return (
    <dl aria-label="Reply statistics" className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-zinc-500">
      {items.map(([term, value]) => (
        <div key={term} className="flex gap-1">
          <dt>{term}</dt>
          <dd className="font-medium text-zinc-700 tabular-nums">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function ChatPlayground({ initialModels, baseUrl }: { initialModels: PlaygroundModel[]; baseUrl: string }) {
  const queryClient = useQueryClient();
  const { data: models = initialModels } = usePlaygroundModels("CHAT", initialModels);
  const initialModel = firstAvailable(initialModels) ?? initialModels[0];
  const [settings, setSettings] = useState<ChatSettings>({
    model: initialModel?.id ?? "",
    system: "You are a helpful assistant.",
    temperature: 0.7,
    topP: 1,
    maxTokens: defaultMaxTokens(initialModel),
    stop: "",
  });
  const [turns, setTurns] = useState<Turn[]>([]);
  const [draft, setDraft] = useState("");
  const [editing, setEditing] = useState<{ id: number; text: string } | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [lastRequest, setLastRequest] = useState<ChatRequestBody | null>(null);
  const controller = useRef<AbortController | null>(null);
  const nextId = useRef(1);
  const composer = useRef<HTMLTextAreaElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);

  const model = models.find((candidate) => candidate.id === settings.model);
  const problems = chatSettingsProblems(settings, model);
  const streaming = turns.some((turn) => turn.status === "streaming");
  const blocked = !model || model.unavailableReason !== null || Object.keys(problems).length > 0;

  // Abandoning the page mid-reply stops the generation too.
  useEffect(() => () => controller.current?.abort(), []);

  // Follow the reply as it grows, unless the reader has scrolled up to read something else.
  useEffect(() => {
    const box = scroller.current;
    if (box && stickToBottom.current) box.scrollTop = box.scrollHeight;
  }, [turns]);

  function update(id: number, change: Partial<Turn>) {
    setTurns((current) => current.map((turn) => (turn.id === id ? { ...turn, ...change } : turn)));
  }

  async function reply(conversation: Turn[]) {
    const abort = new AbortController();
    controller.current = abort;
    const id = nextId.current++;
    const body = requestBody(settings, sendable(conversation));
    setLastRequest(body);
    setTurns([...conversation, { id, role: "assistant", content: "", status: "streaming" }]);
    setAnnouncement("Generating a reply…");
    stickToBottom.current = true;

    const startedAt = performance.now();
    let firstTokenAt: number | null = null;
    let text = "";
    let deltas = 0;
    let usage: { promptTokens: number; completionTokens: number; costUsd: number | null } | null = null;
    let requestId: string | null = null;
    const stats = (): ReplyStats => {
      const endedAt = performance.now();
      const completionTokens = usage?.completionTokens ?? (deltas > 0 ? deltas : null);
      const generatingSeconds = firstTokenAt === null ? 0 : (endedAt - firstTokenAt) / 1000;
      return {
        promptTokens: usage?.promptTokens ?? null,
        completionTokens,
        cost: usage?.costUsd != null ? formatCost(usage.costUsd) : null,
        ttftMs: firstTokenAt === null ? null : firstTokenAt - startedAt,
        // The first token arrives at firstTokenAt, so the rate counts the ones after it.
        tokensPerSecond: completionTokens && completionTokens > 1 && generatingSeconds > 0 ? (completionTokens - 1) / generatingSeconds : null,
      };
    };

    try {
      for await (const event of streamChatReply(body, abort.signal)) {
        if (event.type === "request-id") {
          requestId = event.id;
        } else if (event.type === "delta") {
          firstTokenAt ??= performance.now();
          text += event.text;
          deltas += 1;
          update(id, { content: text });
        } else if (event.type === "usage") {
          usage = event;
        }
      }
      update(id, { status: "done", content: text, stats: stats() });
      setAnnouncement("Reply complete.");
    } catch (error) {
      if (abort.signal.aborted) {
        update(id, { status: "stopped", content: text, stats: stats() });
        setAnnouncement("Stopped.");
        if (requestId) void showStoppedCost(id, requestId, body.model, stats());
      } else {
        const failure = error instanceof ChatRequestError ? error.error : networkError("The reply could not be read. Try again.");
        update(id, { status: "failed", content: text, error: failure });
        setAnnouncement(`The request failed: ${failure.message}`);
      }
    } finally {
      if (controller.current === abort) controller.current = null;
      // The request is settled on the server (a stopped one is refreshed again once it is, below).
      void queryClient.invalidateQueries({ queryKey: BALANCE_QUERY_KEY });
    }
  }

  /** A stopped reply never gets its usage chunk: ask the request log what it was billed once the server has settled it. */
  async function showStoppedCost(id: number, requestId: string, modelId: string, soFar: ReplyStats) {
    for (let attempt = 0; attempt < STOPPED_COST_ATTEMPTS; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      const summary = await getRequestSummary({ requestId, model: modelId }).catch(() => null);
      if (summary && summary.status !== "PENDING") {
        update(id, { stats: { ...soFar, promptTokens: summary.inputTokens, completionTokens: summary.outputTokens, cost: summary.cost } });
        void queryClient.invalidateQueries({ queryKey: BALANCE_QUERY_KEY });
        return;
      }
    }
  }

  function send(event?: FormEvent) {
    event?.preventDefault();
    const content = draft.trim();
    if (!content || streaming || blocked) return;
    setDraft("");
    void reply([...turns, { id: nextId.current++, role: "user", content, status: "done" }]);
  }

  function stop() {
    controller.current?.abort();
    composer.current?.focus();
  }

  function regenerate() {
    const last = turns[turns.length - 1];
    if (!last || last.role !== "assistant" || streaming) return;
    void reply(turns.slice(0, -1));
  }

  function resendEdited(event?: FormEvent) {
    event?.preventDefault();
    if (!editing || !editing.text.trim() || streaming || blocked) return;
    const index = turns.findIndex((turn) => turn.id === editing.id);
    if (index === -1) return;
    const edited: Turn = { ...turns[index]!, content: editing.text.trim() };
    setEditing(null);
    void reply([...turns.slice(0, index), edited]);
  }

  function clear() {
    controller.current?.abort();
    setTurns([]);
    setEditing(null);
    setLastRequest(null);
    setAnnouncement("Conversation cleared.");
    composer.current?.focus();
  }

  function onComposerKeyDown(event: KeyboardEvent<HTMLTextAreaElement>, submit: () => void) {
    // Enter sends, Shift+Enter is a newline; Enter while an IME is composing confirms the composition.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  }

  const lastUser = [...turns].reverse().find((turn) => turn.role === "user");
  const lastTurn = turns[turns.length - 1];

  // The message being typed, as the next request would send it; otherwise the last request sent.
  const codeSamples = () =>
    chatCode(baseUrl, draft.trim() || !lastRequest ? requestBody(settings, [...sendable(turns), { role: "user", content: draft.trim() || "Hello!" }]) : lastRequest);

  if (models.length === 0) {
    return <EmptyState title="No chat models yet" description="This deployment has no chat models configured. Ask your administrator to add one." />;
  }

  return (
    <div className="grid gap-6 lg:grid-cols-[18rem_minmax(0,1fr)]">
      <ChatSettingsPanel models={models} settings={settings} onChange={setSettings} problems={problems} disabled={streaming} />

      <section aria-label="Conversation" className="flex min-w-0 flex-col gap-3">
        <div className="flex flex-wrap items-center justify-end gap-2">
          <ViewCodeButton samples={codeSamples} description="The request for the message you are typing (or else the last one sent), as the API takes it." />
          <Button variant="ghost" size="sm" onClick={clear} disabled={turns.length === 0}>
            Clear
          </Button>
        </div>

        <div
          ref={scroller}
          onScroll={(event) => {
            const box = event.currentTarget;
            stickToBottom.current = box.scrollHeight - box.scrollTop - box.clientHeight < 48;
          }}
          className="flex min-h-72 flex-col gap-4 overflow-y-auto rounded-xl border border-zinc-200 bg-white p-4 lg:h-[calc(100vh-20rem)]"
        >
          {turns.length === 0 ? (
            <div className="m-auto max-w-sm text-center text-sm text-zinc-500">
              <p className="font-medium text-zinc-900">Start a conversation</p>
              <p className="mt-1">Messages are billed to your balance exactly like API calls; each reply shows what it cost.</p>
            </div>
          ) : (
            turns.map((turn) =>
              turn.role === "user" ? (
                <article key={turn.id} aria-label="Your message" className="ml-auto flex max-w-[85%] flex-col items-end gap-1">
                  {editing?.id === turn.id ? (
                    <form onSubmit={resendEdited} className="flex w-full min-w-64 flex-col gap-2 sm:min-w-96">
                      <Label htmlFor="chat-edit" className="sr-only">
                        Edit message
                      </Label>
                      <Textarea
                        id="chat-edit"
                        autoFocus
                        value={editing.text}
                        onChange={(event) => setEditing({ id: turn.id, text: event.target.value })}
                        onKeyDown={(event) => {
                          if (event.key === "Escape") setEditing(null);
                          else onComposerKeyDown(event, () => resendEdited());
                        }}
                        rows={3}
                      />
                      <div className="flex justify-end gap-2">
                        <Button variant="ghost" size="sm" onClick={() => setEditing(null)}>
                          Cancel
                        </Button>
                        <Button type="submit" size="sm" disabled={!editing.text.trim() || blocked}>
                          Save and resend
                        </Button>
                      </div>
                    </form>
                  ) : (
                    <>
                      <p className="rounded-2xl rounded-br-sm bg-emerald-700 px-4 py-2 text-sm whitespace-pre-wrap text-white">{turn.content}</p>
                      {turn.id === lastUser?.id && !streaming ? (
                        <Button variant="ghost" size="sm" onClick={() => setEditing({ id: turn.id, text: turn.content })}>
                          Edit
                        </Button>
                      ) : null}
                    </>
                  )}
                </article>
              ) : (
                <article key={turn.id} aria-label="Reply" aria-busy={turn.status === "streaming"} className="max-w-full">
                  <div className="rounded-2xl rounded-bl-sm bg-zinc-100 px-4 py-3 text-zinc-900">
                    {turn.content ? (
                      <Markdown source={turn.content} />
                    ) : turn.status === "streaming" ? (
                      <Spinner label="Waiting for the first token" className="text-zinc-500" />
                    ) : turn.status === "failed" ? null : (
                      <p className="text-sm text-zinc-500 italic">No text was generated.</p>
                    )}
                    {turn.status === "stopped" ? <p className="mt-2 text-xs font-medium text-amber-700">Stopped</p> : null}
                  </div>
                  {turn.error ? <RequestErrorAlert error={turn.error} className="mt-2" /> : null}
                  {turn.stats ? <ReplyStatsList stats={turn.stats} status={turn.status} /> : null}
                  {turn.id === lastTurn?.id && turn.status !== "streaming" ? (
                    <Button variant="ghost" size="sm" className="mt-1" onClick={regenerate} disabled={blocked}>
                      Regenerate
                    </Button>
                  ) : null}
                </article>
              ),
            )
          )}
        </div>
        <p role="status" className="sr-only">
          {announcement}
        </p>

        <form onSubmit={send} className="flex flex-col gap-2 sm:flex-row sm:items-end">
          <div className="min-w-0 flex-1">
            <Label htmlFor="chat-message" className="sr-only">
              Message
            </Label>
            {/* A plain <textarea> because the composer needs a ref for focus management. */}
            <textarea
              id="chat-message"
              ref={composer}
              value={draft}
              onChange={(event) => setDraft(event.target.value)}
              onKeyDown={(event) => onComposerKeyDown(event, () => send())}
              placeholder={model?.unavailableReason ? "This model is unavailable; pick another one." : "Message (Enter to send, Shift+Enter for a new line)"}
              rows={2}
              className={cx(controlClasses, "min-h-12 resize-y py-2")}
            />
          </div>
          {streaming ? (
            <Button variant="danger" onClick={stop}>
              <svg viewBox="0 0 20 20" fill="currentColor" className="size-4" aria-hidden="true">
                <rect x="5" y="5" width="10" height="10" rx="1.5" />
              </svg>
              Stop
            </Button>
          ) : (
            <Button type="submit" disabled={!draft.trim() || blocked}>
              Send
            </Button>
          )}
        </form>
      </section>
    </div>
  );
}

"use client";

// The chat playground: settings on the side, the conversation with a composer beside them.
// Replies stream token by token from /api/playground/chat; Stop aborts the fetch, which makes the
// server stop generating (and bill only what was generated). Every reply refreshes the header's
// balance. Models that take them get images attached to a message, JSON mode and functions; a reply
// that calls functions shows each call, and the user types the results to continue.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ChangeEvent, type FormEvent, type KeyboardEvent } from "react";
import { BALANCE_QUERY_KEY } from "@/components/console/use-balance";
import { Alert } from "@/components/ui/alert";
import { Button, buttonClasses } from "@/components/ui/button";
import { cx } from "@/components/ui/class-names";
import { EmptyState } from "@/components/ui/empty-state";
import { controlClasses, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Spinner } from "@/components/ui/spinner";
import { formatUsd, usdToNanos } from "@/lib/credits/money";
import { getRequestSummary } from "@/app/(console)/playground/actions";
import { focusRing } from "@/components/ui/focus-ring";
import { ChatRequestError, streamChatReply } from "./chat-stream";
import { ChatSettingsPanel, chatSettingsProblems, defaultMaxTokens, parseStopSequences, type ChatSettings } from "./chat-settings";
import { attachmentProblem, formatBytes, IMAGE_TYPES, readImage, type AttachedImage } from "./image-attachments";
import { Markdown } from "./markdown";
import { firstAvailable, type PlaygroundModel } from "./playground-model";
import { chatCode, type ChatContentPart, type ChatRequestBody, type ChatRequestMessage, type ChatToolCall } from "@/components/code-samples/request-code";
import { networkError, RequestErrorAlert, type RequestError } from "./request-error";
import { EXAMPLE_SCHEMA, responseFormatOf, toolsOf } from "./structured-output";
import { appendToolCallDelta, finishedToolCalls, prettyArguments } from "./tool-calls";
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
  /** "tool": a function's result, typed by the user. */
  role: "user" | "assistant" | "tool";
  content: string;
  status: "streaming" | "done" | "stopped" | "failed";
  stats?: ReplyStats;
  error?: RequestError;
  /** User turns: the images attached to the message. */
  images?: AttachedImage[];
  /** Assistant turns: the function calls the reply made (pieces of them while it streams). */
  toolCalls?: ChatToolCall[];
  /** Assistant turns: the request asked for JSON, so the reply is shown as JSON. */
  json?: boolean;
  /** Tool turns: the call this result answers. */
  toolCall?: { id: string; name: string };
}

/** How many times (0.4 s apart) a stopped reply asks for its cost before giving up. */
const STOPPED_COST_ATTEMPTS = 10;

type SentTurn = Pick<Turn, "role" | "content" | "images" | "toolCalls" | "toolCall">;

function messageOf(turn: SentTurn): ChatRequestMessage {
  if (turn.role === "tool") return { role: "tool", tool_call_id: turn.toolCall?.id ?? "", content: turn.content };
  if (turn.role === "assistant")
    return turn.toolCalls?.length
      ? { role: "assistant", content: turn.content || null, tool_calls: turn.toolCalls }
      : { role: "assistant", content: turn.content };
  if (!turn.images?.length) return { role: "user", content: turn.content };
  const parts: ChatContentPart[] = [
    ...(turn.content ? [{ type: "text" as const, text: turn.content }] : []),
    ...turn.images.map((image) => ({ type: "image_url" as const, image_url: { url: image.dataUrl } })),
  ];
  return { role: "user", content: parts };
}

function requestBody(settings: ChatSettings, model: PlaygroundModel | undefined, conversation: readonly SentTurn[]): ChatRequestBody {
  const stop = parseStopSequences(settings.stop);
  const tools = toolsOf(settings, model);
  const responseFormat = responseFormatOf(settings, model);
  return {
    model: settings.model,
    messages: [...(settings.system.trim() ? [{ role: "system" as const, content: settings.system }] : []), ...conversation.map(messageOf)],
    temperature: settings.temperature,
    top_p: settings.topP,
    max_tokens: Number(settings.maxTokens),
    ...(stop.length ? { stop } : {}),
    ...(tools ? { tools } : {}),
    ...(responseFormat ? { response_format: responseFormat } : {}),
    stream: true,
    stream_options: { include_usage: true },
  };
}

/**
 * The turns a new request sends: everything said so far, without failed or empty replies. A
 * stopped reply's function calls are cut off and were never answered, so only its text is sent.
 */
function sendable(turns: readonly Turn[]): Turn[] {
  return turns.flatMap((turn) => {
    if (turn.role !== "assistant") return [turn];
    const toolCalls = turn.status === "done" ? turn.toolCalls : undefined;
    if (turn.status === "failed" || (turn.content === "" && !toolCalls?.length)) return [];
    return [{ ...turn, toolCalls }];
  });
}

/** The size of the request body as sent (UTF-8). */
function bodyBytes(body: ChatRequestBody): number {
  return new TextEncoder().encode(JSON.stringify(body)).length;
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

function ToolCallView({ call }: { call: ChatToolCall }) {
  return (
    <div className="rounded-lg border border-zinc-200 bg-white px-3 py-2">
      <p className="text-xs text-zinc-500">
        Function call <code className="font-mono font-medium text-zinc-900">{call.function.name || "…"}</code>
      </p>
      <pre className="mt-1 overflow-x-auto font-mono text-xs whitespace-pre-wrap text-zinc-800">{prettyArguments(call.function.arguments) || "{}"}</pre>
    </div>
  );
}

function Thumbnails({ images, onRemove }: { images: AttachedImage[]; onRemove?: (index: number) => void }) {
  return (
    <ul aria-label="Attached images" className="flex flex-wrap gap-2">
      {images.map((image, index) => (
        <li key={`${image.name}-${index}`} className="relative">
          {/* biome-ignore lint/performance/noImgElement: a data: URL has nothing for next/image to optimise. */}
          <img
            src={image.dataUrl}
            alt={image.name}
            title={`${image.name} · ${formatBytes(image.bytes)}`}
            className="size-16 rounded-md border border-zinc-200 object-cover"
          />
          {onRemove ? (
            <button
              type="button"
              onClick={() => onRemove(index)}
              aria-label={`Remove image ${image.name}`}
              className={cx("absolute -top-2 -right-2 flex size-6 items-center justify-center rounded-full bg-zinc-900 text-xs text-white", focusRing)}
            >
              ×
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

export function ChatPlayground({ initialModels, baseUrl, maxRequestBytes }: { initialModels: PlaygroundModel[]; baseUrl: string; maxRequestBytes: number }) {
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
    responseFormat: "text",
    schemaName: "answer",
    schema: EXAMPLE_SCHEMA,
    functions: [],
  });
  const [attachments, setAttachments] = useState<AttachedImage[]>([]);
  const [attachProblem, setAttachProblem] = useState<string | null>(null);
  const [toolResults, setToolResults] = useState<Record<string, string>>({});
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
  // biome-ignore lint/correctness/useExhaustiveDependencies: every change of the turns is what triggers the scroll.
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
    const body = requestBody(settings, model, sendable(conversation));
    const json = body.response_format !== undefined;
    setLastRequest(body);
    setTurns([...conversation, { id, role: "assistant", content: "", status: "streaming", json }]);
    const size = bodyBytes(body);
    if (size > maxRequestBytes) {
      const error = networkError(
        `This conversation with its images is ${formatBytes(size)}; one request can be at most ${formatBytes(maxRequestBytes)}. ` +
          "Remove images or clear the conversation.",
      );
      update(id, { status: "failed", error: { ...error, status: 413 } });
      setAnnouncement(`Not sent: ${error.message}`);
      controller.current = null;
      return;
    }
    setAnnouncement("Generating a reply…");
    stickToBottom.current = true;

    const startedAt = performance.now();
    let firstTokenAt: number | null = null;
    let text = "";
    let calls: ChatToolCall[] = [];
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
        } else if (event.type === "tool-call-delta") {
          firstTokenAt ??= performance.now();
          calls = appendToolCallDelta(calls, event.delta);
          update(id, { toolCalls: calls });
        } else if (event.type === "usage") {
          usage = event;
        }
      }
      const toolCalls = finishedToolCalls(calls);
      update(id, { status: "done", content: text, toolCalls, stats: stats() });
      setToolResults({});
      setAnnouncement(
        toolCalls.length
          ? `The model called ${toolCalls.map((call) => call.function.name).join(", ")}. Type the result${toolCalls.length === 1 ? "" : "s"} to continue.`
          : "Reply complete.",
      );
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
    if ((!content && attachments.length === 0) || streaming || blocked || pendingCalls.length > 0) return;
    setDraft("");
    setAttachments([]);
    setAttachProblem(null);
    void reply([...turns, { id: nextId.current++, role: "user", content, status: "done", ...(attachments.length ? { images: attachments } : {}) }]);
  }

  async function attach(event: ChangeEvent<HTMLInputElement>) {
    const files = [...(event.target.files ?? [])];
    event.target.value = "";
    const added: AttachedImage[] = [];
    for (const file of files) {
      const problem = attachmentProblem(file, attachments.length + added.length);
      if (problem) {
        setAttachProblem(problem);
        break;
      }
      try {
        added.push(await readImage(file));
      } catch {
        setAttachProblem(`“${file.name}” could not be read.`);
        break;
      }
    }
    if (added.length === files.length) setAttachProblem(null);
    if (added.length) {
      setAttachments((current) => [...current, ...added]);
      setAnnouncement(`Attached ${added.map((image) => image.name).join(", ")}.`);
    }
  }

  /** The user's results for the last reply's function calls, as tool messages; then the model continues. */
  function sendToolResults(event: FormEvent) {
    event.preventDefault();
    if (streaming || blocked || pendingCalls.some((call) => !toolResults[call.id]?.trim())) return;
    const results: Turn[] = pendingCalls.map((call) => ({
      id: nextId.current++,
      role: "tool",
      content: toolResults[call.id]!.trim(),
      status: "done",
      toolCall: { id: call.id, name: call.function.name },
    }));
    setToolResults({});
    void reply([...turns, ...results]);
  }

  function stop() {
    controller.current?.abort();
    composer.current?.focus();
  }

  function regenerate() {
    const last = turns[turns.length - 1];
    if (last?.role !== "assistant" || streaming) return;
    void reply(turns.slice(0, -1));
  }

  function resendEdited(event?: FormEvent) {
    event?.preventDefault();
    if (!editing?.text.trim() || streaming || blocked) return;
    const index = turns.findIndex((turn) => turn.id === editing.id);
    if (index === -1) return;
    const edited: Turn = { ...turns[index]!, content: editing.text.trim() };
    setEditing(null);
    void reply([...turns.slice(0, index), edited]);
  }

  function clear() {
    controller.current?.abort();
    setTurns([]);
    setToolResults({});
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
  // Function calls of the last reply still waiting for their results: the conversation goes on from them.
  const pendingCalls = lastTurn?.role === "assistant" && lastTurn.status === "done" ? (lastTurn.toolCalls ?? []) : [];
  const vision = model?.capabilities.vision === true;

  // The message being typed, as the next request would send it; otherwise the last request sent.
  const codeSamples = () =>
    chatCode(
      baseUrl,
      draft.trim() || attachments.length || !lastRequest
        ? requestBody(settings, model, [
            ...sendable(turns),
            { role: "user", content: draft.trim() || (attachments.length ? "" : "Hello!"), images: attachments },
          ])
        : lastRequest,
    );

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
                      {turn.images?.length ? <Thumbnails images={turn.images} /> : null}
                      {turn.content ? (
                        <p className="rounded-2xl rounded-br-sm bg-emerald-700 px-4 py-2 text-sm whitespace-pre-wrap text-white">{turn.content}</p>
                      ) : null}
                      {turn.id === lastUser?.id && !streaming ? (
                        <Button variant="ghost" size="sm" onClick={() => setEditing({ id: turn.id, text: turn.content })}>
                          Edit
                        </Button>
                      ) : null}
                    </>
                  )}
                </article>
              ) : turn.role === "tool" ? (
                <article key={turn.id} aria-label="Function result" className="ml-auto flex max-w-[85%] flex-col items-end gap-1">
                  <div className="rounded-2xl rounded-br-sm border border-emerald-200 bg-emerald-50 px-4 py-2 text-emerald-950">
                    <p className="text-xs">
                      Result of <code className="font-mono font-medium">{turn.toolCall?.name}</code>
                    </p>
                    <pre className="mt-1 font-mono text-xs whitespace-pre-wrap">{turn.content}</pre>
                  </div>
                </article>
              ) : (
                <article key={turn.id} aria-label="Reply" aria-busy={turn.status === "streaming"} className="max-w-full">
                  <div className="flex flex-col gap-2 rounded-2xl rounded-bl-sm bg-zinc-100 px-4 py-3 text-zinc-900">
                    {turn.content && turn.json && turn.status === "done" ? (
                      <pre className="overflow-x-auto font-mono text-xs whitespace-pre-wrap">{prettyArguments(turn.content)}</pre>
                    ) : turn.content ? (
                      <Markdown source={turn.content} />
                    ) : turn.toolCalls?.length ? null : turn.status === "streaming" ? (
                      <Spinner label="Waiting for the first token" className="text-zinc-500" />
                    ) : turn.status === "failed" ? null : (
                      <p className="text-sm text-zinc-500 italic">No text was generated.</p>
                    )}
                    {turn.toolCalls?.length ? (
                      <ul aria-label="Function calls" className="flex flex-col gap-2">
                        {turn.toolCalls.map((call, index) => (
                          <li key={call.id || index}>
                            <ToolCallView call={call} />
                          </li>
                        ))}
                      </ul>
                    ) : null}
                    {turn.status === "stopped" ? <p className="text-xs font-medium text-amber-700">Stopped</p> : null}
                  </div>
                  {turn.error ? <RequestErrorAlert error={turn.error} className="mt-2" /> : null}
                  {turn.stats ? <ReplyStatsList stats={turn.stats} status={turn.status} /> : null}
                  {turn.id === lastTurn?.id && pendingCalls.length > 0 ? (
                    <form onSubmit={sendToolResults} aria-label="Function results" className="mt-3 flex flex-col gap-3 rounded-xl border border-zinc-200 p-3">
                      {pendingCalls.map((call, index) => (
                        <div key={call.id}>
                          <Label htmlFor={`tool-result-${index}`}>
                            Result of <code className="font-mono">{call.function.name}</code>
                          </Label>
                          <Textarea
                            id={`tool-result-${index}`}
                            className="mt-1.5 min-h-16 font-mono text-xs"
                            rows={2}
                            value={toolResults[call.id] ?? ""}
                            onChange={(event) => setToolResults((current) => ({ ...current, [call.id]: event.target.value }))}
                            placeholder='e.g. {"temperature": 21, "unit": "celsius"}'
                            spellCheck={false}
                          />
                        </div>
                      ))}
                      <Button type="submit" size="sm" className="self-end" disabled={blocked || pendingCalls.some((call) => !toolResults[call.id]?.trim())}>
                        Send result{pendingCalls.length === 1 ? "" : "s"}
                      </Button>
                    </form>
                  ) : null}
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

        {attachments.length ? (
          <Thumbnails images={attachments} onRemove={(index) => setAttachments((current) => current.filter((_, i) => i !== index))} />
        ) : null}
        {attachProblem ? (
          <Alert variant="danger" title="Image not attached">
            {attachProblem}
          </Alert>
        ) : null}
        <form onSubmit={send} className="flex flex-col gap-2 sm:flex-row sm:items-end">
          {vision ? (
            <label
              className={cx(
                buttonClasses({ variant: "secondary" }),
                "cursor-pointer focus-within:ring-2 focus-within:ring-emerald-600 focus-within:ring-offset-2",
              )}
            >
              <input type="file" accept={IMAGE_TYPES.join(",")} multiple className="sr-only" onChange={(event) => void attach(event)} disabled={streaming} />
              <svg viewBox="0 0 20 20" fill="currentColor" className="size-4" aria-hidden="true">
                <path
                  fillRule="evenodd"
                  d="M1 5.25A2.25 2.25 0 0 1 3.25 3h13.5A2.25 2.25 0 0 1 19 5.25v9.5A2.25 2.25 0 0 1 16.75 17H3.25A2.25 2.25 0 0 1 1 14.75v-9.5Zm1.5 5.81v3.69c0 .414.336.75.75.75h13.5a.75.75 0 0 0 .75-.75v-2.69l-2.22-2.219a.75.75 0 0 0-1.06 0l-1.91 1.909.47.47a.75.75 0 1 1-1.06 1.06L6.53 8.091a.75.75 0 0 0-1.06 0l-2.97 2.97ZM12 7a1 1 0 1 1-2 0 1 1 0 0 1 2 0Z"
                  clipRule="evenodd"
                />
              </svg>
              Attach image
            </label>
          ) : null}
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
              placeholder={
                model?.unavailableReason
                  ? "This model is unavailable; pick another one."
                  : pendingCalls.length
                    ? "Type the function results above to continue."
                    : "Message (Enter to send, Shift+Enter for a new line)"
              }
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
            <Button type="submit" disabled={(!draft.trim() && attachments.length === 0) || blocked || pendingCalls.length > 0}>
              Send
            </Button>
          )}
        </form>
      </section>
    </div>
  );
}

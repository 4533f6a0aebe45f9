"use client";

// The speech-to-text playground: record from the microphone (with a level meter and a timer) or
// upload a file (drag and drop or a file picker; its type and size are checked before it is
// sent), then read the transcript with its duration and cost, copy it, or download it as TXT,
// SRT or VTT.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useRef, useState, type DragEvent } from "react";
import { transcribePlaygroundAudio } from "@/app/(console)/playground/actions";
import { BALANCE_QUERY_KEY } from "@/components/console/use-balance";
import { Alert } from "@/components/ui/alert";
import { Button, buttonClasses } from "@/components/ui/button";
import { Card, CardBody, CardHeader, CardTitle } from "@/components/ui/card";
import { cx } from "@/components/ui/class-names";
import { CopyButton } from "@/components/ui/copy-button";
import { EmptyState } from "@/components/ui/empty-state";
import { Field } from "@/components/ui/field";
import { focusRing } from "@/components/ui/focus-ring";
import { Select } from "@/components/ui/select";
import { ModelPicker } from "./model-picker";
import { firstAvailable, type PlaygroundModel } from "./playground-model";
import { transcriptionCode } from "@/components/code-samples/request-code";
import { networkError, RequestErrorAlert } from "./request-error";
import { usePlaygroundModels } from "./use-playground-models";
import { useRecorder } from "./use-recorder";
import { ViewCodeButton } from "./view-code";

const LANGUAGES: [code: string, name: string][] = [
  ["", "Detect automatically"],
  ["en", "English"],
  ["es", "Spanish"],
  ["fr", "French"],
  ["de", "German"],
  ["it", "Italian"],
  ["pt", "Portuguese"],
  ["nl", "Dutch"],
  ["ja", "Japanese"],
  ["zh", "Chinese"],
];

const FORMATS = [
  { value: "verbose_json", label: "verbose_json (with timestamps)" },
  { value: "json", label: "json" },
] as const;

type Format = (typeof FORMATS)[number]["value"];

/** Longest recording: well inside the upload limit at any browser's speech bitrate. */
const MAX_RECORDING_SECONDS = 10 * 60;

function formatClock(seconds: number): string {
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

function formatDuration(seconds: number): string {
  return seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${(seconds % 60).toFixed(0)} s`;
}

function formatBytes(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function textDownload(text: string, type: string): string {
  return `data:${type};charset=utf-8,${encodeURIComponent(text)}`;
}

export function AudioPlayground({
  initialModels,
  baseUrl,
  maxBytes,
  extensions,
}: {
  initialModels: PlaygroundModel[];
  baseUrl: string;
  maxBytes: number;
  extensions: readonly string[];
}) {
  const queryClient = useQueryClient();
  const { data: models = initialModels } = usePlaygroundModels("TRANSCRIPTION", initialModels);
  const [modelId, setModelId] = useState((firstAvailable(initialModels) ?? initialModels[0])?.id ?? "");
  const [language, setLanguage] = useState("");
  const [format, setFormat] = useState<Format>("verbose_json");
  const [file, setFile] = useState<File | null>(null);
  const [fileProblem, setFileProblem] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const fileInputId = useId();
  const resultHeading = useRef<HTMLHeadingElement>(null);

  const model = models.find((candidate) => candidate.id === modelId);
  const blocked = !model || model.unavailableReason !== null;

  const transcription = useMutation({
    mutationFn: (audio: File) => {
      const form = new FormData();
      form.set("file", audio, audio.name);
      form.set("model", modelId);
      form.set("response_format", format);
      if (language) form.set("language", language);
      return transcribePlaygroundAudio(form);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: BALANCE_QUERY_KEY }),
  });
  const result = transcription.data;
  const submittedName = transcription.variables?.name ?? null;

  // Move focus to the transcript when it arrives, so keyboard and screen-reader users land on it.
  useEffect(() => {
    if (result?.ok) resultHeading.current?.focus();
  }, [result]);

  function problemWith(candidate: File): string | null {
    const extension = candidate.name.toLowerCase().split(".").pop() ?? "";
    if (!extensions.includes(extension)) return `“${candidate.name}” is not an audio file we can read. Use one of: ${extensions.join(", ")}.`;
    if (candidate.size > maxBytes) return `“${candidate.name}” is ${formatBytes(candidate.size)}; the limit is ${formatBytes(maxBytes)}.`;
    if (candidate.size === 0) return `“${candidate.name}” is empty.`;
    return null;
  }

  function choose(candidate: File | undefined) {
    if (!candidate) return;
    const problem = problemWith(candidate);
    setFileProblem(problem);
    setFile(problem ? null : candidate);
  }

  const recorder = useRecorder({
    maxSeconds: MAX_RECORDING_SECONDS,
    onRecorded: (recording) => {
      const problem = problemWith(recording);
      if (problem) setFileProblem(problem);
      else transcription.mutate(recording);
    },
  });
  const recording = recorder.state.status === "recording";
  const audioUrl = useMemo(() => (file ? URL.createObjectURL(file) : null), [file]);
  useEffect(() => () => (audioUrl ? URL.revokeObjectURL(audioUrl) : undefined), [audioUrl]);

  function onDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setDragging(false);
    choose(event.dataTransfer.files[0]);
  }

  if (models.length === 0) {
    return (
      <EmptyState
        title="No speech-to-text models yet"
        description="This deployment has no transcription models configured. Ask your administrator to add one."
      />
    );
  }

  const failure = result && !result.ok ? result.error : transcription.isError ? networkError() : null;
  const busy = transcription.isPending || recording || recorder.state.status === "starting";
  const baseName = (submittedName ?? "transcript").replace(/\.[^.]+$/, "");

  return (
    <div className="grid gap-6 lg:grid-cols-[18rem_minmax(0,1fr)]">
      <Card>
        <CardBody className="flex flex-col gap-4">
          <h2 className="text-sm font-semibold text-zinc-900">Settings</h2>
          <ModelPicker models={models} value={modelId} onChange={setModelId} disabled={busy} />
          <Field label="Language" hint="A hint improves accuracy; the demo model understands English only.">
            <Select value={language} onChange={(event) => setLanguage(event.target.value)} disabled={busy}>
              {LANGUAGES.map(([code, name]) => (
                <option key={code} value={code}>
                  {name}
                  {code ? ` (${code})` : ""}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Response format" hint="Both include the audio's length and cost; verbose_json adds the timestamps used for SRT and VTT files.">
            <Select value={format} onChange={(event) => setFormat(event.target.value as Format)} disabled={busy}>
              {FORMATS.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </Select>
          </Field>
        </CardBody>
      </Card>

      <div className="flex min-w-0 flex-col gap-6">
        <div className="flex justify-end">
          <ViewCodeButton
            samples={() =>
              transcriptionCode(baseUrl, { model: modelId, language, response_format: format, fileName: submittedName ?? file?.name ?? "audio.wav" })
            }
            description="This transcription request for the API, with the settings on this page."
          />
        </div>

        <div className="grid gap-4 md:grid-cols-2">
          <Card>
            <CardHeader>
              <CardTitle>Record</CardTitle>
            </CardHeader>
            <CardBody className="flex flex-col gap-4">
              {recorder.state.status === "unavailable" ? (
                <Alert variant="warning" title="Recording is not available">
                  {recorder.state.message}
                </Alert>
              ) : null}
              {recording ? (
                <>
                  <div className="flex items-center gap-3">
                    <span className="size-2.5 animate-pulse rounded-full bg-red-600" aria-hidden="true" />
                    <span className="font-mono text-lg text-zinc-900 tabular-nums" role="timer" aria-label="Recording time">
                      {formatClock(recorder.elapsedSeconds)}
                    </span>
                  </div>
                  {/* biome-ignore lint/a11y/useSemanticElements: a <meter> cannot be styled alike across browsers; the ARIA meter says the same. */}
                  <div
                    role="meter"
                    aria-label="Microphone level"
                    aria-valuemin={0}
                    aria-valuemax={100}
                    aria-valuenow={Math.round(recorder.level * 100)}
                    className="h-2.5 overflow-hidden rounded-full bg-zinc-200"
                  >
                    <div
                      className="h-full rounded-full bg-emerald-500 transition-[width] duration-100"
                      style={{ width: `${Math.round(recorder.level * 100)}%` }}
                    />
                  </div>
                  <div className="flex flex-wrap gap-2">
                    <Button onClick={recorder.stop}>Stop and transcribe</Button>
                    <Button variant="ghost" onClick={recorder.cancel}>
                      Cancel
                    </Button>
                  </div>
                </>
              ) : (
                <>
                  <p className="text-sm text-zinc-500">Speak into your microphone; stop to transcribe what you said.</p>
                  <Button
                    variant="secondary"
                    onClick={() => void recorder.start()}
                    loading={recorder.state.status === "starting"}
                    disabled={blocked || transcription.isPending}
                  >
                    <svg viewBox="0 0 20 20" fill="currentColor" className="size-4" aria-hidden="true">
                      <path d="M7 4a3 3 0 0 1 6 0v6a3 3 0 1 1-6 0V4Z" />
                      <path d="M5.5 9.643a.75.75 0 0 0-1.5 0V10c0 3.06 2.29 5.585 5.25 5.954V17.5h-1.5a.75.75 0 0 0 0 1.5h4.5a.75.75 0 0 0 0-1.5h-1.5v-1.546A6.001 6.001 0 0 0 16 10v-.357a.75.75 0 0 0-1.5 0V10a4.5 4.5 0 0 1-9 0v-.357Z" />
                    </svg>
                    Start recording
                  </Button>
                </>
              )}
            </CardBody>
          </Card>

          <Card>
            <CardHeader>
              <CardTitle>Upload a file</CardTitle>
            </CardHeader>
            <CardBody className="flex flex-col gap-3">
              {/* biome-ignore lint/a11y/noStaticElementInteractions: a drop target for the mouse; the file input inside is the keyboard's way in. */}
              <div
                onDragOver={(event) => {
                  event.preventDefault();
                  setDragging(true);
                }}
                onDragLeave={() => setDragging(false)}
                onDrop={onDrop}
                className={cx(
                  "flex flex-col items-center gap-2 rounded-lg border-2 border-dashed px-4 py-6 text-center text-sm",
                  dragging ? "border-emerald-500 bg-emerald-50" : "border-zinc-300",
                )}
              >
                <p className="text-zinc-600">Drag an audio file here, or</p>
                <label
                  htmlFor={fileInputId}
                  className={cx(buttonClasses({ variant: "secondary", size: "sm" }), "cursor-pointer has-[:focus-visible]:outline-2")}
                >
                  Choose a file
                </label>
                <input
                  id={fileInputId}
                  type="file"
                  aria-label="Audio file"
                  accept={[...extensions.map((extension) => `.${extension}`), "audio/*"].join(",")}
                  className={cx("sr-only", focusRing)}
                  disabled={busy}
                  onChange={(event) => {
                    choose(event.target.files?.[0]);
                    event.target.value = "";
                  }}
                />
                <p className="text-xs text-zinc-500">
                  {extensions.join(", ")} · up to {formatBytes(maxBytes)}
                </p>
              </div>
              {fileProblem ? (
                <p role="alert" className="text-sm text-red-600">
                  {fileProblem}
                </p>
              ) : null}
              {file && audioUrl ? (
                <div className="flex flex-col gap-2">
                  <p className="truncate text-sm text-zinc-700">
                    <span className="font-medium">{file.name}</span> · {formatBytes(file.size)}
                  </p>
                  <audio controls src={audioUrl} className="w-full" aria-label={`Preview of ${file.name}`} />
                  <Button onClick={() => transcription.mutate(file)} loading={transcription.isPending} disabled={blocked || busy}>
                    Transcribe file
                  </Button>
                </div>
              ) : null}
            </CardBody>
          </Card>
        </div>

        <section aria-label="Transcript" aria-busy={transcription.isPending} className="flex flex-col gap-3">
          {transcription.isPending ? (
            <p role="status" className="text-sm text-zinc-500">
              Transcribing {submittedName}…
            </p>
          ) : null}
          {failure ? <RequestErrorAlert error={failure} /> : null}
          {result?.ok ? (
            <Card>
              <CardHeader className="sm:flex-row sm:items-center sm:justify-between">
                <h2 ref={resultHeading} tabIndex={-1} className="text-base font-semibold text-zinc-900 outline-none">
                  Transcript
                </h2>
                <dl aria-label="Transcription details" className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-zinc-500">
                  <div className="flex gap-1">
                    <dt>Duration</dt>
                    <dd className="font-medium text-zinc-700 tabular-nums">{formatDuration(result.durationSeconds)}</dd>
                  </div>
                  <div className="flex gap-1">
                    <dt>Cost</dt>
                    <dd className="font-medium text-zinc-700 tabular-nums">{result.cost}</dd>
                  </div>
                </dl>
              </CardHeader>
              <CardBody className="flex flex-col gap-4">
                <p className="text-sm whitespace-pre-wrap text-zinc-900" data-testid="transcript-text">
                  {result.text.trim() || "No speech was recognised."}
                </p>
                <div className="flex flex-wrap gap-2">
                  <CopyButton value={result.text} label="Copy transcript" />
                  <a
                    href={textDownload(result.text, "text/plain")}
                    download={`${baseName}.txt`}
                    className={buttonClasses({ variant: "secondary", size: "sm" })}
                  >
                    Download TXT
                  </a>
                  {result.subtitles ? (
                    <>
                      <a
                        href={textDownload(result.subtitles.srt, "application/x-subrip")}
                        download={`${baseName}.srt`}
                        className={buttonClasses({ variant: "secondary", size: "sm" })}
                      >
                        Download SRT
                      </a>
                      <a
                        href={textDownload(result.subtitles.vtt, "text/vtt")}
                        download={`${baseName}.vtt`}
                        className={buttonClasses({ variant: "secondary", size: "sm" })}
                      >
                        Download VTT
                      </a>
                    </>
                  ) : (
                    <p className="self-center text-xs text-zinc-500">Choose verbose_json for SRT and VTT subtitles.</p>
                  )}
                </div>
                <details className="text-sm">
                  <summary className={cx("cursor-pointer rounded text-zinc-600 hover:text-zinc-900", focusRing)}>API response ({result.format})</summary>
                  <pre className="fixed-palette mt-2 max-h-72 overflow-auto rounded-lg bg-zinc-950 p-3 font-mono text-xs text-zinc-100">{result.output}</pre>
                </details>
              </CardBody>
            </Card>
          ) : !transcription.isPending && !failure ? (
            <EmptyState
              title="No transcript yet"
              description="Record something or upload a file. Audio is billed by its length at the model's per-minute price."
            />
          ) : null}
        </section>
      </div>
    </div>
  );
}

"use client";

// The text-to-speech playground: text, a model, a voice, a format and a speed; the audio comes
// back whole and plays in the page, downloads as a file, and shows what it cost.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useState, type FormEvent } from "react";
import { synthesizePlaygroundSpeech, type SpeechInput, type SpeechResult } from "@/app/(console)/playground/actions";
import { MAX_SPEECH_CHARACTERS } from "@/app/(console)/playground/limits";
import { BALANCE_QUERY_KEY } from "@/components/console/use-balance";
import { Button, buttonClasses } from "@/components/ui/button";
import { Card, CardBody } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Field } from "@/components/ui/field";
import { Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select } from "@/components/ui/select";
import { Spinner } from "@/components/ui/spinner";
import { speechCode } from "@/components/code-samples/request-code";
import { ModelPicker } from "./model-picker";
import { firstAvailable, type PlaygroundModel } from "./playground-model";
import { networkError, RequestErrorAlert } from "./request-error";
import { usePlaygroundModels } from "./use-playground-models";
import { ViewCodeButton } from "./view-code";

/** OpenAI's voice names; a model with fewer voices speaks each name with one of its own. */
const VOICES = ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"];
/** The formats a browser can play (raw pcm has no player). */
const FORMATS = ["mp3", "wav", "opus", "flac", "aac"] as const;
type Format = (typeof FORMATS)[number];

/** An object URL for the result's audio, revoked when the result is replaced or the page left. */
function useAudioUrl(result: SpeechResult | undefined): string | null {
  const url = useMemo(() => {
    if (!result?.ok) return null;
    const bytes = Uint8Array.from(atob(result.audioBase64), (char) => char.charCodeAt(0));
    return URL.createObjectURL(new Blob([bytes], { type: result.contentType }));
  }, [result]);
  useEffect(() => () => (url ? URL.revokeObjectURL(url) : undefined), [url]);
  return url;
}

export function SpeechPlayground({ initialModels, baseUrl }: { initialModels: PlaygroundModel[]; baseUrl: string }) {
  const queryClient = useQueryClient();
  const { data: models = initialModels } = usePlaygroundModels("SPEECH", initialModels);
  const [modelId, setModelId] = useState((firstAvailable(initialModels) ?? initialModels[0])?.id ?? "");
  const [text, setText] = useState("");
  const [voice, setVoice] = useState("alloy");
  const [format, setFormat] = useState<Format>("mp3");
  const [speed, setSpeed] = useState(1);
  const speedId = useId();
  const model = models.find((candidate) => candidate.id === modelId);

  const synthesis = useMutation({
    mutationFn: (input: SpeechInput) => synthesizePlaygroundSpeech(input),
    onSettled: () => queryClient.invalidateQueries({ queryKey: BALANCE_QUERY_KEY }),
  });
  const result = synthesis.data;
  const submitted = synthesis.variables;
  const audioUrl = useAudioUrl(result);
  const blocked = !model || model.unavailableReason !== null;
  const tooLong = text.length > MAX_SPEECH_CHARACTERS;

  const body = (): SpeechInput => ({ model: modelId, input: text.trim() || "Hello from EcoLink!", voice, response_format: format, speed });

  function speak(event: FormEvent) {
    event.preventDefault();
    if (!text.trim() || tooLong || blocked || synthesis.isPending) return;
    synthesis.mutate(body());
  }

  if (models.length === 0) {
    return (
      <EmptyState title="No speech models yet" description="This deployment has no text-to-speech models configured. Ask your administrator to add one." />
    );
  }

  const failure = result && !result.ok ? result.error : synthesis.isError ? networkError() : null;
  const fileName = `speech-${(submitted?.model ?? modelId).replace(/[^a-z0-9]+/gi, "-").toLowerCase()}.${submitted?.response_format ?? format}`;

  return (
    <div className="grid gap-6 lg:grid-cols-[18rem_minmax(0,1fr)]">
      <Card>
        <CardBody>
          <form onSubmit={speak} className="flex flex-col gap-4" aria-label="Speech settings">
            <Field
              label="Text"
              error={tooLong ? `The text can be at most ${MAX_SPEECH_CHARACTERS} characters.` : undefined}
              hint={`${text.length} / ${MAX_SPEECH_CHARACTERS} characters`}
            >
              <Textarea value={text} onChange={(event) => setText(event.target.value)} placeholder="Hello from EcoLink!" rows={6} required />
            </Field>
            <ModelPicker models={models} value={modelId} onChange={setModelId} disabled={synthesis.isPending} />
            <div className="grid grid-cols-2 gap-3">
              <Field label="Voice" hint={model?.isDemo ? "The demo speaks every name with its one voice." : undefined}>
                <Select value={voice} onChange={(event) => setVoice(event.target.value)} disabled={synthesis.isPending}>
                  {VOICES.map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label="Format">
                <Select value={format} onChange={(event) => setFormat(event.target.value as Format)} disabled={synthesis.isPending}>
                  {FORMATS.map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </Select>
              </Field>
            </div>
            <div>
              <div className="flex items-center justify-between">
                <Label htmlFor={speedId}>Speed</Label>
                <output htmlFor={speedId} className="text-sm text-zinc-600 tabular-nums">
                  {speed.toFixed(2)}×
                </output>
              </div>
              <input
                id={speedId}
                type="range"
                min={0.25}
                max={4}
                step={0.05}
                value={speed}
                onChange={(event) => setSpeed(Number(event.target.value))}
                disabled={synthesis.isPending}
                className="mt-2 w-full accent-emerald-600"
              />
            </div>
            <Button type="submit" loading={synthesis.isPending} disabled={!text.trim() || tooLong || blocked}>
              {synthesis.isPending ? "Speaking…" : "Speak"}
            </Button>
          </form>
        </CardBody>
      </Card>

      <section aria-label="Speech" className="flex min-w-0 flex-col gap-3">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p className="text-sm text-zinc-500" role="status">
            {synthesis.isPending ? "Synthesising speech…" : result?.ok ? `${result.characters} characters · Cost ${result.cost}` : ""}
          </p>
          <ViewCodeButton samples={() => speechCode(baseUrl, body())} description="This speech request for the API, with the settings on this page." />
        </div>

        {failure ? <RequestErrorAlert error={failure} /> : null}

        {synthesis.isPending ? (
          <div className="flex h-32 items-center justify-center rounded-xl border border-zinc-200 bg-zinc-50 text-sm text-zinc-500" aria-busy="true">
            <Spinner className="text-zinc-500" />
            <span className="ml-2">Synthesising…</span>
          </div>
        ) : audioUrl && result?.ok ? (
          <Card>
            <CardBody className="flex flex-col gap-3">
              {/* Speech needs no captions track: the text it speaks is right beside it. */}
              <audio controls src={audioUrl} aria-label="Synthesised speech" className="w-full" />
              <p className="text-sm whitespace-pre-wrap text-zinc-700">{submitted?.input}</p>
              <div className="flex flex-wrap items-center justify-between gap-2">
                <span className="text-xs text-zinc-500">
                  {submitted?.voice} · {submitted?.response_format} · {submitted?.speed.toFixed(2)}×
                </span>
                <a href={audioUrl} download={fileName} className={buttonClasses({ variant: "secondary", size: "sm" })}>
                  Download {submitted?.response_format.toUpperCase()}
                </a>
              </div>
            </CardBody>
          </Card>
        ) : failure ? null : (
          <EmptyState title="No speech yet" description="Type some text and press Speak. Speech is billed per character of text." />
        )}
      </section>
    </div>
  );
}

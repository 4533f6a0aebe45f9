"use client";

// The chat playground's settings: model, system prompt, sampling and length limits, and — for
// models that take them — JSON mode and function definitions. On phones the panel folds away
// behind a button so the conversation gets the screen.
import { useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardBody } from "@/components/ui/card";
import { cx } from "@/components/ui/class-names";
import { Field } from "@/components/ui/field";
import { Input, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select } from "@/components/ui/select";
import { FunctionEditor } from "./function-editor";
import { ModelPicker } from "./model-picker";
import type { PlaygroundModel } from "./playground-model";
import { structuredProblems, type ResponseFormatChoice, type StructuredProblems, type StructuredSettings } from "./structured-output";

export interface ChatSettings extends StructuredSettings {
  model: string;
  system: string;
  temperature: number;
  topP: number;
  /** As typed, so that a half-typed number can be corrected; validated by chatSettingsProblems. */
  maxTokens: string;
  /** Comma-separated, as typed; see parseStopSequences. */
  stop: string;
}

export type ChatSettingsProblems = { maxTokens?: string; stop?: string } & StructuredProblems;

const MAX_STOP_SEQUENCES = 4;

export function defaultMaxTokens(model: PlaygroundModel | undefined): string {
  // Half the context leaves room for the conversation on small models.
  return String(model?.contextLength ? Math.min(1024, Math.floor(model.contextLength / 2)) : 1024);
}

/** "###, \n\n" → ["###", "\n\n"]: comma-separated, with \n and \t written as escapes. */
export function parseStopSequences(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.trim().replace(/\\n/g, "\n").replace(/\\t/g, "\t"))
    .filter(Boolean);
}

export function chatSettingsProblems(settings: ChatSettings, model: PlaygroundModel | undefined): ChatSettingsProblems {
  const problems: ChatSettingsProblems = structuredProblems(settings, model);
  const maxTokens = Number(settings.maxTokens);
  if (!Number.isInteger(maxTokens) || maxTokens < 1) problems.maxTokens = "Enter a whole number of tokens, at least 1.";
  else if (model?.contextLength && maxTokens > model.contextLength) problems.maxTokens = `This model handles at most ${model.contextLength} tokens.`;
  if (parseStopSequences(settings.stop).length > MAX_STOP_SEQUENCES) problems.stop = `Use at most ${MAX_STOP_SEQUENCES} stop sequences.`;
  return problems;
}

/** What the playground could offer but this model does not take. */
function lacking(model: PlaygroundModel): string[] {
  const { tools, json, vision } = model.capabilities;
  return [...(tools ? [] : ["function calling"]), ...(json ? [] : ["JSON mode"]), ...(vision ? [] : ["image inputs"])];
}

function RangeField({
  label,
  value,
  min,
  max,
  step,
  onChange,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onChange: (value: number) => void;
}) {
  const id = useId();
  return (
    <div>
      <div className="flex items-center justify-between">
        <Label htmlFor={id}>{label}</Label>
        <output htmlFor={id} className="text-sm text-zinc-600 tabular-nums">
          {value.toFixed(2)}
        </output>
      </div>
      <input
        id={id}
        type="range"
        min={min}
        max={max}
        step={step}
        value={value}
        onChange={(event) => onChange(Number(event.target.value))}
        className="mt-2 w-full accent-emerald-600"
      />
    </div>
  );
}

export function ChatSettingsPanel({
  models,
  settings,
  onChange,
  problems,
  disabled,
}: {
  models: PlaygroundModel[];
  settings: ChatSettings;
  onChange: (settings: ChatSettings) => void;
  problems: ChatSettingsProblems;
  /** While a reply streams, the model stays put. */
  disabled: boolean;
}) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const headingId = useId();
  const model = models.find((candidate) => candidate.id === settings.model);
  const set = (change: Partial<ChatSettings>) => onChange({ ...settings, ...change });
  return (
    <section aria-labelledby={headingId} className="min-w-0">
      <div className="flex items-center justify-between lg:hidden">
        <Button variant="secondary" size="sm" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen(!open)}>
          {open ? "Hide settings" : "Show settings"}
        </Button>
        <span className="truncate pl-3 text-sm text-zinc-500">{model?.displayName}</span>
      </div>
      <Card id={panelId} className={cx("mt-3 lg:mt-0 lg:block", open ? "block" : "hidden")}>
        <CardBody className="flex flex-col gap-4">
          <h2 id={headingId} className="text-sm font-semibold text-zinc-900">
            Settings
          </h2>
          <ModelPicker
            models={models}
            value={settings.model}
            disabled={disabled}
            onChange={(id) => set({ model: id, maxTokens: defaultMaxTokens(models.find((candidate) => candidate.id === id)) })}
          />
          <Field label="System prompt" hint="Sent first, as the system message.">
            <Textarea value={settings.system} onChange={(event) => set({ system: event.target.value })} rows={3} className="min-h-20" />
          </Field>
          <RangeField label="Temperature" value={settings.temperature} min={0} max={2} step={0.05} onChange={(temperature) => set({ temperature })} />
          <RangeField label="Top P" value={settings.topP} min={0} max={1} step={0.05} onChange={(topP) => set({ topP })} />
          <Field label="Max tokens" error={problems.maxTokens} hint={model?.contextLength ? `Up to ${model.contextLength}, prompt included.` : undefined}>
            <Input
              type="number"
              inputMode="numeric"
              min={1}
              max={model?.contextLength ?? undefined}
              value={settings.maxTokens}
              onChange={(event) => set({ maxTokens: event.target.value })}
            />
          </Field>
          <Field label="Stop sequences" error={problems.stop} hint="Comma-separated, up to 4. Write \n for a new line.">
            <Input value={settings.stop} onChange={(event) => set({ stop: event.target.value })} placeholder="e.g. ###, \n\n" />
          </Field>
          {model?.capabilities.json ? (
            <>
              <Field
                label="Response format"
                hint={
                  settings.responseFormat === "json_object"
                    ? "The reply is a JSON object. Ask for JSON in your message too."
                    : settings.responseFormat === "json_schema"
                      ? "The reply is JSON matching this schema."
                      : undefined
                }
              >
                <Select
                  value={settings.responseFormat}
                  onChange={(event) => set({ responseFormat: event.target.value as ResponseFormatChoice })}
                  disabled={disabled}
                >
                  <option value="text">Text</option>
                  <option value="json_object">JSON object</option>
                  <option value="json_schema">JSON schema</option>
                </Select>
              </Field>
              {settings.responseFormat === "json_schema" ? (
                <>
                  <Field label="Schema name" error={problems.schemaName}>
                    <Input
                      value={settings.schemaName}
                      onChange={(event) => set({ schemaName: event.target.value })}
                      disabled={disabled}
                      className="font-mono"
                      spellCheck={false}
                    />
                  </Field>
                  <Field label="JSON schema" error={problems.schema}>
                    <Textarea
                      value={settings.schema}
                      onChange={(event) => set({ schema: event.target.value })}
                      disabled={disabled}
                      rows={8}
                      className="font-mono text-xs"
                      spellCheck={false}
                    />
                  </Field>
                </>
              ) : null}
            </>
          ) : null}
          {model?.capabilities.tools ? (
            <FunctionEditor functions={settings.functions} problems={problems.functions} onChange={(functions) => set({ functions })} disabled={disabled} />
          ) : null}
          {model && lacking(model).length > 0 ? <p className="text-xs text-zinc-500">Not supported by this model: {lacking(model).join(", ")}.</p> : null}
        </CardBody>
      </Card>
    </section>
  );
}

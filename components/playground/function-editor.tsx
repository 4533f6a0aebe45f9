"use client";

// The chat playground's function definitions: a name, a description and the JSON Schema of the
// arguments for each, sent as the request's `tools`. Problems (from structuredProblems) show
// under the field they are about.
import { useRef, useState } from "react";
import { Button, buttonClasses } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input, Textarea } from "@/components/ui/input";
import { exampleFunction, type FunctionDraft, type StructuredProblems } from "./structured-output";

export function FunctionEditor({
  functions,
  problems,
  onChange,
  disabled,
}: {
  functions: FunctionDraft[];
  problems: StructuredProblems["functions"];
  onChange: (functions: FunctionDraft[]) => void;
  disabled: boolean;
}) {
  const addButton = useRef<HTMLButtonElement>(null);
  const [added, setAdded] = useState<number | null>(null);
  const update = (key: number, change: Partial<FunctionDraft>) => onChange(functions.map((draft) => (draft.key === key ? { ...draft, ...change } : draft)));

  function add() {
    const key = Math.max(0, ...functions.map((draft) => draft.key)) + 1;
    setAdded(key);
    onChange([...functions, exampleFunction(key, functions)]);
  }

  function remove(key: number) {
    onChange(functions.filter((draft) => draft.key !== key));
    addButton.current?.focus();
  }

  return (
    <fieldset className="flex flex-col gap-3">
      <legend className="text-sm font-medium text-zinc-900">Functions</legend>
      <p className="-mt-1 text-xs text-zinc-500">The model may answer with a call to one of these instead of text; you then type the function&apos;s result.</p>
      {functions.map((draft, index) => {
        const problem = problems?.[draft.key];
        return (
          // biome-ignore lint/a11y/useSemanticElements: a <fieldset> keeps its min-content width and would widen the page on a phone.
          <div key={draft.key} role="group" aria-label={`Function ${index + 1}`} className="flex flex-col gap-3 rounded-lg border border-zinc-200 p-3">
            <Field label="Name" error={problem?.name}>
              <Input
                value={draft.name}
                autoFocus={draft.key === added}
                onChange={(event) => update(draft.key, { name: event.target.value })}
                disabled={disabled}
                className="font-mono"
                spellCheck={false}
              />
            </Field>
            <Field label="Description">
              <Input value={draft.description} onChange={(event) => update(draft.key, { description: event.target.value })} disabled={disabled} />
            </Field>
            <Field label="Parameters (JSON Schema)" error={problem?.parameters}>
              <Textarea
                value={draft.parameters}
                onChange={(event) => update(draft.key, { parameters: event.target.value })}
                disabled={disabled}
                rows={6}
                className="font-mono text-xs"
                spellCheck={false}
              />
            </Field>
            <Button
              variant="ghost"
              size="sm"
              className="self-end"
              onClick={() => remove(draft.key)}
              disabled={disabled}
              aria-label={`Remove function ${draft.name || index + 1}`}
            >
              Remove
            </Button>
          </div>
        );
      })}
      {/* A plain <button>: focus returns here when a function is removed. */}
      <button type="button" ref={addButton} className={buttonClasses({ variant: "secondary", size: "sm" })} onClick={add} disabled={disabled}>
        Add function
      </button>
    </fieldset>
  );
}

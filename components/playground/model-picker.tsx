"use client";

import { Badge } from "@/components/ui/badge";
import { Field } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import type { PlaygroundModel } from "./playground-model";

/**
 * A model select; models this deployment cannot serve are shown but disabled. The options hold
 * only names (a price in them was cut off in the narrow settings column); the chosen model's
 * price is spelled out under the select.
 */
export function ModelPicker({
  models,
  value,
  onChange,
  disabled,
}: {
  models: PlaygroundModel[];
  value: string;
  onChange: (id: string) => void;
  disabled?: boolean;
}) {
  const selected = models.find((model) => model.id === value);
  return (
    <Field
      label="Model"
      hint={
        selected ? (
          <span className="flex flex-col gap-1">
            <span className="flex flex-wrap items-center gap-1.5">
              <span className="font-medium text-zinc-700">{selected.priceSummary}</span>
              {selected.isDemo ? <Badge variant="info">Demo</Badge> : null}
            </span>
            <span>{selected.unavailableReason ? `Unavailable: ${selected.unavailableReason}` : selected.description}</span>
          </span>
        ) : undefined
      }
    >
      <Select value={value} onChange={(event) => onChange(event.target.value)} disabled={disabled}>
        {models.map((model) => (
          <option key={model.id} value={model.id} disabled={model.unavailableReason !== null}>
            {model.displayName}
            {model.unavailableReason ? " (unavailable)" : ""}
          </option>
        ))}
      </Select>
    </Field>
  );
}

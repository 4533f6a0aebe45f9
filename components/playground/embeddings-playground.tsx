"use client";

// The embeddings playground: a few texts (one field each, added and removed freely), embedded in
// one request; each text's vector is summed up (length, norm, first values) and every pair is
// compared in a cosine-similarity matrix whose cells are shaded by similarity, numbers shown.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { embedPlaygroundTexts, type EmbeddingsInput } from "@/app/(console)/playground/actions";
import { MAX_EMBEDDING_TEXTS } from "@/app/(console)/playground/limits";
import { BALANCE_QUERY_KEY } from "@/components/console/use-balance";
import { Button, buttonClasses } from "@/components/ui/button";
import { Card, CardBody } from "@/components/ui/card";
import { cx } from "@/components/ui/class-names";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { Table, TableBody, TableCell, TableHead, TableHeaderCell, TableRow } from "@/components/ui/table";
import { embeddingsCode } from "@/components/code-samples/request-code";
import { ModelPicker } from "./model-picker";
import { firstAvailable, type PlaygroundModel } from "./playground-model";
import { networkError, RequestErrorAlert } from "./request-error";
import { usePlaygroundModels } from "./use-playground-models";
import { ViewCodeButton } from "./view-code";

const EXAMPLES = ["The cat sat on the mat.", "A cat was sitting on the mat.", "Interest rates rose again this quarter."];

interface Text {
  key: number;
  value: string;
}

/** A shade per similarity band; the palette's dark-mode swap keeps the number readable on each. */
function shade(similarity: number): string {
  if (similarity >= 0.9) return "bg-emerald-200 font-semibold";
  if (similarity >= 0.6) return "bg-emerald-100";
  if (similarity >= 0.3) return "bg-emerald-50";
  return "";
}

export function EmbeddingsPlayground({ initialModels, baseUrl }: { initialModels: PlaygroundModel[]; baseUrl: string }) {
  const queryClient = useQueryClient();
  const { data: models = initialModels } = usePlaygroundModels("EMBEDDING", initialModels);
  const [modelId, setModelId] = useState((firstAvailable(initialModels) ?? initialModels[0])?.id ?? "");
  const [texts, setTexts] = useState<Text[]>(EXAMPLES.map((value, key) => ({ key, value })));
  const [added, setAdded] = useState<number | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  const model = models.find((candidate) => candidate.id === modelId);

  const embedding = useMutation({
    mutationFn: (input: EmbeddingsInput) => embedPlaygroundTexts(input),
    onSettled: () => queryClient.invalidateQueries({ queryKey: BALANCE_QUERY_KEY }),
  });
  const result = embedding.data;
  const submitted = embedding.variables;
  const filled = texts.map((text) => text.value.trim()).filter(Boolean);
  const blocked = !model || model.unavailableReason !== null;

  const body = (): EmbeddingsInput => ({ model: modelId, input: filled.length ? filled : EXAMPLES });

  function embed(event: FormEvent) {
    event.preventDefault();
    if (filled.length === 0 || blocked || embedding.isPending) return;
    embedding.mutate(body());
  }

  function add() {
    const key = Math.max(0, ...texts.map((text) => text.key)) + 1;
    setAdded(key);
    setTexts([...texts, { key, value: "" }]);
  }

  function remove(key: number) {
    setTexts(texts.filter((text) => text.key !== key));
    addButton.current?.focus();
  }

  if (models.length === 0) {
    return <EmptyState title="No embedding models yet" description="This deployment has no embedding models configured. Ask your administrator to add one." />;
  }

  const failure = result && !result.ok ? result.error : embedding.isError ? networkError() : null;
  const inputs = submitted?.input ?? [];

  return (
    <div className="grid gap-6 lg:grid-cols-[18rem_minmax(0,1fr)]">
      <Card>
        <CardBody>
          <form onSubmit={embed} className="flex flex-col gap-4" aria-label="Embedding settings">
            <ModelPicker models={models} value={modelId} onChange={setModelId} disabled={embedding.isPending} />
            <fieldset className="flex flex-col gap-2">
              <legend className="text-sm font-medium text-zinc-900">Texts</legend>
              <p className="text-xs text-zinc-500">Each text becomes one vector. Up to {MAX_EMBEDDING_TEXTS}.</p>
              {texts.map((text, index) => (
                <div key={text.key} className="flex items-center gap-2">
                  <Input
                    aria-label={`Text ${index + 1}`}
                    value={text.value}
                    autoFocus={text.key === added}
                    onChange={(event) => setTexts(texts.map((other) => (other.key === text.key ? { ...other, value: event.target.value } : other)))}
                    disabled={embedding.isPending}
                  />
                  <Button
                    variant="ghost"
                    size="sm"
                    onClick={() => remove(text.key)}
                    disabled={embedding.isPending || texts.length === 1}
                    aria-label={`Remove text ${index + 1}`}
                  >
                    ×
                  </Button>
                </div>
              ))}
              {/* A plain <button>: focus returns here when a text is removed. */}
              <button
                type="button"
                ref={addButton}
                onClick={add}
                disabled={embedding.isPending || texts.length >= MAX_EMBEDDING_TEXTS}
                className={buttonClasses({ variant: "secondary", size: "sm" })}
              >
                Add text
              </button>
            </fieldset>
            <Button type="submit" loading={embedding.isPending} disabled={filled.length === 0 || blocked}>
              {embedding.isPending ? "Embedding…" : "Embed"}
            </Button>
          </form>
        </CardBody>
      </Card>

      <section aria-label="Embeddings" className="flex min-w-0 flex-col gap-4">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p className="text-sm text-zinc-500" role="status">
            {embedding.isPending
              ? `Embedding ${filled.length} text${filled.length === 1 ? "" : "s"}…`
              : result?.ok
                ? `${result.vectors.length} vector${result.vectors.length === 1 ? "" : "s"} · ${result.tokens} tokens · Cost ${result.cost}`
                : ""}
          </p>
          <ViewCodeButton
            samples={() => embeddingsCode(baseUrl, { ...body(), encoding_format: "float" })}
            description="This embeddings request for the API, with the texts on this page."
          />
        </div>

        {failure ? <RequestErrorAlert error={failure} /> : null}

        {embedding.isPending ? (
          <div className="flex h-32 items-center justify-center rounded-xl border border-zinc-200 bg-zinc-50 text-sm text-zinc-500" aria-busy="true">
            <Spinner className="text-zinc-500" />
            <span className="ml-2">Embedding…</span>
          </div>
        ) : result?.ok ? (
          <>
            <Table caption="Vectors">
              <TableHead>
                <TableRow>
                  <TableHeaderCell>#</TableHeaderCell>
                  <TableHeaderCell>Text</TableHeaderCell>
                  <TableHeaderCell>Dimensions</TableHeaderCell>
                  <TableHeaderCell>Norm</TableHeaderCell>
                  <TableHeaderCell>First values</TableHeaderCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {result.vectors.map((vector, index) => (
                  <TableRow key={index}>
                    <TableCell className="tabular-nums">{index + 1}</TableCell>
                    <TableCell className="max-w-56 truncate" title={inputs[index]}>
                      {inputs[index]}
                    </TableCell>
                    <TableCell className="tabular-nums">{vector.dimensions}</TableCell>
                    <TableCell className="tabular-nums">{vector.norm.toFixed(3)}</TableCell>
                    <TableCell className="font-mono text-xs">
                      [{vector.preview.map((value) => value.toFixed(3)).join(", ")}
                      {vector.dimensions > vector.preview.length ? ", …" : ""}]
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>

            <div>
              <h2 className="text-sm font-semibold text-zinc-900">Cosine similarity</h2>
              <p className="mt-1 text-xs text-zinc-500">1.00: the same direction; near 0: unrelated. Rows and columns are the texts by number.</p>
            </div>
            <Table caption="Cosine similarity" className="w-auto">
              <TableHead>
                <TableRow>
                  <TableHeaderCell>
                    <span className="sr-only">Text</span>
                  </TableHeaderCell>
                  {result.similarity.map((_, index) => (
                    <TableHeaderCell key={index} className="text-center" title={inputs[index]}>
                      {index + 1}
                    </TableHeaderCell>
                  ))}
                </TableRow>
              </TableHead>
              <TableBody>
                {result.similarity.map((row, rowIndex) => (
                  <TableRow key={rowIndex}>
                    <TableHeaderCell scope="row" className="max-w-40 truncate text-left normal-case" title={inputs[rowIndex]}>
                      {rowIndex + 1}. {inputs[rowIndex]}
                    </TableHeaderCell>
                    {row.map((similarity, columnIndex) => (
                      <TableCell key={columnIndex} className={cx("text-center text-zinc-900 tabular-nums", shade(similarity))}>
                        {similarity.toFixed(2)}
                      </TableCell>
                    ))}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </>
        ) : failure ? null : (
          <EmptyState title="No vectors yet" description="Type a few texts and press Embed to compare them. Embeddings are billed per input token." />
        )}
      </section>
    </div>
  );
}

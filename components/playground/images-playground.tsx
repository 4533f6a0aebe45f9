"use client";

// The image playground: a prompt, a model, a size and a count; the images appear in a grid that
// shows progress while they are generated, open larger in a dialog, and download as PNG files.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { generatePlaygroundImages, type ImagesResult } from "@/app/(console)/playground/actions";
import { BALANCE_QUERY_KEY } from "@/components/console/use-balance";
import { Button, buttonClasses } from "@/components/ui/button";
import { Card, CardBody } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Textarea } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { Spinner } from "@/components/ui/spinner";
import { ModelPicker } from "./model-picker";
import { firstAvailable, type PlaygroundModel } from "./playground-model";
import { imagesCode, type ImagesRequestBody } from "@/components/code-samples/request-code";
import { networkError, RequestErrorAlert } from "./request-error";
import { usePlaygroundModels } from "./use-playground-models";
import { ViewCodeButton } from "./view-code";

const COUNTS = [1, 2, 3, 4];

interface GeneratedImage {
  url: string;
  fileName: string;
}

/** Object URLs for the PNGs of a result, revoked when the result is replaced or the page left. */
function useImageUrls(result: ImagesResult | undefined, model: string): GeneratedImage[] {
  const images = useMemo(() => {
    if (!result?.ok) return [];
    const slug = model
      .replace(/[^a-z0-9]+/gi, "-")
      .replace(/^-|-$/g, "")
      .toLowerCase();
    return result.pngBase64.map((base64, index) => {
      const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
      return { url: URL.createObjectURL(new Blob([bytes], { type: "image/png" })), fileName: `${slug}-${result.size}-${index + 1}.png` };
    });
  }, [result, model]);
  useEffect(
    () => () => {
      for (const image of images) URL.revokeObjectURL(image.url);
    },
    [images],
  );
  return images;
}

function useElapsedSeconds(running: boolean): number {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    if (!running) return;
    setSeconds(0);
    const startedAt = Date.now();
    const timer = setInterval(() => setSeconds(Math.floor((Date.now() - startedAt) / 1000)), 250);
    return () => clearInterval(timer);
  }, [running]);
  return seconds;
}

export function ImagesPlayground({ initialModels, baseUrl }: { initialModels: PlaygroundModel[]; baseUrl: string }) {
  const queryClient = useQueryClient();
  const { data: models = initialModels } = usePlaygroundModels("IMAGE", initialModels);
  const initialModel = firstAvailable(initialModels) ?? initialModels[0];
  const [modelId, setModelId] = useState(initialModel?.id ?? "");
  const [prompt, setPrompt] = useState("");
  const [size, setSize] = useState(initialModel?.imageSizes[0]?.size ?? "");
  const [count, setCount] = useState(1);
  const [enlarged, setEnlarged] = useState<number | null>(null);

  const model = models.find((candidate) => candidate.id === modelId);
  const generation = useMutation({
    mutationFn: (body: ImagesRequestBody) => generatePlaygroundImages({ model: body.model, prompt: body.prompt, n: body.n, size: body.size }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: BALANCE_QUERY_KEY }),
  });
  const result = generation.data;
  const submitted = generation.variables;
  const images = useImageUrls(result, submitted?.model ?? modelId);
  const elapsed = useElapsedSeconds(generation.isPending);
  const blocked = !model || model.unavailableReason !== null || !size;

  const body = (): ImagesRequestBody => ({
    model: modelId,
    prompt: prompt.trim() || "A watercolor lighthouse at dawn",
    n: count,
    size,
    response_format: "b64_json",
  });

  function generate(event: FormEvent) {
    event.preventDefault();
    if (!prompt.trim() || blocked || generation.isPending) return;
    setEnlarged(null);
    generation.mutate(body());
  }

  if (models.length === 0) {
    return <EmptyState title="No image models yet" description="This deployment has no image models configured. Ask your administrator to add one." />;
  }

  const failure = result && !result.ok ? result.error : generation.isError ? networkError() : null;
  const pendingCount = submitted?.n ?? count;
  const [width, height] = (submitted?.size ?? size).split("x").map(Number);
  const current = enlarged === null ? null : images[enlarged];

  return (
    <div className="grid gap-6 lg:grid-cols-[18rem_minmax(0,1fr)]">
      <Card>
        <CardBody>
          <form onSubmit={generate} className="flex flex-col gap-4" aria-label="Image settings">
            <Field label="Prompt">
              <Textarea
                value={prompt}
                onChange={(event) => setPrompt(event.target.value)}
                onKeyDown={(event) => {
                  if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
                    event.preventDefault();
                    event.currentTarget.form?.requestSubmit();
                  }
                }}
                placeholder="A watercolor lighthouse at dawn"
                rows={4}
                required
              />
            </Field>
            <ModelPicker
              models={models}
              value={modelId}
              disabled={generation.isPending}
              onChange={(id) => {
                setModelId(id);
                const next = models.find((candidate) => candidate.id === id);
                if (!next?.imageSizes.some((option) => option.size === size)) setSize(next?.imageSizes[0]?.size ?? "");
              }}
            />
            <div className="grid grid-cols-2 gap-3">
              <Field label="Size">
                <Select value={size} onChange={(event) => setSize(event.target.value)} disabled={generation.isPending}>
                  {model?.imageSizes.map((option) => (
                    <option key={option.size} value={option.size}>
                      {option.width}×{option.height} · {option.price}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label="Number of images">
                <Select value={String(count)} onChange={(event) => setCount(Number(event.target.value))} disabled={generation.isPending}>
                  {COUNTS.map((value) => (
                    <option key={value} value={value}>
                      {value}
                    </option>
                  ))}
                </Select>
              </Field>
            </div>
            <Button type="submit" loading={generation.isPending} disabled={!prompt.trim() || blocked}>
              {generation.isPending ? "Generating…" : "Generate"}
            </Button>
          </form>
        </CardBody>
      </Card>

      <section aria-label="Generated images" className="flex min-w-0 flex-col gap-3">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p className="text-sm text-zinc-500" role="status">
            {generation.isPending
              ? `Generating ${pendingCount} image${pendingCount === 1 ? "" : "s"}… ${elapsed} s`
              : result?.ok
                ? `${images.length} image${images.length === 1 ? "" : "s"} · ${submitted?.size.replace("x", "×")}${result.cost ? ` · Cost ${result.cost}` : ""}`
                : ""}
          </p>
          <ViewCodeButton samples={() => imagesCode(baseUrl, body())} description="This image request for the API, with the settings on this page." />
        </div>

        {failure ? <RequestErrorAlert error={failure} /> : null}

        {generation.isPending ? (
          <ul className="grid grid-cols-1 gap-4 sm:grid-cols-2" aria-busy="true">
            {Array.from({ length: pendingCount }, (_, index) => (
              <li
                key={index}
                className="flex animate-pulse items-center justify-center rounded-xl border border-zinc-200 bg-zinc-100 text-sm text-zinc-500"
                style={{ aspectRatio: width && height ? `${width} / ${height}` : "1 / 1" }}
              >
                <Spinner className="text-zinc-500" />
                <span className="ml-2">
                  Image {index + 1} of {pendingCount}
                </span>
              </li>
            ))}
          </ul>
        ) : images.length > 0 ? (
          <ul className="grid grid-cols-1 gap-4 sm:grid-cols-2">
            {images.map((image, index) => (
              <li key={image.url} className="overflow-hidden rounded-xl border border-zinc-200 bg-white">
                <button type="button" onClick={() => setEnlarged(index)} className="block w-full cursor-zoom-in" aria-label={`Enlarge image ${index + 1}`}>
                  {/* biome-ignore lint/performance/noImgElement: a local blob: URL has nothing for next/image to optimise. */}
                  <img src={image.url} alt={`Result ${index + 1}: ${submitted?.prompt ?? ""}`} className="block h-auto w-full" />
                </button>
                <div className="flex items-center justify-between gap-2 px-3 py-2">
                  <span className="text-xs text-zinc-500">Image {index + 1}</span>
                  <a href={image.url} download={image.fileName} className={buttonClasses({ variant: "secondary", size: "sm" })}>
                    Download PNG
                  </a>
                </div>
              </li>
            ))}
          </ul>
        ) : failure ? null : (
          <EmptyState title="No images yet" description="Describe an image and press Generate. Each image is billed at the price shown for its size." />
        )}
      </section>

      <Dialog
        open={current != null}
        onClose={() => setEnlarged(null)}
        title={enlarged === null ? "" : `Image ${enlarged + 1}`}
        description={submitted?.prompt}
        className="max-w-4xl"
        footer={
          current ? (
            <a href={current.url} download={current.fileName} className={buttonClasses({ size: "sm" })}>
              Download PNG
            </a>
          ) : null
        }
      >
        {current ? (
          // biome-ignore lint/performance/noImgElement: a local blob: URL has nothing for next/image to optimise.
          <img src={current.url} alt={`Result ${(enlarged ?? 0) + 1}: ${submitted?.prompt ?? ""}`} className="mx-auto max-h-[70vh] w-auto" />
        ) : null}
      </Dialog>
    </div>
  );
}

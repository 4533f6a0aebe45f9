import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Bullets, Code, DocSection, DocTitle, InlineText, P } from "@/components/docs/prose";
import { ErrorTable, ModelPriceTable, ParameterTable } from "@/components/docs/reference-tables";
import { CodeBlock } from "@/components/ui/code-block";
import { deploymentOrigin } from "@/lib/auth/origin";
import { endpointExample } from "@/lib/docs/endpoint-examples";
import { endpointDoc } from "@/lib/docs/endpoints";
import { errorRows } from "@/lib/docs/error-rows";
import { errorStatuses, requestParameters, shortDescription } from "@/lib/docs/request-parameters";
import { modelCatalog } from "@/lib/inference/catalog";
import { ecoLinkOpenAPI } from "@/lib/openapi/ecolink-openapi";

type Params = { params: Promise<{ endpoint: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const doc = endpointDoc((await params).endpoint);
  return { title: doc ? `${doc.title} · Docs` : "Docs" };
}

export default async function EndpointPage({ params }: Params) {
  const doc = endpointDoc((await params).endpoint);
  if (!doc) notFound();
  const [origin, catalog] = await Promise.all([deploymentOrigin(), modelCatalog()]);
  const baseUrl = `${origin}/v1`;
  const document = ecoLinkOpenAPI();
  const models = catalog.filter((model) => doc.modelKinds.includes(model.kind));
  const exampleModel = (models.find((model) => !model.unavailableReason) ?? models[0] ?? catalog.find((model) => !model.unavailableReason))?.id ?? "MODEL_ID";

  return (
    <>
      <DocTitle title={doc.title} lead={doc.summary} />
      {doc.operations.map(({ method, path }) => {
        const id = `${method}-${path.replace(/[^a-z]+/g, "-")}`.replace(/-+$/, "");
        const parameters = requestParameters(document, method, path);
        const operation = document.paths[path]![method]!;
        return (
          <DocSection key={id} id={id} title={`${method.toUpperCase()} /v1${path}`}>
            {operation.summary && path !== "/chat/completions" ? (
              <P>
                <InlineText text={shortDescription(operation.summary)} />
              </P>
            ) : null}
            <CodeBlock title="Example" samples={endpointExample(path, baseUrl, exampleModel)} />
            <h3 className="mt-2 font-semibold text-zinc-900">Parameters</h3>
            {parameters.rows.length ? (
              <>
                <P>
                  {parameters.contentType ? (
                    <>
                      The request body is <Code>{parameters.contentType}</Code>.{" "}
                    </>
                  ) : null}
                  Generated from OpenAI&apos;s spec (its descriptions name OpenAI&apos;s models; here <Code>model</Code> is a model of this deployment).
                </P>
                <ParameterTable caption={`Parameters of ${method.toUpperCase()} /v1${path}`} rows={parameters.rows} />
              </>
            ) : (
              <P>None.</P>
            )}
            <h3 className="mt-2 font-semibold text-zinc-900">Errors</h3>
            <P>
              Every error has OpenAI&apos;s shape: <Code>{`{"error": {"message", "type", "param", "code"}}`}</Code>.
            </P>
            <ErrorTable caption={`Errors of ${method.toUpperCase()} /v1${path}`} rows={errorRows(errorStatuses(document, method, path))} />
          </DocSection>
        );
      })}
      {doc.modelKinds.length ? (
        <DocSection title="Models on this deployment" id="models">
          {models.length ? (
            <ModelPriceTable caption={`Models for ${doc.title}`} models={models} />
          ) : (
            <P>No model for this endpoint is registered on this deployment yet.</P>
          )}
        </DocSection>
      ) : null}
      <DocSection title="EcoLink notes" id="notes">
        <Bullets items={doc.notes.map((note) => <InlineText key={note} text={note} />)} />
      </DocSection>
    </>
  );
}

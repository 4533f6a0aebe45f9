// An API request written as curl, the OpenAI Python SDK and the OpenAI JavaScript SDK against this
// deployment's /v1 API: the dashboard's quickstart, each model's card on the Models page, and the
// playground's "View code" (the request it just made, or is about to). The key is read from the
// ECOLINK_API_KEY environment variable so that a copied snippet never holds a secret.
import type { CodeSample } from "@/components/ui/code-block";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const KEY_VARIABLE = "ECOLINK_API_KEY";

/** A string as a single-quoted shell word (a quote inside ends the word, adds \' and reopens it). */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A JSON value as a Python literal (JSON's string escapes are valid Python escapes). */
function pythonLiteral(value: Json, indent: string): string {
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string" || typeof value === "number") return JSON.stringify(value);
  const inner = `${indent}    `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((item) => `${inner}${pythonLiteral(item, inner)},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${pythonLiteral(item, inner)},`).join("\n")}\n${indent}}`;
}

function pythonKeywordArguments(body: Record<string, Json>): string {
  return Object.entries(body)
    .map(([key, value]) => `    ${key}=${pythonLiteral(value, "    ")},`)
    .join("\n");
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A JSON value as a JavaScript literal, with unquoted keys where JavaScript allows them. */
function javascriptLiteral(value: Json, indent: string): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((item) => `${inner}${javascriptLiteral(item, inner)},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([key, item]) => `${inner}${IDENTIFIER.test(key) ? key : JSON.stringify(key)}: ${javascriptLiteral(item, inner)},`).join("\n")}\n${indent}}`;
}

function pythonClient(baseUrl: string, imports: string[] = []): string {
  return [
    ...["import os", ...imports].sort(),
    "",
    "from openai import OpenAI",
    "",
    "client = OpenAI(",
    `    base_url=${JSON.stringify(baseUrl)},`,
    `    api_key=os.environ[${JSON.stringify(KEY_VARIABLE)}],`,
    ")",
  ].join("\n");
}

function javascriptClient(baseUrl: string, imports: string[] = []): string {
  return [
    `import OpenAI from "openai";`,
    ...imports,
    "",
    `const client = new OpenAI({ baseURL: ${JSON.stringify(baseUrl)}, apiKey: process.env.${KEY_VARIABLE} });`,
  ].join("\n");
}

export type ChatContentPart = { type: "text"; text: string } | { type: "image_url"; image_url: { url: string } };

export interface ChatToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type ChatRequestMessage =
  | { role: "system" | "user"; content: string | ChatContentPart[] }
  | { role: "assistant"; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

export interface ChatTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export type ChatResponseFormat =
  | { type: "json_object" }
  | { type: "json_schema"; json_schema: { name: string; schema: Record<string, unknown>; strict?: boolean } };

export type ChatRequestBody = {
  model: string;
  messages: ChatRequestMessage[];
  stream?: boolean;
  stream_options?: { include_usage: true };
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  stop?: string[];
  tools?: ChatTool[];
  response_format?: ChatResponseFormat;
};

const DATA_URL = /^data:(image\/([\w.+-]+));base64,/;

interface ImageFile {
  /** The placeholder the body holds instead of the data URL, until each language puts its variable there. */
  marker: string;
  file: string;
  mime: string;
}

/**
 * The body with every attached image (a base64 data URL) replaced by a marker: a snippet reads the
 * image from a file instead of carrying megabytes of base64 in its source.
 */
function withImageFiles(body: ChatRequestBody): { json: Record<string, Json>; images: ImageFile[] } {
  const images: ImageFile[] = [];
  const replace = (value: Json): Json => {
    if (typeof value === "string") {
      const match = DATA_URL.exec(value);
      if (!match) return value;
      const number = images.length + 1;
      const extension = match[2] === "jpeg" ? "jpg" : match[2]!.replace(/\W.*$/, "");
      images.push({ marker: `@@image_${number}@@`, file: `image-${number}.${extension}`, mime: match[1]! });
      return images[images.length - 1]!.marker;
    }
    if (Array.isArray(value)) return value.map(replace);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replace(item)]));
    return value;
  };
  return { json: replace(body as unknown as Json) as Record<string, Json>, images };
}

/** Puts each image's variable where its marker (a quoted string) is in `code`. */
function withImageVariables(code: string, images: ImageFile[], variable: (index: number) => string): string {
  return images.reduce((text, image, index) => text.replaceAll(JSON.stringify(image.marker), variable(index)), code);
}

function chatCurl(baseUrl: string, json: Record<string, Json>, images: ImageFile[], stream: boolean): string {
  const url = `curl${stream ? " -N" : ""} ${baseUrl}/chat/completions \\`;
  const headers = [`  -H "Authorization: Bearer $${KEY_VARIABLE}" \\`, `  -H "Content-Type: application/json" \\`];
  const data = shellQuote(JSON.stringify(json, null, 2));
  if (images.length === 0) return [url, ...headers, `  -d ${data}`].join("\n");
  // A data URL is too long for one command-line argument, so printf (a shell builtin) pipes the
  // body into curl with each image's base64 in between the quoted JSON.
  const pieces = images.reduce((text, image, index) => text.replace(image.marker, `' "$IMAGE_${index + 1}" '`), data);
  return [
    ...images.map((image, index) => `IMAGE_${index + 1}="data:${image.mime};base64,$(base64 < ${shellQuote(image.file)} | tr -d '\\n')"`),
    `printf '%s' ${pieces} | ${url}`,
    ...headers,
    `  --data-binary @-`,
  ].join("\n");
}

export function chatCode(baseUrl: string, body: ChatRequestBody): CodeSample[] {
  const { json, images } = withImageFiles(body);
  const stream = body.stream === true;
  const tools = (body.tools?.length ?? 0) > 0;
  return [
    { label: "curl", code: chatCurl(baseUrl, json, images, stream) },
    {
      label: "Python",
      code: [
        pythonClient(baseUrl, images.length ? ["import base64"] : []),
        "",
        ...images.map(
          (image, index) => `image_${index + 1} = "data:${image.mime};base64," + base64.b64encode(open(${JSON.stringify(image.file)}, "rb").read()).decode()`,
        ),
        ...(images.length ? [""] : []),
        `${stream ? "stream" : "response"} = client.chat.completions.create(`,
        withImageVariables(pythonKeywordArguments(json), images, (index) => `image_${index + 1}`),
        ")",
        ...(stream
          ? [
              "for chunk in stream:",
              "    if chunk.choices and chunk.choices[0].delta.content:",
              `        print(chunk.choices[0].delta.content, end="", flush=True)`,
              ...(tools ? ["    if chunk.choices and chunk.choices[0].delta.tool_calls:", "        print(chunk.choices[0].delta.tool_calls)"] : []),
              "    if chunk.usage:",
              `        print(f"\\n\\n{chunk.usage.prompt_tokens} tokens in, {chunk.usage.completion_tokens} tokens out")`,
            ]
          : tools
            ? ["print(response.choices[0].message.tool_calls or response.choices[0].message.content)"]
            : ["print(response.choices[0].message.content)"]),
      ].join("\n"),
    },
    {
      label: "JavaScript",
      code: [
        javascriptClient(baseUrl, images.length ? [`import { readFileSync } from "node:fs";`] : []),
        "",
        ...images.map(
          (image, index) => `const image${index + 1} = \`data:${image.mime};base64,\${readFileSync(${JSON.stringify(image.file)}).toString("base64")}\`;`,
        ),
        ...(images.length ? [""] : []),
        `const ${stream ? "stream" : "response"} = await client.chat.completions.create(${withImageVariables(javascriptLiteral(json, ""), images, (index) => `image${index + 1}`)});`,
        ...(stream
          ? [
              "for await (const chunk of stream) {",
              `  process.stdout.write(chunk.choices[0]?.delta?.content ?? "");`,
              ...(tools ? ["  if (chunk.choices[0]?.delta?.tool_calls) console.log(JSON.stringify(chunk.choices[0].delta.tool_calls));"] : []),
              // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source for the reader, with its own template literal.
              "  if (chunk.usage) console.log(`\\n\\n${chunk.usage.prompt_tokens} tokens in, ${chunk.usage.completion_tokens} tokens out`);",
              "}",
            ]
          : tools
            ? ["console.log(response.choices[0].message.tool_calls ?? response.choices[0].message.content);"]
            : ["console.log(response.choices[0].message.content);"]),
      ].join("\n"),
    },
  ];
}

export type ImagesRequestBody = { model: string; prompt: string; n: number; size: string; response_format: "b64_json" };

/**
 * `curlSavesImage`: the curl sample pipes the first image through jq into image-1.png; otherwise it
 * prints the JSON answer, which needs nothing but curl.
 */
export function imagesCode(baseUrl: string, body: ImagesRequestBody, { curlSavesImage = true } = {}): CodeSample[] {
  const json = body as unknown as Record<string, Json>;
  return [
    {
      label: "curl",
      code: [
        `curl ${baseUrl}/images/generations \\`,
        `  -H "Authorization: Bearer $${KEY_VARIABLE}" \\`,
        `  -H "Content-Type: application/json" \\`,
        `  -d ${shellQuote(JSON.stringify(body, null, 2))}${curlSavesImage ? " \\" : ""}`,
        ...(curlSavesImage ? [`  | jq -r '.data[0].b64_json' | base64 --decode > image-1.png`] : []),
      ].join("\n"),
    },
    {
      label: "Python",
      code: [
        pythonClient(baseUrl, ["import base64"]),
        "",
        "result = client.images.generate(",
        pythonKeywordArguments(json),
        ")",
        "for index, image in enumerate(result.data, start=1):",
        `    with open(f"image-{index}.png", "wb") as file:`,
        "        file.write(base64.b64decode(image.b64_json))",
      ].join("\n"),
    },
    {
      label: "JavaScript",
      code: [
        javascriptClient(baseUrl, [`import { writeFileSync } from "node:fs";`]),
        "",
        `const result = await client.images.generate(${javascriptLiteral(json, "")});`,
        "result.data.forEach((image, index) => {",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source for the reader, with its own template literal.
        '  writeFileSync(`image-${index + 1}.png`, Buffer.from(image.b64_json, "base64"));',
        "});",
      ].join("\n"),
    },
  ];
}

export interface TranscriptionRequest {
  model: string;
  /** ISO-639-1; empty or absent for automatic detection. */
  language?: string;
  /** Absent: the API's default, json. */
  response_format?: string;
  fileName: string;
}

export function transcriptionCode(baseUrl: string, request: TranscriptionRequest): CodeSample[] {
  const fields: Record<string, string> = {
    model: request.model,
    ...(request.language ? { language: request.language } : {}),
    ...(request.response_format ? { response_format: request.response_format } : {}),
  };
  const structured = !request.response_format || request.response_format === "json" || request.response_format === "verbose_json";
  return [
    {
      label: "curl",
      code: [
        `curl ${baseUrl}/audio/transcriptions \\`,
        `  -H "Authorization: Bearer $${KEY_VARIABLE}" \\`,
        `  -F file=@${shellQuote(request.fileName)} \\`,
        ...Object.entries(fields).map(([key, value], index, all) => `  -F ${shellQuote(`${key}=${value}`)}${index < all.length - 1 ? " \\" : ""}`),
      ].join("\n"),
    },
    {
      label: "Python",
      code: [
        pythonClient(baseUrl),
        "",
        `with open(${JSON.stringify(request.fileName)}, "rb") as audio:`,
        "    transcript = client.audio.transcriptions.create(",
        "        file=audio,",
        ...Object.entries(fields).map(([key, value]) => `        ${key}=${JSON.stringify(value)},`),
        "    )",
        structured ? "print(transcript.text)" : "print(transcript)",
      ].join("\n"),
    },
    {
      label: "JavaScript",
      code: [
        javascriptClient(baseUrl, [`import { createReadStream } from "node:fs";`]),
        "",
        "const transcript = await client.audio.transcriptions.create({",
        `  file: createReadStream(${JSON.stringify(request.fileName)}),`,
        ...Object.entries(fields).map(([key, value]) => `  ${key}: ${JSON.stringify(value)},`),
        "});",
        structured ? "console.log(transcript.text);" : "console.log(transcript);",
      ].join("\n"),
    },
  ];
}

export type EmbeddingsRequestBody = { model: string; input: string | string[]; dimensions?: number; encoding_format?: "float" | "base64" };

export function embeddingsCode(baseUrl: string, body: EmbeddingsRequestBody): CodeSample[] {
  const json = body as unknown as Record<string, Json>;
  return [
    {
      label: "curl",
      code: [
        `curl ${baseUrl}/embeddings \\`,
        `  -H "Authorization: Bearer $${KEY_VARIABLE}" \\`,
        `  -H "Content-Type: application/json" \\`,
        `  -d ${shellQuote(JSON.stringify(body, null, 2))}`,
      ].join("\n"),
    },
    {
      label: "Python",
      code: [
        pythonClient(baseUrl),
        "",
        "result = client.embeddings.create(",
        pythonKeywordArguments(json),
        ")",
        "for item in result.data:",
        `    print(item.index, len(item.embedding), item.embedding[:4])`,
      ].join("\n"),
    },
    {
      label: "JavaScript",
      code: [
        javascriptClient(baseUrl),
        "",
        `const result = await client.embeddings.create(${javascriptLiteral(json, "")});`,
        "for (const item of result.data) console.log(item.index, item.embedding.length, item.embedding.slice(0, 4));",
      ].join("\n"),
    },
  ];
}

export type SpeechRequestBody = { model: string; input: string; voice: string; response_format?: string; speed?: number };

export function speechCode(baseUrl: string, body: SpeechRequestBody): CodeSample[] {
  const json = body as unknown as Record<string, Json>;
  const file = `speech.${body.response_format ?? "mp3"}`;
  return [
    {
      label: "curl",
      code: [
        `curl ${baseUrl}/audio/speech \\`,
        `  -H "Authorization: Bearer $${KEY_VARIABLE}" \\`,
        `  -H "Content-Type: application/json" \\`,
        `  -d ${shellQuote(JSON.stringify(body, null, 2))} \\`,
        `  --output ${shellQuote(file)}`,
      ].join("\n"),
    },
    {
      label: "Python",
      code: [
        pythonClient(baseUrl),
        "",
        "with client.audio.speech.with_streaming_response.create(",
        pythonKeywordArguments(json),
        ") as response:",
        `    response.stream_to_file(${JSON.stringify(file)})`,
      ].join("\n"),
    },
    {
      label: "JavaScript",
      code: [
        javascriptClient(baseUrl, [`import { writeFileSync } from "node:fs";`]),
        "",
        `const response = await client.audio.speech.create(${javascriptLiteral(json, "")});`,
        `writeFileSync(${JSON.stringify(file)}, Buffer.from(await response.arrayBuffer()));`,
      ].join("\n"),
    },
  ];
}

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
  return [`import OpenAI from "openai";`, ...imports, "", `const client = new OpenAI({ baseURL: ${JSON.stringify(baseUrl)}, apiKey: process.env.${KEY_VARIABLE} });`].join("\n");
}

export type ChatRequestBody = {
  model: string;
  messages: { role: "system" | "user" | "assistant"; content: string }[];
  stream?: boolean;
  stream_options?: { include_usage: true };
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  stop?: string[];
};

export function chatCode(baseUrl: string, body: ChatRequestBody): CodeSample[] {
  const json = body as unknown as Record<string, Json>;
  const stream = body.stream === true;
  return [
    {
      label: "curl",
      code: [
        `curl${stream ? " -N" : ""} ${baseUrl}/chat/completions \\`,
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
        `${stream ? "stream" : "response"} = client.chat.completions.create(`,
        pythonKeywordArguments(json),
        ")",
        ...(stream
          ? [
              "for chunk in stream:",
              "    if chunk.choices and chunk.choices[0].delta.content:",
              `        print(chunk.choices[0].delta.content, end="", flush=True)`,
              "    if chunk.usage:",
              `        print(f"\\n\\n{chunk.usage.prompt_tokens} tokens in, {chunk.usage.completion_tokens} tokens out")`,
            ]
          : ["print(response.choices[0].message.content)"]),
      ].join("\n"),
    },
    {
      label: "JavaScript",
      code: [
        javascriptClient(baseUrl),
        "",
        `const ${stream ? "stream" : "response"} = await client.chat.completions.create(${javascriptLiteral(json, "")});`,
        ...(stream
          ? [
              "for await (const chunk of stream) {",
              `  process.stdout.write(chunk.choices[0]?.delta?.content ?? "");`,
              "  if (chunk.usage) console.log(`\\n\\n${chunk.usage.prompt_tokens} tokens in, ${chunk.usage.completion_tokens} tokens out`);",
              "}",
            ]
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
        "  writeFileSync(`image-${index + 1}.png`, Buffer.from(image.b64_json, \"base64\"));",
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

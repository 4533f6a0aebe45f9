// The API reference's pages, one per endpoint: which operations of the OpenAPI document each
// describes (its parameter and error tables are generated from them), which kinds of registered
// model serve it, and what EcoLink adds or does differently. Plain data: the docs' navigation
// (a client component) reads it too.

export interface EndpointDoc {
  slug: string;
  title: string;
  /** Operations as the OpenAPI document names them: method and path relative to /v1. */
  operations: { method: "get" | "post"; path: string }[];
  summary: string;
  /** The registry's model kinds that serve it (empty: not model-specific). */
  modelKinds: string[];
  /** EcoLink's notes, in the docs' inline markup (`code`, [links](/docs/…)). */
  notes: string[];
}

export const ENDPOINT_DOCS: EndpointDoc[] = [
  {
    slug: "chat-completions",
    title: "Chat completions",
    operations: [{ method: "post", path: "/chat/completions" }],
    summary: "A model's reply to a conversation, whole or streamed as server-sent events.",
    modelKinds: ["CHAT"],
    notes: [
      "Every field of OpenAI's request is passed to the model's inference server unchanged, including vendor fields such " +
        "as `top_k`, `min_p`, `repetition_penalty` and `chat_template_kwargs` that vLLM accepts. Requests are checked for " +
        "type and size, not narrowed to a subset.",
      "Each model declares what it supports — tools, JSON output, image inputs, audio inputs, log probabilities, the " +
        "largest `n`. A request that uses something the model lacks is a 400 whose `param` names the parameter and whose " +
        "message names the model. `GET /v1/models/{model}` lists a model's capabilities.",
      "`usage.cost` is an EcoLink extension: the dollars charged for the request. Streams report it in the final usage " +
        "chunk when you set `stream_options.include_usage`.",
      "Before the call, credit for the worst case is held (`n` × the output limit, plus the prompt); the charge is the " +
        "inference server's reported usage. See [Streaming](/docs/streaming), [Tool calling](/docs/tool-calling) and [Structured " +
        "outputs](/docs/structured-outputs).",
      "The local demo model `ecolink/tiny-chat` runs on this server's CPU: text only, a 256-token context, no tools, JSON mode, images or log probabilities.",
    ],
  },
  {
    slug: "completions",
    title: "Completions (legacy)",
    operations: [{ method: "post", path: "/completions" }],
    summary: "Text continued from a prompt: OpenAI's legacy completions, plain or streamed.",
    modelKinds: ["CHAT"],
    notes: [
      "Served by the same chat models, priced like chat completions (input and output tokens). Streams follow the [Streaming](/docs/streaming) rules.",
      "`usage.cost` is the dollars charged, as on chat completions.",
    ],
  },
  {
    slug: "embeddings",
    title: "Embeddings",
    operations: [{ method: "post", path: "/embeddings" }],
    summary: "Vectors for texts: a string, an array of strings, or token arrays.",
    modelKinds: ["EMBEDDING"],
    notes: [
      "`input` may be a string, an array of strings, or token arrays. `encoding_format` may be `float` (the default) " +
        "or `base64` (packed float32, as the OpenAI SDKs decode it); `dimensions` asks for shorter vectors.",
      "Priced per input token; `usage.cost` is the dollars charged.",
      "The local demo embedding model hashes character n-grams into a vector on this server's CPU: texts that share spelling " +
        "are close, texts that share only meaning are not. Use it to try the API, not for semantic search.",
    ],
  },
  {
    slug: "images",
    title: "Image generation",
    operations: [{ method: "post", path: "/images/generations" }],
    summary: "Images from a text prompt, as base64 or as URLs.",
    modelKinds: ["IMAGE"],
    notes: [
      "Priced per image, by size; the model's sizes and prices are on [Pricing](/docs/pricing). A size the model does not offer is a 400 naming `size`.",
      "The local demo model `ecolink/pattern` draws an abstract pattern from the prompt (colour and mood words steer " +
        "the palette); the same prompt always gives the same image.",
    ],
  },
  {
    slug: "speech",
    title: "Text to speech",
    operations: [{ method: "post", path: "/audio/speech" }],
    summary: "Spoken audio for a text, streamed as it is made.",
    modelKinds: ["SPEECH"],
    notes: [
      "`response_format` may be `mp3`, `wav`, `opus`, `flac` or `pcm` (raw 16-bit little-endian samples); `speed` scales the pace.",
      "Priced per 1M input characters. The answer is audio bytes, so the cost is in the console's request log rather than in the body.",
      "The local demo speech model speaks English with Debian's festival, on this server's CPU.",
    ],
  },
  {
    slug: "transcriptions",
    title: "Speech to text",
    operations: [{ method: "post", path: "/audio/transcriptions" }],
    summary: "A transcript of an audio file, as text, JSON, subtitles, or JSON with timestamps.",
    modelKinds: ["TRANSCRIPTION"],
    notes: [
      "Send `multipart/form-data` with the audio in a field named `file`; another Content-Type is a 415, a file over the size limit a 413.",
      "Priced per minute of audio; `usage.cost` in the JSON formats is the dollars charged.",
      "The local demo model `pocketsphinx/en-us` transcribes English on this server's CPU.",
    ],
  },
  {
    slug: "translations",
    title: "Speech translation",
    operations: [{ method: "post", path: "/audio/translations" }],
    summary: "An English transcript of audio in another language.",
    modelKinds: ["TRANSCRIPTION"],
    notes: ["Served by upstream Whisper models only, not by the local demo model.", "Priced per minute of audio, like transcriptions."],
  },
  {
    slug: "models",
    title: "Models",
    operations: [
      { method: "get", path: "/models" },
      { method: "get", path: "/models/{model}" },
    ],
    summary: "The models this deployment can serve right now.",
    modelKinds: [],
    notes: [
      "Only models whose inference server is configured are listed. Model ids contain slashes (`meta-llama/Llama-3.1-8B-Instruct`); " +
        "`GET /v1/models/meta-llama/Llama-3.1-8B-Instruct` works as written.",
      "Free, but counted against your rate limit like any request.",
    ],
  },
  {
    slug: "me",
    title: "Account (EcoLink)",
    operations: [{ method: "get", path: "/me" }],
    summary: "EcoLink's own endpoint: your account's credit and this API key's limits.",
    modelKinds: [],
    notes: [
      "Not part of OpenAI's API. Each amount comes as `usd` (a number) and `decimal` (all nine decimals of the ledger's nano-dollars).",
      "`available` is `balance` minus what requests in flight hold: what a new request can use.",
    ],
  },
];

export function endpointDoc(slug: string): EndpointDoc | undefined {
  return ENDPOINT_DOCS.find((doc) => doc.slug === slug);
}

export interface DocsNavSection {
  title: string;
  links: { href: string; label: string }[];
}

export const DOCS_NAV: DocsNavSection[] = [
  {
    title: "Get started",
    links: [
      { href: "/docs", label: "Quickstart" },
      { href: "/docs/authentication", label: "Authentication" },
    ],
  },
  {
    title: "Guides",
    links: [
      { href: "/docs/streaming", label: "Streaming" },
      { href: "/docs/tool-calling", label: "Tool calling" },
      { href: "/docs/structured-outputs", label: "Structured outputs" },
      { href: "/docs/rate-limits", label: "Rate limits" },
      { href: "/docs/pricing", label: "Pricing" },
      { href: "/docs/errors", label: "Errors" },
    ],
  },
  { title: "API reference", links: ENDPOINT_DOCS.map((doc) => ({ href: `/docs/api/${doc.slug}`, label: doc.title })) },
];

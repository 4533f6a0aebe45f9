// How fast the gateway reads an upstream's server-sent events: eventsource-parser (what
// lib/inference/providers/upstream.ts uses) against the hand-rolled line splitter it replaced,
// kept here only as the yardstick. Both decode and parse the same realistic chat stream — 1,000
// vLLM-style chat.completion.chunk events, a finish chunk, a usage chunk and [DONE] — delivered two
// ways: one event per network read (tokens paced by generation) and 16 KiB reads that cut events
// anywhere (a backlog arriving at once). Prints the time per stream and per event for each.
//   npx tsx scripts/bench/sse-parse.ts [streams per measurement, default 300]
import { createParser } from "eventsource-parser";

const EVENTS = 1_000;
const READ_BYTES = 16 * 1024;

function chatStream(): string {
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({
      id: "chatcmpl-6f1d0c3b2a9e4f5d8c7b6a5f4e3d2c1b",
      object: "chat.completion.chunk",
      created: 1_764_288_000,
      model: "meta-llama/Llama-3.1-8B-Instruct",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    })}\n\n`;
  const words = ["The", " lighthouse", " keeper", " watched", " the", " storm", " roll", " in", ",", " counting"];
  let text = chunk({ role: "assistant", content: "" }, null);
  for (let i = 0; i < EVENTS; i++) text += chunk({ content: words[i % words.length] }, null);
  text += chunk({}, "length");
  text += `data: ${JSON.stringify({ id: "chatcmpl-6f1d", object: "chat.completion.chunk", created: 1_764_288_000, model: "m", choices: [], usage: { prompt_tokens: 42, completion_tokens: EVENTS, total_tokens: EVENTS + 42 } })}\n\n`;
  return `${text}data: [DONE]\n\n`;
}

function perEventReads(text: string): Uint8Array[] {
  const encoder = new TextEncoder();
  return text.split(/(?<=\n\n)/).map((event) => encoder.encode(event));
}

function fixedReads(text: string): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const reads: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += READ_BYTES) reads.push(bytes.subarray(at, at + READ_BYTES));
  return reads;
}

type Parse = (reads: Uint8Array[], onData: (data: string) => void) => void;

/** The line splitter upstream.ts had before eventsource-parser (its sseData, without the I/O). */
const handRolled: Parse = (reads, onData) => {
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  for (const value of reads) {
    buffer += decoder.decode(value, { stream: true });
    let newline: number;
    // biome-ignore lint/suspicious/noAssignInExpressions: measured as upstream.ts had it, word for word.
    while ((newline = buffer.indexOf("\n")) !== -1) {
      const line = buffer.slice(0, newline).replace(/\r$/, "");
      buffer = buffer.slice(newline + 1);
      if (line === "") {
        if (data.length) onData(data.join("\n"));
        data = [];
      } else if (line.startsWith("data:")) {
        data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
      }
    }
  }
  if (data.length) onData(data.join("\n"));
};

const withEventsourceParser: Parse = (reads, onData) => {
  const decoder = new TextDecoder();
  const parser = createParser({ onEvent: (event) => onData(event.data) });
  for (const value of reads) parser.feed(decoder.decode(value, { stream: true }));
  parser.feed("\n\n");
};

/** Mean microseconds per stream over `streams` parses, after a warm-up; checks every event arrived. */
function measure(parse: Parse, reads: Uint8Array[], streams: number): number {
  const expected = EVENTS + 4;
  let events = 0;
  const count = () => void events++;
  for (let i = 0; i < Math.max(20, streams / 10); i++) parse(reads, count);
  events = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < streams; i++) parse(reads, count);
  const elapsed = Number(process.hrtime.bigint() - started) / 1_000;
  if (events !== expected * streams) throw new Error(`Expected ${expected * streams} events, parsed ${events}`);
  return elapsed / streams;
}

function main() {
  const streams = Number(process.argv[2] ?? 300);
  const text = chatStream();
  console.log(`\nSSE parsing: one chat stream of ${EVENTS} chunks (${(text.length / 1024).toFixed(0)} KiB), mean of ${streams} streams`);
  console.log("reads                     parser               µs per stream  ns per event");
  for (const [label, reads] of [
    ["one event per read", perEventReads(text)],
    [`${READ_BYTES / 1024} KiB reads`, fixedReads(text)],
  ] as const) {
    for (const [name, parse] of [
      ["hand-rolled", handRolled],
      ["eventsource-parser", withEventsourceParser],
    ] as const) {
      const micros = measure(parse, reads, streams);
      console.log(`${label.padEnd(24)}  ${name.padEnd(19)}  ${micros.toFixed(0).padStart(13)}  ${((micros * 1000) / (EVENTS + 4)).toFixed(0).padStart(12)}`);
    }
  }
}

main();

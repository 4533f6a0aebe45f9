// Throughput of the local demo chat model (ecolink/tiny-chat) in this process: time to the first
// token (prompt prefill) and decode speed, for one generation and for several at once (they share
// the model's single worker thread, so concurrency buys latency fairness, not speed).
import { generateTinyChat, loadTinyChat, TINY_CHAT_CONTEXT_LENGTH } from "../../lib/inference/providers/local/tiny-chat/generate";

const PROMPT = [{ role: "user" as const, content: "Tell me a short story about a lighthouse keeper and a storm." }];
const MAX_TOKENS = Math.floor(TINY_CHAT_CONTEXT_LENGTH / 2);
const REPLIES_PER_CLIENT = 3;

interface Generation {
  firstTokenMs: number;
  totalMs: number;
  tokens: number;
}

async function generateOnce(seed: number): Promise<Generation> {
  const started = performance.now();
  let firstTokenMs = NaN;
  const generation = generateTinyChat({ messages: PROMPT, maxTokens: MAX_TOKENS, temperature: 0.8, seed });
  for (;;) {
    const step = await generation.next();
    if (Number.isNaN(firstTokenMs)) firstTokenMs = performance.now() - started;
    if (step.done) return { firstTokenMs, totalMs: performance.now() - started, tokens: step.value.completionTokens };
  }
}

export async function runTinyChatBench(): Promise<void> {
  const loadStarted = performance.now();
  await loadTinyChat();
  const loadMs = performance.now() - loadStarted;
  await generateOnce(0);

  console.log(`\necolink/tiny-chat (in-process, CPU; model loaded in ${loadMs.toFixed(0)} ms; up to ${MAX_TOKENS} tokens per reply)`);
  console.log("concurrent  first token p50 (ms)  tokens/s per reply  tokens/s total");
  for (const concurrency of [1, 4]) {
    const started = performance.now();
    const runs: Generation[] = [];
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        for (let i = 0; i < REPLIES_PER_CLIENT; i++) runs.push(await generateOnce(worker * REPLIES_PER_CLIENT + i + 1));
      }),
    );
    runs.sort((a, b) => a.firstTokenMs - b.firstTokenMs);
    const seconds = (performance.now() - started) / 1000;
    const firstToken = runs[Math.floor(runs.length / 2)]!.firstTokenMs;
    const perReply = runs.reduce((sum, r) => sum + r.tokens / ((r.totalMs - r.firstTokenMs) / 1000 || Infinity), 0) / runs.length;
    const total = runs.reduce((sum, r) => sum + r.tokens, 0) / seconds;
    console.log(`${String(concurrency).padStart(10)}  ${firstToken.toFixed(1).padStart(20)}  ${perReply.toFixed(1).padStart(18)}  ${total.toFixed(1).padStart(14)}`);
  }
}

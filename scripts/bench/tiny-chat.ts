// Throughput of the local demo chat model (ecolink/tiny-chat) in this process: time to the first
// token (prompt prefill) and decode speed, for one generation and for several at once (they share
// the model's single worker thread, so concurrency buys latency fairness, not speed). Prints the
// target (one reply's decode speed) and what limits it, from the CPU time the process and its
// main thread used while decoding (the rest is mostly the model's worker thread).
import os from "node:os";
import { generateTinyChat, loadTinyChat, TINY_CHAT_CONTEXT_LENGTH } from "../../lib/inference/providers/local/tiny-chat/generate";
import { verdict } from "./gateway";
import { threadCpuSeconds } from "./proc-stats";

const PROMPT = [{ role: "user" as const, content: "Tell me a short story about a lighthouse keeper and a storm." }];
const MAX_TOKENS = Math.floor(TINY_CHAT_CONTEXT_LENGTH / 2);
const REPLIES_PER_CLIENT = 3;
// Target of issue 14: one reply's decode speed.
const TOKENS_PER_SECOND_TARGET = 200;

interface Generation {
  firstTokenMs: number;
  totalMs: number;
  tokens: number;
}

interface Round {
  concurrency: number;
  firstTokenMs: number;
  perReply: number;
  total: number;
  /** Cores the whole process used (all threads), and its main thread. */
  processCores: number;
  mainThreadCores: number;
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

async function round(concurrency: number): Promise<Round> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const mainCpu = await threadCpuSeconds(process.pid);
  const runs: Generation[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; i < REPLIES_PER_CLIENT; i++) runs.push(await generateOnce(worker * REPLIES_PER_CLIENT + i + 1));
    }),
  );
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  runs.sort((a, b) => a.firstTokenMs - b.firstTokenMs);
  return {
    concurrency,
    firstTokenMs: runs[Math.floor(runs.length / 2)]!.firstTokenMs,
    perReply: runs.reduce((sum, r) => sum + r.tokens / ((r.totalMs - r.firstTokenMs) / 1000 || Infinity), 0) / runs.length,
    total: runs.reduce((sum, r) => sum + r.tokens, 0) / (wallMs / 1000),
    processCores: (used.user + used.system) / 1000 / wallMs,
    mainThreadCores: ((await threadCpuSeconds(process.pid)) - mainCpu) / (wallMs / 1000),
  };
}

export async function runTinyChatBench(): Promise<void> {
  const loadStarted = performance.now();
  await loadTinyChat();
  const loadMs = performance.now() - loadStarted;
  await generateOnce(0);

  console.log(`\necolink/tiny-chat (in-process, CPU; model loaded in ${loadMs.toFixed(0)} ms; up to ${MAX_TOKENS} tokens per reply)`);
  console.log("concurrent  first token p50 (ms)  tokens/s per reply  tokens/s total  process CPU (cores)  main thread CPU (cores)");
  const rounds: Round[] = [];
  for (const concurrency of [1, 4]) {
    const r = await round(concurrency);
    rounds.push(r);
    console.log(
      `${String(concurrency).padStart(10)}  ${r.firstTokenMs.toFixed(1).padStart(20)}  ${r.perReply.toFixed(1).padStart(18)}  ${r.total.toFixed(1).padStart(14)}  ${r.processCores.toFixed(2).padStart(19)}  ${r.mainThreadCores.toFixed(2).padStart(23)}`,
    );
  }
  const [one, four] = rounds as [Round, Round];
  console.log(
    `Target: one reply decodes ≥ ${TOKENS_PER_SECOND_TARGET} tokens/s: ${verdict(one.perReply >= TOKENS_PER_SECOND_TARGET)} (${one.perReply.toFixed(1)} tokens/s)`,
  );
  // The model runs in one worker thread (onnxruntime with one intra-op thread); the main thread
  // samples and streams. The other threads' CPU is the worker's, give or take V8's and libuv's.
  const workerCores = Math.max(0, one.processCores - one.mainThreadCores);
  const machine = `${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}`;
  const limit =
    workerCores >= 0.8
      ? "the model's one worker thread, computing on one core (onnxruntime, one intra-op thread)"
      : one.mainThreadCores >= 0.8
        ? "the main thread (sampling and streaming), busy on one core"
        : `no thread of it had a whole core: the process got ${one.processCores.toFixed(2)} cores, the machine's other processes took the rest`;
  console.log(
    `What limits it: ${limit}. Decoding one reply: ${one.processCores.toFixed(2)} cores for the process, ${one.mainThreadCores.toFixed(2)} of them the main thread's, ` +
      `≈${workerCores.toFixed(2)} the worker's; 4 replies at once gave ${(four.total / one.total).toFixed(2)}× the total tokens/s of one (${machine}).`,
  );
}

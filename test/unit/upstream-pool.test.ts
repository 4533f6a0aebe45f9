// The upstream pool's choices and its endpoints' circuits, on their own: which endpoint each
// request gets (least outstanding per weight, ties by weight), the concurrency cap and its queue
// timeout, and the circuit's closed → open → half-open → closed cycle.
import { afterEach, describe, expect, it, vi } from "vitest";
import { CircuitBreaker } from "@/lib/inference/circuit-breaker";
import type { UpstreamEndpoint } from "@/lib/inference/registry";

const saved = { ...process.env };

afterEach(() => {
  process.env = { ...saved };
  vi.resetModules();
});

async function pool(overrides: Record<string, string> = {}) {
  process.env = {
    ...saved,
    DATABASE_URL: "postgresql://localhost/ecolink",
    AUTH_SECRET: "a-secret-of-enough-length",
    UPSTREAM_QUEUE_TIMEOUT_MS: "100",
    ...overrides,
  };
  delete (globalThis as Record<symbol, unknown>)[Symbol.for("ecolink.upstreamPools")];
  return import("@/lib/inference/upstream-pool");
}

function endpoint(name: string, weight = 1, maxConcurrent = Infinity): UpstreamEndpoint {
  return { name, baseUrl: `http://127.0.0.1:9/${name}`, upstreamModel: "m", apiKey: undefined, weight, maxConcurrent };
}

const signal = new AbortController().signal;

describe("the circuit of an endpoint", () => {
  it("opens after consecutive failures, lets one trial through after the cool-down, and closes on its success", () => {
    let now = 0;
    const states: string[] = [];
    const circuit = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1_000, now: () => now, onChange: (s) => states.push(s) });
    circuit.failed();
    circuit.succeeded();
    circuit.failed();
    circuit.failed();
    expect(circuit.state).toBe("closed");
    circuit.failed();
    expect(circuit.state).toBe("open");
    expect(circuit.allows()).toBe(false);
    now = 1_000;
    expect(circuit.allows()).toBe(true);
    expect(circuit.admit()).toBe(true);
    expect(circuit.state).toBe("half_open");
    expect(circuit.allows()).toBe(false);
    circuit.abandoned();
    expect(circuit.allows()).toBe(true);
    circuit.admit();
    circuit.failed();
    expect(circuit.state).toBe("open");
    expect(circuit.allows()).toBe(false);
    circuit.answering();
    expect(circuit.state).toBe("half_open");
    circuit.admit();
    circuit.succeeded();
    expect(circuit.state).toBe("closed");
    expect(states).toEqual(["open", "half_open", "open", "half_open", "closed"]);
  });
});

describe("choosing an endpoint", () => {
  it("splits one-at-a-time traffic by weight", async () => {
    const { acquireEndpoint } = await pool();
    const endpoints = [endpoint("a", 3), endpoint("b", 1)];
    const counts: Record<string, number> = { a: 0, b: 0 };
    for (let i = 0; i < 8; i++) {
      const lease = (await acquireEndpoint("m1", endpoints, new Set(), signal))!;
      counts[lease.endpoint.name]! += 1;
      lease.report("ok", false);
      lease.release();
    }
    expect(counts).toEqual({ a: 6, b: 2 });
  });

  it("sends the next request to the endpoint with the fewest outstanding requests for its weight, skipping those tried", async () => {
    const { acquireEndpoint } = await pool();
    const endpoints = [endpoint("a", 2), endpoint("b", 1)];
    const held = [];
    for (let i = 0; i < 3; i++) held.push((await acquireEndpoint("m2", endpoints, new Set(), signal))!);
    // 2 at a (weight 2) and 1 at b (weight 1): equal load per weight.
    expect(held.map((l) => l.endpoint.name).sort()).toEqual(["a", "a", "b"]);
    held.find((l) => l.endpoint.name === "b")!.release();
    expect((await acquireEndpoint("m2", endpoints, new Set(), signal))!.endpoint.name).toBe("b");
    expect((await acquireEndpoint("m2", endpoints, new Set(["b"]), signal))!.endpoint.name).toBe("a");
    expect(await acquireEndpoint("m2", endpoints, new Set(["a", "b"]), signal)).toBeNull();
  });

  it("caps each endpoint at its maxConcurrent, waits for a slot, and refuses with Retry-After after the queue timeout", async () => {
    const { acquireEndpoint } = await pool();
    const endpoints = [endpoint("a", 1, 1), endpoint("b", 1, 1)];
    const first = (await acquireEndpoint("m3", endpoints, new Set(), signal))!;
    const second = (await acquireEndpoint("m3", endpoints, new Set(), signal))!;
    expect([first.endpoint.name, second.endpoint.name].sort()).toEqual(["a", "b"]);
    const waiting = acquireEndpoint("m3", endpoints, new Set(), signal);
    setTimeout(() => first.release(), 20);
    expect((await waiting)!.endpoint.name).toBe(first.endpoint.name);
    await expect(acquireEndpoint("m3", endpoints, new Set(), signal)).rejects.toMatchObject({
      code: "upstream_unavailable",
      details: { retryAfterSeconds: 1 },
    });
  });

  it("leaves an endpoint with an open circuit out, unless nothing else is left", async () => {
    const { acquireEndpoint } = await pool({ UPSTREAM_CIRCUIT_FAILURES: "1", UPSTREAM_CIRCUIT_COOLDOWN_MS: "60000", UPSTREAM_PROBE_INTERVAL_MS: "60000" });
    const endpoints = [endpoint("a"), endpoint("b")];
    const lease = (await acquireEndpoint("m4", endpoints, new Set(["b"]), signal))!;
    lease.report("connect_error", true);
    lease.release();
    for (let i = 0; i < 3; i++) {
      const next = (await acquireEndpoint("m4", endpoints, new Set(), signal))!;
      expect(next.endpoint.name).toBe("b");
      next.release();
    }
    expect((await acquireEndpoint("m4", endpoints, new Set(["b"]), signal))!.endpoint.name).toBe("a");
  });
});

describe("MODEL_UPSTREAMS", () => {
  it("takes one endpoint (a URL or an object) or a pool of them, and refuses a malformed one by name", async () => {
    const pools = {
      "acme/one": "http://vllm-1:8000/v1",
      "acme/object": { baseUrl: "http://vllm-2:8000/v1", apiKey: "sk-2" },
      "acme/pool": [{ name: "gpu-a", baseUrl: "http://vllm-3:8000/v1", upstreamModel: "acme-7b-awq", weight: 2, maxConcurrent: 8 }, "http://vllm-4:8000/v1"],
    };
    await pool({ MODEL_UPSTREAMS: JSON.stringify(pools) });
    const { env } = await import("@/lib/env");
    expect(env().MODEL_UPSTREAMS).toEqual({
      "acme/one": [{ baseUrl: "http://vllm-1:8000/v1" }],
      "acme/object": [{ baseUrl: "http://vllm-2:8000/v1", apiKey: "sk-2" }],
      "acme/pool": [
        { name: "gpu-a", baseUrl: "http://vllm-3:8000/v1", upstreamModel: "acme-7b-awq", weight: 2, maxConcurrent: 8 },
        { baseUrl: "http://vllm-4:8000/v1" },
      ],
    });
    vi.resetModules();
    await pool({ MODEL_UPSTREAMS: JSON.stringify({ "acme/bad": [{ baseUrl: "http://vllm:8000/v1", weight: 0 }] }) });
    const fresh = await import("@/lib/env");
    expect(() => fresh.env()).toThrow(/MODEL_UPSTREAMS/);
  });
});

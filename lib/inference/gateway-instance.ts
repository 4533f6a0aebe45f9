// The gateway process as the rest of the fleet sees it: a lease (a GatewayInstance row renewed
// every few seconds) that covers the requests it serves, and the requests it has open, so that it
// can drain them on shutdown. Every process that serves metered requests has one — the API server
// and the console's Next.js process (the playground). The state lives on globalThis because
// Next.js bundles its own copy of this module, and next-server.ts drains through another.
import { randomUUID } from "node:crypto";
import { endInstanceLease, renewInstanceLease } from "@/lib/credits/reservations";
import { env } from "@/lib/env";

interface GatewayProcess {
  instanceId: string;
  /** Requests reserved and not yet settled, with the controller that ends their provider call. */
  open: Map<string, AbortController>;
  /** Woken whenever a request settles, by drainRequests. */
  settledWaiters: Set<() => void>;
  draining: boolean;
  timers: NodeJS.Timeout[];
}

const key = Symbol.for("ecolink.gatewayProcess");
const globalForGateway = globalThis as unknown as { [key]?: GatewayProcess };

function gatewayProcess(): GatewayProcess {
  globalForGateway[key] ??= { instanceId: `gw_${randomUUID().replace(/-/g, "")}`, open: new Map(), settledWaiters: new Set(), draining: false, timers: [] };
  return globalForGateway[key];
}

/** The reason a request's controller is aborted with when the server ends it on shutdown. */
export class ShutdownAbort extends Error {
  constructor() {
    super("The server is shutting down.");
    this.name = "ShutdownAbort";
  }
}

/** The request was ended by this server's shutdown, not by its client (by name: Next.js has its own copy of the class). */
export function endedByShutdown(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof Error && signal.reason.name === "ShutdownAbort";
}

/**
 * Starts renewing this process's lease (at once, then every fifth of the lease) and running
 * `sweep` every third of it, the first time it is called; returns the instance id that RESERVE
 * logs each request with. A renewal that fails (the database is down) is simply tried again at
 * the next tick: the lease is long enough to ride out a few. Each sweep renews first and is
 * skipped if it can't: after an outage longer than the lease, an instance must not take its own
 * live requests for lost before its lease is renewed.
 */
export function ensureInstanceLease(sweep: (instanceId: string) => Promise<void>): string {
  const gateway = gatewayProcess();
  if (gateway.timers.length === 0) {
    const leaseMs = env().INSTANCE_LEASE_MS;
    let renewing = false;
    let renewalFailing = false;
    const renew = async (): Promise<boolean> => {
      if (renewing) return false;
      renewing = true;
      try {
        await renewInstanceLease(gateway.instanceId);
        if (renewalFailing) console.error(`Gateway instance ${gateway.instanceId}: lease renewed again.`);
        renewalFailing = false;
        return true;
      } catch (error) {
        if (!renewalFailing) console.error(`Gateway instance ${gateway.instanceId}: could not renew its lease (${lastLine(error)}); retrying.`);
        renewalFailing = true;
        return false;
      } finally {
        renewing = false;
      }
    };
    let sweeping = false;
    const runSweep = async () => {
      if (sweeping) return;
      sweeping = true;
      try {
        if (await renew()) await sweep(gateway.instanceId);
      } catch (error) {
        console.error(`Could not settle the requests of lost gateway instances or lost settlements: ${lastLine(error)}`);
      } finally {
        sweeping = false;
      }
    };
    void renew();
    gateway.timers.push(setInterval(() => void renew(), Math.max(200, Math.floor(leaseMs / 5))).unref());
    gateway.timers.push(setInterval(() => void runSweep(), Math.max(300, Math.floor(leaseMs / 3))).unref());
  }
  return gateway.instanceId;
}

/** Prisma's errors span several lines; the last non-empty one says what happened. */
function lastLine(error: unknown): string {
  const lines = (error instanceof Error ? error.message : String(error)).split("\n").filter((line) => line.trim());
  return lines.at(-1)?.trim() ?? "unknown error";
}

/** Refuses new requests once the server is draining: they belong on an instance that stays. */
export function isDraining(): boolean {
  return gatewayProcess().draining;
}

export function trackOpenRequest(requestId: string, controller: AbortController): void {
  gatewayProcess().open.set(requestId, controller);
}

/** Whether this process has the request open: reserving, running or settling it. */
export function isOpenRequest(requestId: string): boolean {
  return gatewayProcess().open.has(requestId);
}

export function untrackOpenRequest(requestId: string): void {
  const gateway = gatewayProcess();
  if (!gateway.open.delete(requestId)) return;
  for (const wake of gateway.settledWaiters) wake();
}

async function allSettled(withinMs: number): Promise<boolean> {
  const gateway = gatewayProcess();
  const deadline = Date.now() + withinMs;
  while (gateway.open.size > 0 && Date.now() < deadline) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(wake, deadline - Date.now());
      function wake() {
        clearTimeout(timer);
        gateway.settledWaiters.delete(wake);
        resolve();
      }
      gateway.settledWaiters.add(wake);
    });
  }
  return gateway.open.size === 0;
}

/**
 * Shutdown: refuses new requests, lets the open ones finish for `graceMs`, then ends the rest
 * (their streams close and bill what each delivered) and waits — up to `graceMs` again — for
 * their settlements to land, which retry while the database is unreachable. Returns the ids of
 * the requests still unsettled then, which the other instances' sweep settles from their last
 * checkpoints once this lease has run out.
 */
export async function drainRequests(graceMs: number): Promise<string[]> {
  const gateway = gatewayProcess();
  gateway.draining = true;
  if (!(await allSettled(graceMs))) {
    for (const controller of gateway.open.values()) controller.abort(new ShutdownAbort());
    await allSettled(Math.max(graceMs, 5_000));
  }
  return [...gateway.open.keys()];
}

/** Stops renewing the lease and gives it up; after drainRequests, as the process exits. */
export async function releaseInstanceLease(): Promise<void> {
  const gateway = gatewayProcess();
  for (const timer of gateway.timers.splice(0)) clearInterval(timer);
  await endInstanceLease(gateway.instanceId).catch((error: unknown) => console.error("Could not give up the gateway lease:", (error as Error).message));
}

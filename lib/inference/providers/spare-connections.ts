// A spare connection to each server, kept open by a keep-alive agent, as Envoy's preconnect does: a
// request that finds every kept-alive connection busy (a stream opened while others flow, a burst)
// takes the spare, already connected (for TLS, through its handshake) instead of waiting to
// connect, and another spare is opened for the next one. Spares are opened only as new connections
// are needed, and one not taken within its idle time is closed, not replaced.
import type http from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";

/** Spares that were connected when taken: one may have been closed by the server while it waited. */
const waitedSpares = new WeakSet<Duplex>();

/**
 * Whether `socket` is a spare that waited open before its request went out on it: like a kept-alive
 * connection, the server may have closed it as the request went out (upstream-http.ts's `send`).
 */
export function isWaitedSpare(socket: Duplex | null | undefined): boolean {
  return socket != null && waitedSpares.has(socket);
}

interface Spare {
  socket: Socket;
  /** Stops watching it as a spare. */
  unwatch(): void;
}

/**
 * Makes `agent` keep a spare connection to each server it connects to (by the agent's name for
 * it), closed after `idleMs` untaken. Overrides its createConnection, the hook node:http gives
 * custom agents for this.
 */
export function keepSpareConnections<A extends http.Agent>(agent: A, idleMs: number): A {
  const open = agent.createConnection.bind(agent);
  const spares = new Map<string, Spare>();

  const openSpare = (name: string, options: http.ClientRequestArgs) => {
    const socket = open({ ...options }) as Socket | null | undefined;
    if (!socket) return;
    const forget = () => {
      if (spares.get(name)?.socket === socket) spares.delete(name);
    };
    const expire = () => {
      forget();
      socket.destroy();
    };
    // One that fails before it is taken fails no request; one waiting keeps no process alive.
    socket.once("close", forget);
    socket.on("error", forget);
    socket.setTimeout(idleMs, expire);
    socket.unref();
    spares.set(name, {
      socket,
      unwatch: () => {
        socket.off("close", forget);
        socket.off("error", forget);
        socket.off("timeout", expire);
        socket.setTimeout(0);
        socket.ref();
      },
    });
  };

  agent.createConnection = (options, callback) => {
    const name = agent.getName(options);
    const spare = spares.get(name);
    spares.delete(name);
    openSpare(name, options);
    if (!spare || spare.socket.destroyed) return open(options, callback);
    spare.unwatch();
    if (!spare.socket.connecting) waitedSpares.add(spare.socket);
    return spare.socket;
  };
  return agent;
}

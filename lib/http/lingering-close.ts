// Closing a socket while the client's bytes are still arriving makes the kernel answer them with a
// reset, which can reach the client before it has read the answer it was sent: a client still
// uploading then sees EPIPE or ECONNRESET instead of our 413. So, as nginx's lingering close does,
// the connection of a request refused mid-body is half-closed once its answer is written (the client
// reads the answer and our FIN), and what it still sends is read and thrown away until it closes its
// side or LINGER_MS pass. Nothing is kept of what is read.
import type { IncomingMessage, ServerResponse } from "node:http";

/** How long a refused upload may go on being read (and thrown away) after its answer: nginx's lingering_time is 30 s. */
export const LINGER_MS = 10_000;

/**
 * Call before answering `req` while its body is still arriving: from now on its body is discarded,
 * the answer `res` says `Connection: close` (the connection can't carry another request), and once
 * it is written the socket closes after lingering.
 */
export function lingerAfterAnswer(req: IncomingMessage, res: ServerResponse, lingerMs = LINGER_MS): void {
  res.shouldKeepAlive = false;
  const socket = req.socket;
  // Node's HTTP server closes a `Connection: close` answer's socket with destroySoon() once the
  // answer is written: destroyed with unread bytes, it resets. Ended instead, it goes on reading.
  socket.destroySoon = () => {
    socket.end();
    const deadline = setTimeout(() => socket.destroy(), lingerMs);
    deadline.unref();
    socket.once("close", () => clearTimeout(deadline));
  };
  req.on("data", discard);
  req.resume();
}

function discard(): void {}

// A client that sends its whole request body before it reads a byte of the answer, as many simple
// HTTP clients do: what it reads afterwards shows whether a server that refused the body mid-way
// let it have its answer, or closed the connection under its writes (a reset, EPIPE).
import net from "node:net";

export interface UploadOutcome {
  /** The raw answer, status line, headers and body, as read after the upload; "" if none came. */
  text: string;
  /** The socket error's code, if the connection failed. */
  error?: string;
}

export function uploadBeforeReading(
  url: string,
  { total, headers = [], chunked = false }: { total: number; headers?: string[]; chunked?: boolean },
): Promise<UploadOutcome> {
  const target = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(target.port), target.hostname);
    socket.pause();
    let text = "";
    let error: string | undefined;
    socket.on("error", (failure: NodeJS.ErrnoException) => (error = failure.code));
    socket.once("close", () => resolve({ text, error }));
    const length = chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${total}`;
    socket.write(`POST ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n${[...headers, length].join("\r\n")}\r\n\r\n`);
    const chunk = Buffer.alloc(1024 * 1024, "x");
    const framed = chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]) : chunk;
    let sent = 0;
    const pump = () => {
      while (sent < total && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(framed)) {
          socket.once("drain", pump);
          return;
        }
      }
      if (chunked) socket.write("0\r\n\r\n");
      socket.setEncoding("latin1");
      socket.on("data", (data: string) => (text += data));
      socket.resume();
    };
    pump();
  });
}

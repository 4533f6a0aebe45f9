// CSV exports (the ledger, the request log): RFC 4180 quoting, streamed in batches so that a long
// history never sits in memory at once.

export type CsvValue = string | number | bigint | boolean | null | undefined;

function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  // Text that a spreadsheet would run as a formula (a key named "=HYPERLINK(…)") is prefixed with
  // an apostrophe; numbers, including negative amounts, are left as they are.
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: CsvValue[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

/** A streamed text/csv download of `header` then every row `rows` yields. */
export function csvResponse(filename: string, header: string[], rows: AsyncIterable<CsvValue[]>): Response {
  const encoder = new TextEncoder();
  const iterator = rows[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvLine(header)));
    },
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(csvLine(next.value)));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
    },
  });
}

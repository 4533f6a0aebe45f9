// The playground's "View code" for chat requests with tools, JSON mode and attached images
// (components/code-samples/request-code.ts): the curl sample is run by a real shell here, so the
// body it sends is checked byte for byte, image included, rather than eyeballed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { chatCode, type ChatRequestBody } from "@/components/code-samples/request-code";

const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");

const body: ChatRequestBody = {
  model: "acme/vision",
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "It's a dot — what colour?" },
        { type: "image_url", image_url: { url: `data:image/png;base64,${png.toString("base64")}` } },
      ],
    },
    { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"dot"}' } }] },
    { role: "tool", tool_call_id: "call_1", content: "red" },
  ],
  tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }],
  response_format: { type: "json_object" },
  stream: true,
  stream_options: { include_usage: true },
};

function sample(label: string): string {
  return chatCode("https://ecolink.test/v1", body).find((item) => item.label === label)!.code;
}

describe("chat code samples", () => {
  it("curl pipes the exact request body, with the image read from its file, into curl", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "request-code-"));
    writeFileSync(path.join(dir, "image-1.png"), png);
    // A stand-in curl on PATH prints the body it was given on stdin.
    writeFileSync(path.join(dir, "curl"), "#!/bin/sh\ncat\n", { mode: 0o755 });

    const sent = execFileSync("bash", ["-c", sample("curl")], { cwd: dir, env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } }).toString();

    expect(JSON.parse(sent)).toEqual(body);
    // The snippet holds no base64: the image comes from the file.
    expect(sample("curl")).not.toContain(png.toString("base64"));
  });

  it("Python and JavaScript read the image from its file and show tool-call deltas", () => {
    const python = sample("Python");
    expect(python).toContain(`image_1 = "data:image/png;base64," + base64.b64encode(open("image-1.png", "rb").read()).decode()`);
    expect(python).toContain('"url": image_1,');
    expect(python).toContain("response_format={");
    expect(python).toContain("delta.tool_calls");
    const javascript = sample("JavaScript");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the JavaScript source the sample shows.
    expect(javascript).toContain('const image1 = `data:image/png;base64,${readFileSync("image-1.png").toString("base64")}`;');
    expect(javascript).toContain("url: image1,");
    expect(javascript).toContain("tool_calls: [");
    expect(javascript).not.toContain(png.toString("base64"));
  });
});

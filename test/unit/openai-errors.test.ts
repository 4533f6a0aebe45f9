import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { DomainError, type DomainErrorCode } from "@/lib/errors";
import { openAIErrorResponse, toOpenAIError, zodErrorToDomainError } from "@/lib/inference/openai-errors";

afterEach(() => vi.restoreAllMocks());

describe("OpenAI-shaped errors", () => {
  const cases: Array<[DomainErrorCode, number, string, string | null]> = [
    ["invalid_request", 400, "invalid_request_error", null],
    ["unauthenticated", 401, "invalid_request_error", "invalid_api_key"],
    ["insufficient_quota", 402, "insufficient_quota", "insufficient_quota"],
    ["key_limit_reached", 402, "insufficient_quota", "insufficient_quota"],
    ["model_not_found", 404, "invalid_request_error", "model_not_found"],
    ["not_found", 404, "invalid_request_error", "not_found"],
    ["conflict", 409, "invalid_request_error", "conflict"],
    ["payload_too_large", 413, "invalid_request_error", "payload_too_large"],
    ["unsupported_media_type", 415, "invalid_request_error", "unsupported_media_type"],
    ["rate_limited", 429, "requests", "rate_limit_exceeded"],
    ["upstream_error", 502, "server_error", "upstream_error"],
    ["upstream_unavailable", 503, "server_error", "upstream_unavailable"],
    ["not_configured", 503, "server_error", "not_configured"],
    ["upstream_timeout", 504, "server_error", "upstream_timeout"],
    ["service_unavailable", 503, "server_error", "service_unavailable"],
  ];

  it.each(cases)("maps %s to HTTP %i with type %s and code %s, keeping the message", (code, status, type, openAICode) => {
    const mapped = toOpenAIError(new DomainError(code, `a ${code} happened`));
    expect(mapped.status).toBe(status);
    expect(mapped.body).toEqual({
      error: { message: `a ${code} happened`, type, param: code === "model_not_found" ? "model" : null, code: openAICode },
    });
  });

  it("names the parameter the thrower blamed and turns retryAfterSeconds into Retry-After", () => {
    expect(toOpenAIError(new DomainError("invalid_request", "bad n", { param: "n" })).body.error.param).toBe("n");
    const limited = toOpenAIError(new DomainError("rate_limited", "slow down", { retryAfterSeconds: 12.2 }));
    expect(limited.headers).toEqual({ "retry-after": "13" });
    expect(toOpenAIError(new DomainError("invalid_request", "bad")).headers).toEqual({});
  });

  it("answers an unknown error with a generic 500 and logs the real one instead of leaking it", () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const secret = new Error("connect ECONNREFUSED 10.0.0.7:5432 password=hunter2");
    const mapped = toOpenAIError(secret);
    expect(mapped.status).toBe(500);
    expect(mapped.body.error.type).toBe("server_error");
    expect(JSON.stringify(mapped.body)).not.toMatch(/ECONNREFUSED|hunter2|at /);
    expect(log).toHaveBeenCalledWith(expect.any(String), secret);
  });

  it("builds a JSON Response with the status, the error headers and any extra headers", async () => {
    const response = openAIErrorResponse(new DomainError("rate_limited", "slow down", { retryAfterSeconds: 5 }), { "x-ratelimit-limit-requests": "60" });
    expect(response.status).toBe(429);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.headers.get("x-ratelimit-limit-requests")).toBe("60");
    expect(await response.json()).toEqual({ error: { message: "slow down", type: "requests", param: null, code: "rate_limit_exceeded" } });
  });
});

describe("request validation errors", () => {
  const chatRequest = z
    .object({
      model: z.string(),
      messages: z.array(z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() })).min(1),
      temperature: z.number().min(0).max(2).optional(),
    })
    .strict();
  const issueOf = (input: unknown) => zodErrorToDomainError(chatRequest.safeParse(input).error!);

  it("points param at the offending path, array indexes included", () => {
    const error = issueOf({
      model: "m",
      messages: [
        { role: "user", content: "hi" },
        { role: "robot", content: "x" },
      ],
    });
    expect(error.code).toBe("invalid_request");
    expect(error.details.param).toBe("messages[1].role");
    expect(error.message).toBe(`Invalid value for 'messages[1].role': expected one of "system"|"user"|"assistant".`);
  });

  it("words missing, out-of-range and unknown parameters like OpenAI does", () => {
    expect(issueOf({ messages: [{ role: "user", content: "hi" }] }).message).toBe("Missing required parameter: 'model'.");
    const tooHot = issueOf({ model: "m", messages: [{ role: "user", content: "hi" }], temperature: 3 });
    expect(tooHot.details.param).toBe("temperature");
    expect(tooHot.message).toBe("Invalid value for 'temperature': expected number to be <=2.");
    const unknown = issueOf({ model: "m", messages: [{ role: "user", content: "hi" }], foo: 1 });
    expect(unknown.message).toBe("Unrecognized request argument supplied: foo");
    expect(unknown.details.param).toBe("foo");
  });

  it("maps a thrown ZodError straight to a 400 with param", () => {
    const mapped = toOpenAIError(chatRequest.safeParse({ model: "m", messages: [] }).error);
    expect(mapped.status).toBe(400);
    expect(mapped.body.error).toEqual({
      message: "Invalid value for 'messages': expected array to have >=1 items.",
      type: "invalid_request_error",
      param: "messages",
      code: null,
    });
  });
});

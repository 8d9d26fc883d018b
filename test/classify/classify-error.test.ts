import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classifyError, SIGNATURES } from "../../src/classify";
import type { VerdictKind } from "../../src/classify";
import { extractErrorFields } from "../../src/classify/extract-error-fields";
import { containsExhaustionWord, EXHAUSTION_WORDS, GENERIC_PROVIDER } from "../../src/classify/signatures";
import { allStrings } from "../helpers/all-strings";

interface CorpusRow {
  readonly id: string;
  readonly provider: string;
  readonly expected: VerdictKind;
  readonly input: unknown;
  readonly source: string;
  /** The wait the provider named, when the row pins it (ms from NOW). */
  readonly retryAfterMs?: number;
}

const corpus = JSON.parse(
  readFileSync(new URL("../fixtures/provider-errors.json", import.meta.url), "utf8"),
) as CorpusRow[];

const KINDS: readonly VerdictKind[] = ["quota", "auth-pool", "auth", "rate-limit", "overload", "context", "abort", "unknown"];
const NOW = Date.UTC(2026, 0, 1);


function apiError(data: Record<string, unknown>): unknown {
  return { name: "APIError", data };
}

describe("corpus: every real payload gets its class", () => {
  it("has unique ids and valid expected kinds", () => {
    expect(new Set(corpus.map((r) => r.id)).size).toBe(corpus.length);
    for (const row of corpus) expect(KINDS).toContain(row.expected);
  });

  for (const row of corpus) {
    it(row.id, () => {
      const verdict = classifyError(row.input, { now: NOW });
      expect(verdict.kind).toBe(row.expected);
      if (row.expected !== "unknown") expect(verdict.rule).not.toBe("none");
      expect(SIGNATURES.some((s) => s.id === verdict.rule) || verdict.rule === "none").toBe(true);
      if (row.retryAfterMs !== undefined) expect(verdict.retryAfterMs).toBe(row.retryAfterMs);
    });
  }
});

describe("traps", () => {
  it("Anthropic credit balance is a 400 invalid_request_error and still quota", () => {
    const message =
      "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.";
    const verdict = classifyError(
      apiError({
        message,
        statusCode: 400,
        isRetryable: false,
        responseBody: JSON.stringify({ type: "error", error: { type: "invalid_request_error", message } }),
      }),
    );
    expect(verdict).toMatchObject({ kind: "quota", rule: "anthropic-credit-balance", provider: "anthropic" });
  });

  it("DeepSeek 402 Insufficient Balance with code invalid_request_error is quota", () => {
    const verdict = classifyError(
      apiError({
        message: "Insufficient Balance",
        statusCode: 402,
        responseBody: JSON.stringify({
          error: { message: "Insufficient Balance", type: "unknown_error", param: null, code: "invalid_request_error" },
        }),
      }),
    );
    expect(verdict).toMatchObject({ kind: "quota", rule: "deepseek-402-insufficient-balance", provider: "deepseek" });
  });

  it("Vertex 'Resource exhausted. Please try again later' is a rate limit, not a quota", () => {
    const verdict = classifyError(
      apiError({
        message: "Resource exhausted. Please try again later.",
        statusCode: 429,
        responseBody: JSON.stringify({
          error: { code: 429, message: "Resource exhausted. Please try again later.", status: "RESOURCE_EXHAUSTED" },
        }),
      }),
    );
    expect(verdict).toMatchObject({ kind: "rate-limit", rule: "vertex-resource-exhausted" });
    // The same words as a bare retry status message (no body, no status).
    expect(classifyError({ type: "retry", attempt: 1, message: "Resource exhausted. Please try again later.", next: 0 }).kind).toBe(
      "rate-limit",
    );
  });

  it("Gemini per-day quota is quota while per-minute is a rate limit", () => {
    const google = (quotaId: string, retryDelay: string) =>
      apiError({
        message: "You exceeded your current quota, please check your plan and billing details.",
        statusCode: 429,
        responseBody: JSON.stringify({
          error: {
            code: 429,
            message: "You exceeded your current quota, please check your plan and billing details.",
            status: "RESOURCE_EXHAUSTED",
            details: [
              { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ quotaId }] },
              { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay },
            ],
          },
        }),
      });
    const perDay = classifyError(google("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "28s"), { now: NOW });
    const perMinute = classifyError(google("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", "20s"), { now: NOW });
    expect(perDay).toMatchObject({ kind: "quota", rule: "gemini-per-day-quota", provider: "google" });
    expect(perMinute).toMatchObject({ kind: "rate-limit", rule: "gemini-per-minute", retryAfterMs: 20_000 });
  });

  it("the retry status 'Provider is overloaded' is overload", () => {
    expect(classifyError({ type: "retry", attempt: 2, message: "Provider is overloaded", next: 1795000000000 })).toMatchObject({
      kind: "overload",
      rule: "opencode-retry-overloaded",
    });
  });

  it("a 500 whose request id contains 429 is overload, not quota or rate-limit", () => {
    const verdict = classifyError(
      apiError({
        message: "The server had an error while processing your request. Sorry about that! (request id req_4290b1c2a9e)",
        statusCode: 500,
        responseBody: JSON.stringify({ error: { message: "The server had an error", type: "server_error", code: null } }),
      }),
    );
    // OpenAI's server_error type says so before the status does.
    expect(verdict).toEqual({ kind: "overload", rule: "generic-overloaded-text" });
  });

  it("a 400 validation error is unknown with rule none", () => {
    const message = "messages: text content blocks must be non-empty";
    const verdict = classifyError(
      apiError({
        message,
        statusCode: 400,
        responseBody: JSON.stringify({ type: "error", error: { type: "invalid_request_error", message } }),
      }),
    );
    expect(verdict).toEqual({ kind: "unknown", rule: "none" });
  });

  it("MessageAbortedError is never quota, even when its text talks of quota", () => {
    for (const message of ["The operation was aborted.", "insufficient_quota: You exceeded your current quota", "余额不足"]) {
      const verdict = classifyError({ name: "MessageAbortedError", data: { message, statusCode: 429 } });
      expect(verdict).toMatchObject({ kind: "abort", rule: "opencode-message-aborted" });
    }
  });

  it("Together's per-minute limit with type credit_limit is a rate limit", () => {
    const message = "You have been rate limited. Your rate limit is 60 queries per minute.";
    const verdict = classifyError(
      apiError({ message, statusCode: 429, responseBody: JSON.stringify({ error: { message, type: "credit_limit" } }) }),
    );
    expect(verdict.kind).toBe("rate-limit");
  });

  it("Cerebras token_quota_exceeded per minute is a rate limit, per day is quota", () => {
    const body = (message: string) =>
      apiError({
        message,
        statusCode: 429,
        responseBody: JSON.stringify({ message, type: "too_many_tokens_error", param: "quota", code: "token_quota_exceeded" }),
      });
    expect(classifyError(body("Tokens per minute limit exceeded - too many tokens processed.")).rule).toBe("cerebras-tokens-per-minute");
    expect(classifyError(body("Tokens per day limit exceeded - too many tokens processed.")).rule).toBe("cerebras-tokens-per-day");
  });

  it("Z.ai 1308 wrapped in an Anthropic rate_limit_error is quota with the Beijing-time reset", () => {
    const message = "Usage limit reached for 5 hour. Your limit will reset at 2026-08-22 11:16:11";
    const verdict = classifyError(
      apiError({
        message,
        statusCode: 429,
        responseBody: JSON.stringify({ type: "error", error: { type: "rate_limit_error", code: "1308", message } }),
      }),
      { now: Date.parse("2026-08-21T22:58:15Z") },
    );
    expect(verdict).toMatchObject({ kind: "quota", rule: "zhipu-1308-usage-limit", resetAt: Date.parse("2026-08-22T03:16:11Z") });
  });

  it("the Anthropic SDK connection error has its own rule and stays unknown", () => {
    expect(classifyError({ name: "UnknownError", data: { message: "Connection error." } })).toEqual({
      kind: "unknown",
      rule: "anthropic-sdk-connection-error",
      provider: "anthropic",
    });
    expect(classifyError({ name: "APIConnectionError", data: { message: "fetch failed" } }).rule).toBe("anthropic-sdk-connection-error");
  });

  it("a Claude subscription 429 is quota only when the unified-status header says rejected", () => {
    const data = {
      message: "This request would exceed your account's rate limit. Please try again later.",
      statusCode: 429,
      responseBody: JSON.stringify({ type: "error", error: { type: "rate_limit_error", message: "…" } }),
    };
    expect(classifyError(apiError(data)).kind).toBe("rate-limit");
    const reset = Math.floor(NOW / 1000) + 3 * 3600;
    const verdict = classifyError(
      apiError({
        ...data,
        responseHeaders: { "Anthropic-Ratelimit-Unified-Status": "rejected", "anthropic-ratelimit-unified-reset": String(reset) },
      }),
      { now: NOW },
    );
    expect(verdict).toMatchObject({ kind: "quota", rule: "anthropic-subscription-window", resetAt: reset * 1000 });
  });

  it("a bare 402 is quota by its status alone (documented decision)", () => {
    expect(classifyError(apiError({ message: "Payment Required", statusCode: 402 }))).toEqual({
      kind: "quota",
      rule: "http-402-payment-required",
    });
  });

  it("a mid-stream insufficient_quota arrives as UnknownError whose message is the JSON text", () => {
    const verdict = classifyError({
      name: "UnknownError",
      data: { message: JSON.stringify({ type: "error", error: { type: "insufficient_quota", code: "insufficient_quota" } }) },
    });
    expect(verdict).toMatchObject({ kind: "quota", rule: "openai-insufficient-quota" });
  });
});

describe("verdict shape", () => {
  it("fills the provider from the row and omits it for generic rows", () => {
    expect(classifyError(apiError({ message: "x", statusCode: 503 }))).toEqual({ kind: "overload", rule: "http-5xx" });
    expect(classifyError(apiError({ message: "x", statusCode: 529 }))).toEqual({
      kind: "overload",
      rule: "anthropic-overloaded",
      provider: "anthropic",
    });
  });

  it("puts no reset on kinds for which a reset means nothing", () => {
    const verdict = classifyError(
      { name: "ContextOverflowError", data: { message: "prompt is too long. Please try again in 10s" } },
      { now: NOW },
    );
    expect(verdict).toEqual({ kind: "context", rule: "opencode-context-overflow", provider: "opencode" });
  });

  it("takes relative resets from options.now and falls back to Date.now() for a bad clock", () => {
    const input = { type: "retry", attempt: 1, message: "5-hour usage limit reached. Resets in 2h 13m", next: 0 };
    expect(classifyError(input, { now: 1_000 })).toMatchObject({ retryAfterMs: 7_980_000, resetAt: 7_981_000 });
    const before = Date.now();
    const verdict = classifyError(input, { now: Number.NaN });
    expect(verdict.resetAt).toBeGreaterThanOrEqual(before + 7_980_000);
  });

  it("answers unknown for garbage without throwing", () => {
    const cyclic: Record<string, unknown> = { name: "APIError" };
    cyclic.data = cyclic;
    const throwing = {
      get name(): string {
        throw new Error("boom");
      },
      get data(): unknown {
        throw new Error("boom");
      },
    };
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("trap");
        },
        ownKeys() {
          throw new Error("trap");
        },
        getPrototypeOf() {
          throw new Error("trap");
        },
      },
    );
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    const badOptions = {
      get now(): number {
        throw new Error("clock");
      },
    };
    for (const input of [null, undefined, 0, 429, Number.NaN, true, Symbol("x"), 10n, [], [429], () => 429, cyclic, throwing, hostile, revocable.proxy]) {
      const verdict = classifyError(input, badOptions);
      expect(KINDS).toContain(verdict.kind);
      expect(typeof verdict.rule).toBe("string");
    }
    expect(classifyError(null)).toEqual({ kind: "unknown", rule: "none" });
    expect(classifyError(hostile)).toEqual({ kind: "unknown", rule: "none" });
  });

  it("classifies a 10 MB responseBody whose signature is at the start, cheaply", () => {
    const head = JSON.stringify({ error: { type: "insufficient_quota", code: "insufficient_quota", message: "x" } }).slice(0, -2);
    const body = `${head}${" ".repeat(10 * 1024 * 1024)}"}}`;
    const started = performance.now();
    const verdict = classifyError(apiError({ message: "You exceeded your current quota", statusCode: 429, responseBody: body }));
    const elapsed = performance.now() - started;
    expect(verdict).toMatchObject({ kind: "quota" });
    expect(elapsed).toBeLessThan(500);
    // A body of 10 MB of noise with the signature only past the cap is not read past the cap.
    const late = `${"x".repeat(10 * 1024 * 1024)} insufficient_quota`;
    expect(classifyError(apiError({ message: "oops", statusCode: 400, responseBody: late }))).toEqual({ kind: "unknown", rule: "none" });
  });

  it("classifies a plain string", () => {
    expect(classifyError("auth_unavailable: no auth available")).toMatchObject({ kind: "auth-pool" });
    expect(classifyError("Quota exceeded. Check your plan and billing details.")).toMatchObject({ kind: "quota" });
  });
});

describe("the signature table", () => {
  it("has unique ids, a sample, a source and at least one non-empty condition per row", () => {
    expect(new Set(SIGNATURES.map((s) => s.id)).size).toBe(SIGNATURES.length);
    for (const row of SIGNATURES) {
      expect(row.sample.length, row.id).toBeGreaterThan(0);
      expect(row.seen.length, row.id).toBeGreaterThan(0);
      expect(row.provider.length, row.id).toBeGreaterThan(0);
      expect(row.when.length, row.id).toBeGreaterThan(0);
      for (const condition of row.when) expect(Object.keys(condition).length, row.id).toBeGreaterThan(0);
    }
  });

  it("uses no stateful (global or sticky) regular expressions", () => {
    for (const row of SIGNATURES) {
      for (const condition of row.when) {
        const patterns = [
          condition.quotaId,
          condition.header?.value,
          condition.message,
          condition.notText,
          ...(condition.text === undefined ? [] : condition.text instanceof RegExp ? [condition.text] : condition.text),
        ];
        for (const p of patterns) if (p !== undefined) expect(p.flags, row.id).not.toMatch(/[gy]/);
      }
    }
  });

  it("covers the seed signatures", () => {
    expect(classifyError("auth_unavailable").kind).toBe("auth-pool");
    expect(classifyError("no auth available").kind).toBe("auth-pool");
    expect(classifyError(apiError({ message: "x", responseBody: '{"error":{"code":"insufficient_quota"}}' })).kind).toBe("quota");
    expect(classifyError("quota exceeded").kind).toBe("quota");
  });

  it("has every quota and auth-pool sample contain an exhaustion word", () => {
    for (const row of SIGNATURES) {
      if (row.kind !== "quota" && row.kind !== "auth-pool") continue;
      if (row.id === "http-402-payment-required") continue; // the documented exception
      expect(containsExhaustionWord(row.sample), row.id).toBe(true);
    }
  });

  it("has every quota and auth-pool corpus input contain an exhaustion word", () => {
    for (const row of corpus) {
      if (row.expected !== "quota" && row.expected !== "auth-pool") continue;
      expect(containsExhaustionWord(allStrings(row.input).join("\n")), row.id).toBe(true);
    }
  });

  it("keeps the exhaustion vocabulary normalized (lower case, no _ or -)", () => {
    for (const word of EXHAUSTION_WORDS) expect(word).toBe(word.toLowerCase().replace(/[_-]/g, " "));
    expect(GENERIC_PROVIDER).toBe("generic");
  });

  it("reads provider fields through extractErrorFields as documented", () => {
    const fields = extractErrorFields({
      name: "APIError",
      data: {
        message: "m",
        statusCode: 429,
        isRetryable: true,
        responseHeaders: { "Retry-After": "17", "X-Num": 5 },
        responseBody: JSON.stringify({ error: { type: "t", code: 1113, message: "inner", status: "RESOURCE_EXHAUSTED" } }),
      },
    });
    expect(fields).toMatchObject({
      name: "APIError",
      message: "m",
      statusCode: 429,
      isRetryable: true,
      errorType: "t",
      errorCode: "1113",
      errorStatus: "RESOURCE_EXHAUSTED",
      nestedMessage: "inner",
      isRetryStatus: false,
    });
    expect(fields.headers["retry-after"]).toBe("17");
    expect(fields.headers["x-num"]).toBe("5");
    expect(extractErrorFields({ type: "retry", attempt: 3, message: "m", next: 9 })).toMatchObject({
      isRetryStatus: true,
      retryAttempt: 3,
      retryNext: 9,
    });
  });

  it("unwraps gemini-cli's double-encoded JSON message", () => {
    const inner = JSON.stringify({
      error: {
        code: 429,
        message: "You exceeded your current quota",
        status: "RESOURCE_EXHAUSTED",
        details: [{ violations: [{ quotaId: "GenerateContentInputTokensPerModelPerDay-FreeTier" }] }],
      },
    });
    const fields = extractErrorFields(apiError({ message: "x", responseBody: JSON.stringify({ error: { message: inner } }) }));
    expect(fields.errorStatus).toBe("RESOURCE_EXHAUSTED");
    expect(fields.quotaIds).toEqual(["GenerateContentInputTokensPerModelPerDay-FreeTier"]);
    expect(fields.nestedMessage).toBe("You exceeded your current quota");
  });
});

describe("shapes (issue 11)", () => {
  it("the error one level deeper, { error: { statusCode, message } }, keeps its status and text", () => {
    const fields = extractErrorFields({ error: { statusCode: 402, message: "Payment Required" } });
    expect(fields).toMatchObject({ statusCode: 402, message: "Payment Required" });
    expect(classifyError({ error: { statusCode: 402, message: "Payment Required" } })).toMatchObject({ kind: "quota", rule: "http-402-payment-required" });
  });

  it("an OpenCode-shaped error inside { error }: { error: { name, data: { … } } }", () => {
    const input = { error: { name: "APIError", data: { statusCode: 429, message: "Rate limit reached for gpt-4o", isRetryable: true } } };
    expect(extractErrorFields(input)).toMatchObject({ name: "APIError", statusCode: 429, isRetryable: true });
    expect(classifyError(input).kind).toBe("rate-limit");
  });

  it("{ data: { error: { … } } } with a status, and with only the provider's code", () => {
    expect(classifyError({ data: { error: { statusCode: 402, message: "Insufficient credits" } } })).toMatchObject({ kind: "quota" });
    expect(extractErrorFields({ data: { error: { code: "insufficient_quota", message: "x" } } })).toMatchObject({ errorCode: "insufficient_quota", message: "x" });
    expect(classifyError({ data: { error: { code: "insufficient_quota", message: "x" } } })).toMatchObject({ kind: "quota", rule: "openai-insufficient-quota" });
  });

  it("a provider's raw JSON as an object still reads as before ({ error: { type, message } })", () => {
    const input = { type: "error", error: { type: "overloaded_error", message: "Overloaded" } };
    expect(extractErrorFields(input)).toMatchObject({ errorType: "overloaded_error", nestedMessage: "Overloaded" });
    expect(classifyError(input)).toMatchObject({ kind: "overload", rule: "anthropic-overloaded" });
  });

  it("type tokens in another case: Insufficient_Quota", () => {
    const body = JSON.stringify({ error: { type: "Insufficient_Quota", code: "Insufficient_Quota", message: "x" } });
    expect(classifyError(apiError({ statusCode: 429, message: "x", responseBody: body }))).toMatchObject({ kind: "quota", rule: "openai-insufficient-quota" });
  });

  it("retry-after: 0 says nothing: the wait comes from the text (Groq's 'try again in 9m38.016s')", () => {
    const groq = corpus.find((r) => r.id === "groq-tpd")!.input as { data: Record<string, unknown> };
    const verdict = classifyError({ ...groq, data: { ...groq.data, responseHeaders: { "retry-after": "0" } } }, { now: NOW });
    expect(verdict).toMatchObject({ kind: "quota", retryAfterMs: 578_016 });
    const ms = classifyError({ ...groq, data: { ...groq.data, responseHeaders: { "retry-after-ms": "0" } } }, { now: NOW });
    expect(ms.retryAfterMs).toBe(578_016);
  });
});

describe("the searched window of a long text (issue 11: p99 <= 1 ms on 100 KB inputs)", () => {
  const pad = "lorem ipsum dolor sit amet ".repeat(4000); // ~108 KB
  // Texts are kept to their first 64 KiB (MAX_TEXT_CHARS) before any search: a tail is the tail of that.
  const kept = "lorem ipsum dolor sit amet ".repeat(2300); // ~62 KB
  it("finds a signature at the start of a 100 KB message and at the end of a 62 KB body", () => {
    expect(classifyError(apiError({ statusCode: 400, message: `Your credit balance is too low to access the Anthropic API. ${pad}` })).rule).toBe("anthropic-credit-balance");
    expect(classifyError(apiError({ statusCode: 400, message: "Bad Request", responseBody: `${kept} Your credit balance is too low` })).rule).toBe("anthropic-credit-balance");
  });

  it("does not search the middle of a long text, but still reads the JSON fields around it", () => {
    expect(classifyError(apiError({ statusCode: 400, message: `${kept} Your credit balance is too low ${kept}` })).kind).toBe("unknown");
    const body = JSON.stringify({ error: { message: kept, type: "insufficient_quota", code: "insufficient_quota" } });
    expect(classifyError(apiError({ statusCode: 429, message: "Too Many Requests", responseBody: body })).rule).toBe("openai-insufficient-quota");
  });
});

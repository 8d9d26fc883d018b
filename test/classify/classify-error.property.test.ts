import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyError, SIGNATURES } from "../../src/classify";
import type { Verdict, VerdictKind } from "../../src/classify";
import { containsExhaustionWord } from "../../src/classify/signatures";
import { allStrings } from "../helpers/all-strings";

const KINDS: readonly VerdictKind[] = ["quota", "auth-pool", "auth", "rate-limit", "overload", "context", "abort", "unknown"];
const RULES = new Set(["none", ...SIGNATURES.map((s) => s.id)]);

function assertValid(verdict: Verdict): void {
  expect(KINDS).toContain(verdict.kind);
  expect(RULES.has(verdict.rule)).toBe(true);
  if (verdict.retryAfterMs !== undefined) expect(Number.isFinite(verdict.retryAfterMs) && verdict.retryAfterMs >= 0).toBe(true);
  if (verdict.resetAt !== undefined) expect(Number.isFinite(verdict.resetAt)).toBe(true);
}


const NAMES = ["APIError", "UnknownError", "ProviderAuthError", "ContextOverflowError", "MessageAbortedError", "StructuredOutputError"];

/** Near misses: words that sit next to exhaustion in real payloads but are not exhaustion words. */
const FRAGMENTS = [
  "rate limit",
  "Rate limit reached for gpt-4",
  "Too Many Requests",
  "429",
  "402",
  "Payment Required",
  "req_4290b1c2a9e",
  "https://platform.openai.com/docs/guides/error-codes/api-errors",
  "exceeded",
  "limit",
  "limit reached",
  "insufficient",
  "reached",
  "reset at 2026-05-11 01:20:12",
  "Please try again in 9.816s",
  "Please retry in 20.04s",
  "per minute",
  "tokens per min (TPM)",
  "Overloaded",
  "Provider is overloaded",
  "Internal Server Error",
  "invalid_request_error",
  "rate_limit_error",
  "server_error",
  "Resource has been",
  "plan",
  "account",
  "suspended",
  "upgrade",
  "1300",
  "Connection error.",
  "{",
  '"error":',
  "|",
  "请稍后重试",
  "限流",
];

const word = fc.oneof(
  fc.constantFrom(...FRAGMENTS),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
);
const text = fc.array(word, { maxLength: 8 }).map((parts) => parts.join(" "));

const STRUCTURED_TYPES = [
  "rate_limit_error",
  "invalid_request_error",
  "overloaded_error",
  "rate_limited",
  "rate_limit_reached_error",
  "server_error",
  "tokens",
  "rate_limit_exceeded",
  "too_many_tokens_error",
  "api_error",
  "APIConnectionError",
  "RESOURCE_EXHAUSTED",
  "UNAVAILABLE",
  "PRECONDITION_FAILED",
  "1300",
];
const structured = fc.oneof(fc.constantFrom(...STRUCTURED_TYPES), text);

/** Every HTTP status except 402, which is quota by itself (the documented exception). */
const statusCode = fc
  .oneof(fc.constantFrom(400, 401, 403, 404, 408, 409, 412, 413, 422, 429, 500, 502, 503, 504, 529), fc.integer({ min: 100, max: 599 }))
  .filter((s) => s !== 402);

const body = fc.oneof(
  text,
  fc
    .record(
      {
        error: fc.record(
          {
            message: text,
            type: structured,
            code: fc.oneof(structured, fc.integer({ min: 0, max: 2000 })),
            status: structured,
          },
          { requiredKeys: [] },
        ),
        type: fc.constant("error"),
        request_id: text,
      },
      { requiredKeys: ["error"] },
    )
    .map((b) => JSON.stringify(b)),
  fc.record({ message: text, type: structured, code: structured }, { requiredKeys: [] }).map((b) => JSON.stringify(b)),
);

const headers = fc.dictionary(
  fc.oneof(fc.constantFrom("retry-after", "retry-after-ms", "x-ratelimit-reset", "x-amzn-errortype", "content-type"), text),
  text,
  { maxKeys: 4 },
);

const apiErrorShape = fc.record({
  name: fc.oneof(fc.constantFrom(...NAMES), text),
  data: fc.record(
    {
      message: text,
      statusCode,
      isRetryable: fc.boolean(),
      responseHeaders: headers,
      responseBody: body,
    },
    { requiredKeys: [] },
  ),
});

const retryStatus = fc.record({
  type: fc.constant("retry"),
  attempt: fc.integer({ min: 0, max: 10 }),
  message: text,
  next: fc.integer(),
});

/** Inputs whose texts (values, keys, bodies, header names) contain no exhaustion word. */
const withoutExhaustionWords = fc
  .oneof(text, apiErrorShape, retryStatus)
  .filter((input) => !containsExhaustionWord(allStrings(input).join("\n")));

describe("classifyError is total", () => {
  it("over fc.anything()", () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        assertValid(classifyError(input));
      }),
      { numRuns: 300 },
    );
  });

  it("over fc.anything() with object strings, null prototypes, boxed values and exotic containers", () => {
    const exotic = fc.anything({
      withObjectString: true,
      withNullPrototype: true,
      withBoxedValues: true,
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
      withSparseArray: true,
      maxDepth: 4,
    });
    fc.assert(
      fc.property(exotic, exotic, (input, options) => {
        assertValid(classifyError(input, options as never));
      }),
      { numRuns: 300 },
    );
  });

  it("over nested { name, data } shapes built from arbitrary fields", () => {
    const anyField = fc.anything({ withObjectString: true, maxDepth: 2 });
    const shape = fc.record(
      {
        name: fc.oneof(fc.constantFrom(...NAMES), anyField),
        data: fc.oneof(
          anyField,
          fc.record(
            {
              message: fc.oneof(text, anyField),
              statusCode: fc.oneof(fc.integer({ min: -1000, max: 1000 }), anyField),
              isRetryable: anyField,
              responseHeaders: fc.oneof(fc.dictionary(text, fc.oneof(text, anyField)), anyField),
              responseBody: fc.oneof(body, anyField),
              metadata: anyField,
              providerID: anyField,
            },
            { requiredKeys: [] },
          ),
        ),
        type: fc.oneof(fc.constant("retry"), anyField),
        message: fc.oneof(text, anyField),
        error: anyField,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(shape, fc.integer(), (input, now) => {
        assertValid(classifyError(input, { now }));
      }),
      { numRuns: 500 },
    );
  });

  it("over arbitrary strings, grapheme and binary unicode strings", () => {
    const strings = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary", maxLength: 200 }), text);
    fc.assert(
      fc.property(strings, (input) => {
        assertValid(classifyError(input));
        assertValid(classifyError({ name: "APIError", data: { message: input, responseBody: input } }));
        assertValid(classifyError({ type: "retry", attempt: 1, message: input, next: 0 }));
      }),
      { numRuns: 300 },
    );
  });
});

describe("no exhaustion verdict without an exhaustion word", () => {
  it("never says quota or auth-pool for texts, retry statuses or APIErrors lacking every exhaustion word", () => {
    fc.assert(
      fc.property(withoutExhaustionWords, (input) => {
        const verdict = classifyError(input);
        expect(verdict.kind).not.toBe("quota");
        expect(verdict.kind).not.toBe("auth-pool");
      }),
      { numRuns: 1000 },
    );
  });

  it("still finds quota once an exhaustion signature is added to such an input (the property is not vacuous)", () => {
    const signature = JSON.stringify({ error: { type: "insufficient_quota", code: "insufficient_quota" } });
    fc.assert(
      fc.property(withoutExhaustionWords, (input) => {
        if (typeof input === "string") {
          expect(classifyError(`${input} insufficient_quota`).kind).toBe("quota");
        } else if ("type" in input) {
          expect(classifyError({ ...input, message: `${input.message} insufficient_quota` }).kind).toBe("quota");
        } else {
          const verdict = classifyError({ ...input, data: { ...input.data, responseBody: signature } });
          // Only what OpenCode names itself (abort, context, missing key) or the SDK's connection error outranks it.
          const outranked =
            ["MessageAbortedError", "ContextOverflowError", "ProviderAuthError"].includes(input.name) ||
            /^\s*Connection error\.?\s*$/i.test(input.data.message ?? "");
          expect(verdict.kind === "quota" || outranked).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * Issue 11: a limit per minute, second or request never falls back at once, whatever quota words come
 * with it. The property drives the classifier and the fallback policy together, on the retry trigger
 * (OpenCode still retrying): the lane is kept and OpenCode's retry waits the minute out.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyError } from "../../src/classify";
import { decideFallback } from "../../src/recovery/fallback-policy";
import { loadSettings } from "../../src/settings/settings";
import { LONGER_WINDOW_OR_MONEY } from "../../src/classify/signatures/window-rows";

const settings = loadSettings({}, undefined, "/p").settings;
const NOW = Date.UTC(2026, 0, 1);

/** Ways providers write "per minute" (and per second, per request), from the corpus and docs/sources. */
const MARKERS = [
  "requests per minute",
  "tokens per minute",
  "per minute",
  "per_minute",
  "per-minute",
  "per min",
  "tokens per min (TPM)",
  "requests per second",
  "per second",
  "per request",
  "GenerateContentRequestsPerMinutePerProjectPerRegion",
  "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
  "generate_content_requests_per_minute_per_project_per_base_model",
  "RPM",
  "TPM",
  "QPS",
  "每分钟",
];

/** The quota words that come with per-minute limits: Google's, OpenAI-compatible, generic. */
const QUOTA_WORDS = [
  "Quota exceeded for quota metric",
  "You exceeded your current quota, please check your plan and billing details.",
  "quota exceeded",
  "Quota exceeded for aiplatform.googleapis.com/",
  "RESOURCE_EXHAUSTED",
  "Resource has been exhausted (e.g. check quota).",
  "exhausted",
  "usage limit reached",
  "You have no quota",
  "out of quota",
  "limit reached",
  "limit exceeded",
  "quota",
];

const NOISE = [
  "429",
  "Too Many Requests",
  "of service 'generativelanguage.googleapis.com'",
  "for consumer 'project_number:391029737820'",
  "Please retry in 20.04s.",
  "Please try again later.",
  "with base model: gemini-pro.",
  "Please submit a quota increase request.",
  "https://ai.google.dev/gemini-api/docs/rate-limits",
  "region",
  "{",
  '"error":',
];

const part = fc.oneof(fc.constantFrom(...NOISE), fc.string({ maxLength: 10 }), fc.string({ unit: "grapheme", maxLength: 10 }));
/** A per-minute marker and a quota wording, in any order, among noise; no longer window, no money. */
const perMinuteText = fc
  .tuple(fc.constantFrom(...MARKERS), fc.constantFrom(...QUOTA_WORDS), fc.array(part, { maxLength: 5 }), fc.boolean())
  .map(([marker, quota, noise, markerFirst]) => (markerFirst ? [marker, ...noise, quota] : [quota, ...noise, marker]).join(" "))
  .filter((t) => !LONGER_WINDOW_OR_MONEY.test(t));

const googleStatus = fc.constantFrom(undefined, "RESOURCE_EXHAUSTED", "UNAVAILABLE");
/** The text as OpenCode hands it over: a bare string, a retry status, an APIError with or without a JSON body. */
const input = fc.oneof(
  perMinuteText,
  perMinuteText.map((message) => ({ type: "retry", attempt: 1, message, next: NOW + 2_000 })),
  fc.tuple(perMinuteText, fc.constantFrom(400, 403, 429), googleStatus).map(([message, statusCode, status]) => ({
    name: "APIError",
    data: {
      message,
      statusCode,
      isRetryable: true,
      responseBody: JSON.stringify({ error: { code: statusCode, message, ...(status ? { status } : {}) } }),
    },
  })),
  perMinuteText.map((message) => ({ name: "UnknownError", data: { message } })),
);

describe("per-minute limits never fall back at once", () => {
  it("whatever quota words come with them: never quota or auth-pool, and the retry is left to OpenCode", () => {
    fc.assert(
      fc.property(input, (error) => {
        const verdict = classifyError(error, { now: NOW });
        expect(verdict.kind).not.toBe("quota");
        expect(verdict.kind).not.toBe("auth-pool");
        expect(decideFallback(verdict, { trigger: "retry", now: NOW }, settings).fallback).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it("is not vacuous: the same quota words without the per-minute marker are quota and fall back", () => {
    const quotaOnly = fc.tuple(fc.constantFrom(...QUOTA_WORDS.filter((w) => /quota/i.test(w) && w !== "quota" && !/Resource has been/.test(w))), fc.constantFrom("", "429"));
    fc.assert(
      fc.property(quotaOnly, ([quota, prefix]) => {
        const verdict = classifyError(`${prefix} ${quota}`.trim(), { now: NOW });
        expect(verdict.kind).toBe("quota");
        expect(decideFallback(verdict, { trigger: "retry", now: NOW }, settings).fallback).toBe(true);
      }),
    );
  });

  it.each([
    ["per day", "Quota exceeded for quota metric 'Gemini 2.5 Pro Requests' and limit 'Gemini 2.5 Pro Requests per day per user per tier'"],
    ["PerDay and PerMinute", "quota exceeded: GenerateRequestsPerDayPerProjectPerModel and GenerateRequestsPerMinutePerProjectPerModel"],
    ["limit: 0", "Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, per minute"],
    ["an account's balance", "insufficient balance: quota exceeded (3 requests per minute on the free plan)"],
  ])("a longer window or money stays quota (%s)", (_what, text) => {
    expect(classifyError(text, { now: NOW }).kind).toBe("quota");
  });

  it("an account-scope quota (OpenAI's insufficient_quota code) is never overridden by a per-minute word", () => {
    const verdict = classifyError({
      name: "APIError",
      data: { statusCode: 429, message: "per minute", responseBody: JSON.stringify({ error: { code: "insufficient_quota", type: "insufficient_quota" } }) },
    });
    expect(verdict).toMatchObject({ kind: "quota", rule: "openai-insufficient-quota", scope: "account" });
  });

  it("overrides an earlier provider quota row without account scope (Copilot's 'You have no quota')", () => {
    expect(classifyError("You have no quota: 10 requests per minute").rule).toBe("per-minute-window");
    expect(classifyError("You have no quota").rule).toBe("copilot-quota-exceeded");
  });
});

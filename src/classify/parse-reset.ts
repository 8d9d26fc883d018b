/**
 * Reads when a provider said its limit resets, from headers, body fields and texts, and turns it into
 * `retryAfterMs` (how long to wait) and `resetAt` (epoch ms). Pure: the clock is a parameter.
 *
 * Sources, most authoritative first (the first one that yields a sane time wins):
 * 1. headers `retry-after-ms`, `retry-after` (seconds or HTTP date), `anthropic-ratelimit-unified-reset`
 *    (epoch seconds), `x-ratelimit-reset` (epoch s/ms, ISO date or duration);
 * 2. per-window headers `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-reset` (ISO)
 *    and `x-ratelimit-reset-{requests,tokens}` (durations like `2m59.56s`), only for transient kinds:
 *    on a quota error they describe the per-minute windows, not the quota;
 * 3. body fields: Codex `resets_at` / `resets_in_seconds`, Google `RetryInfo.retryDelay`;
 * 4. texts: "usage limit reached|<epoch>", dated resets ("It will reset at 2026-05-11 01:20:12 +0800 CST",
 *    "regain access on 2026-04-01 at 00:00 UTC", "将在 2026-05-11 01:20:12 重置"), then relative ones
 *    ("try again in 9m38.016s", "Please retry in 20.04s", "retry after 60 seconds", "Resets in 2h 13m",
 *    "(reset after 19h 24m 10s)", "请于 5 分钟后重试").
 *
 * Nonsense is rejected: NaN, negative waits, resets in the past, anything more than 30 days away.
 */
import type { ErrorFields } from "./extract-error-fields";
import { searchedWindow } from "./searched-window";
import type { VerdictKind } from "./verdict";
import { fromTexts, UNIT_MS } from "./reset-text";
import { absolute, relative, SECOND, type Ctx, type ResetTimes } from "./reset-times";

/**
 * Finds the provider's reset time in `fields`.
 *
 * @param fields - what {@link extractErrorFields} returned.
 * @param now - the clock (epoch ms); relative waits become `resetAt = now + ms`.
 * @param kind - the verdict kind; per-window rate-limit headers are ignored for `quota` and `auth-pool`.
 *
 * @example
 * ```ts
 * parseReset(extractErrorFields({ type: "retry", message: "Resets in 2h 13m" }), 0)
 * // => { retryAfterMs: 7_980_000, resetAt: 7_980_000 }
 * ```
 */
export function parseReset(fields: ErrorFields, now: number, kind?: VerdictKind): ResetTimes {
  try {
    const ctx: Ctx = { now };
    const transient = kind !== "quota" && kind !== "auth-pool";
    return (
      fromHeaders(fields.headers, ctx) ??
      (transient ? fromWindowHeaders(fields.headers, ctx) : undefined) ??
      fromBody(fields, ctx) ??
      fromTexts(textsOf(fields), ctx) ??
      {}
    );
  } catch {
    return {};
  }
}

/**
 * Reads a reset from one text (the text rules of {@link parseReset}).
 *
 * @example
 * ```ts
 * resetFromText("Please try again in 9.816s.", 0) // => { retryAfterMs: 9816, resetAt: 9816 }
 * ```
 */
export function resetFromText(text: string, now: number): ResetTimes {
  try {
    return fromTexts([text], { now }) ?? {};
  } catch {
    return {};
  }
}

// ── Headers ───────────────────────────────────────────────────────────────────────────────────

function fromHeaders(headers: Readonly<Record<string, string>>, ctx: Ctx): ResetTimes | undefined {
  // A zero `retry-after` says nothing (Groq sends `retry-after: 0` with "try again in 9m38s" in the text).
  const ms = headers["retry-after-ms"];
  if (ms !== undefined && isDecimal(ms) && Number(ms) > 0) {
    const r = relative(Number(ms), ctx);
    if (r) return r;
  }
  const after = headers["retry-after"];
  if (after !== undefined && !(isDecimal(after) && Number(after) <= 0)) {
    const r = isDecimal(after) ? relative(Number(after) * SECOND, ctx) : absolute(Date.parse(after), ctx);
    if (r) return r;
  }
  const unified = headers["anthropic-ratelimit-unified-reset"];
  if (unified !== undefined) {
    const r = headerValue(unified, ctx);
    if (r) return r;
  }
  const reset = headers["x-ratelimit-reset"];
  if (reset !== undefined) {
    const r = headerValue(reset, ctx);
    if (r) return r;
  }
  return undefined;
}

const WINDOW_HEADERS: readonly (readonly [reset: string, remaining: string])[] = [
  ["anthropic-ratelimit-requests-reset", "anthropic-ratelimit-requests-remaining"],
  ["anthropic-ratelimit-tokens-reset", "anthropic-ratelimit-tokens-remaining"],
  ["anthropic-ratelimit-input-tokens-reset", "anthropic-ratelimit-input-tokens-remaining"],
  ["anthropic-ratelimit-output-tokens-reset", "anthropic-ratelimit-output-tokens-remaining"],
  ["x-ratelimit-reset-requests", "x-ratelimit-remaining-requests"],
  ["x-ratelimit-reset-tokens", "x-ratelimit-remaining-tokens"],
];

/** The latest reset among the spent windows (remaining 0), or among all windows when none says so. */
function fromWindowHeaders(headers: Readonly<Record<string, string>>, ctx: Ctx): ResetTimes | undefined {
  let spent: ResetTimes | undefined;
  let any: ResetTimes | undefined;
  for (const [resetName, remainingName] of WINDOW_HEADERS) {
    const value = headers[resetName];
    if (value === undefined) continue;
    const r = headerValue(value, ctx);
    if (!r) continue;
    if (later(r, any)) any = r;
    if (headers[remainingName]?.trim() === "0" && later(r, spent)) spent = r;
  }
  return spent ?? any;
}

function later(a: ResetTimes, b: ResetTimes | undefined): boolean {
  return b === undefined || (a.resetAt ?? 0) > (b.resetAt ?? 0);
}

/** A reset header value: epoch seconds or ms, a small number of seconds, a duration, or a date. */
function headerValue(raw: string, ctx: Ctx): ResetTimes | undefined {
  const value = raw.trim();
  if (/^\d{12,14}$/.test(value)) return absolute(Number(value), ctx);
  if (/^\d{9,11}$/.test(value)) return absolute(Number(value) * SECOND, ctx);
  if (isDecimal(value)) return relative(Number(value) * SECOND, ctx);
  const compact = parseCompactDuration(value);
  if (compact !== undefined) return relative(compact, ctx);
  return absolute(Date.parse(value), ctx);
}

function isDecimal(value: string): boolean {
  return value.length <= 32 && /^\s*\d+(?:\.\d+)?\s*$/.test(value);
}

/** `2m59.56s`, `7.66s`, `1h2m`, `20ms`, `6m0s` (OpenAI/Groq `x-ratelimit-reset-*`, Google `retryDelay`). */
function parseCompactDuration(value: string): number | undefined {
  if (value.length > 64 || !/^(?:\d+(?:\.\d+)?(?:ms|h|m|s|d))+$/.test(value)) return undefined;
  let total = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s|d)/g)) {
    total += Number(m[1]) * UNIT_MS[m[2] as string]!;
  }
  return total;
}

// ── Body fields ───────────────────────────────────────────────────────────────────────────────

function fromBody(fields: ErrorFields, ctx: Ctx): ResetTimes | undefined {
  if (fields.resetsAt !== undefined) {
    const epoch = fields.resetsAt > 1e12 ? fields.resetsAt : fields.resetsAt * SECOND;
    const r = absolute(epoch, ctx);
    if (r) return r;
  }
  if (fields.resetsInSeconds !== undefined) {
    const r = relative(fields.resetsInSeconds * SECOND, ctx);
    if (r) return r;
  }
  if (fields.retryDelay !== undefined) {
    const d = parseCompactDuration(fields.retryDelay.trim());
    if (d !== undefined) return relative(d, ctx);
  }
  return undefined;
}

// ── Texts ─────────────────────────────────────────────────────────────────────────────────────

function textsOf(fields: ErrorFields): string[] {
  const out: string[] = [];
  for (const t of [fields.message, fields.nestedMessage, fields.bodyText]) {
    if (t === undefined || t.length === 0) continue;
    const w = searchedWindow(t);
    if (!out.includes(w)) out.push(w);
  }
  return out;
}

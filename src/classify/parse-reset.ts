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

/** What {@link parseReset} found; both absent when the provider said nothing usable. */
export interface ResetTimes {
  /** How long to wait, in ms (rounded). */
  readonly retryAfterMs?: number;
  /** Epoch ms of the reset. */
  readonly resetAt?: number;
}

/** Waits or resets further away than this are treated as nonsense. */
export const MAX_RESET_HORIZON_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Offset (minutes east of UTC) assumed for a dated reset that names no zone. Every provider seen printing
 * zoneless reset times is Chinese and prints Beijing time (UTC+8): Zhipu/Z.ai 1308 "Your limit will reset
 * at 2026-05-25 19:22:49" (measured against request-id stamps in public code), Volcengine's "+0800 CST".
 */
export const NAIVE_RESET_OFFSET_MINUTES = 8 * 60;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

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

interface Ctx {
  readonly now: number;
}

function relative(ms: number, ctx: Ctx): ResetTimes | undefined {
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_RESET_HORIZON_MS) return undefined;
  const wait = Math.round(ms);
  return { retryAfterMs: wait, resetAt: ctx.now + wait };
}

function absolute(epochMs: number, ctx: Ctx): ResetTimes | undefined {
  if (!Number.isFinite(epochMs)) return undefined;
  const at = Math.round(epochMs);
  const wait = at - ctx.now;
  if (wait <= 0 || wait > MAX_RESET_HORIZON_MS) return undefined;
  return { retryAfterMs: wait, resetAt: at };
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

function fromTexts(texts: readonly string[], ctx: Ctx): ResetTimes | undefined {
  for (const text of texts) {
    const r = epochAfterBar(text, ctx) ?? datedReset(text, ctx) ?? relativeReset(text, ctx);
    if (r) return r;
  }
  return undefined;
}

/** Claude Code's print-mode "Claude AI usage limit reached|1760000400" (epoch seconds, or ms). */
function epochAfterBar(text: string, ctx: Ctx): ResetTimes | undefined {
  const m = /\busage limit reached\s*\|\s*(\d{9,13})\b/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  return absolute(n > 1e12 ? n : n * SECOND, ctx);
}

/** Phrases after which a date follows. */
const DATE_ANCHORS =
  /\b(?:(?:will )?resets?|reset) (?:at|on)\s+|\bregain access on\s+|将(?:在|于)\s*|请(?:于|在)\s*|重置时间[:：]?\s*/gi;

/** `2026-05-11 01:20:12 +0800`, `2026-05-11T01:20:12Z`, `2026-04-01 at 00:00 UTC`. */
const DATE_AT =
  /(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:T|\s+(?:at\s+)?)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(?:\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})\b)?/y;

function datedReset(text: string, ctx: Ctx): ResetTimes | undefined {
  for (const anchor of text.matchAll(DATE_ANCHORS)) {
    const at = parseDateAt(text, (anchor.index ?? 0) + anchor[0].length);
    if (at !== undefined) {
      const r = absolute(at, ctx);
      if (r) return r;
    }
  }
  return undefined;
}

function parseDateAt(text: string, index: number): number | undefined {
  DATE_AT.lastIndex = index;
  const m = DATE_AT.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  // "01:20:12.5" is 500 ms: pad the fraction to three digits.
  const milli = m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0"));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const offsetMinutes = parseOffset(m[8]);
  return Date.UTC(year, month - 1, day, hour, minute, second, milli) - offsetMinutes * MINUTE;
}

function parseOffset(zone: string | undefined): number {
  if (zone === undefined) return NAIVE_RESET_OFFSET_MINUTES;
  const z = zone.toUpperCase();
  if (z === "Z" || z === "UTC" || z === "GMT") return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!m) return NAIVE_RESET_OFFSET_MINUTES;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === "-" ? -minutes : minutes;
}

/** Phrases after which a duration follows. */
const DURATION_ANCHORS =
  /\b(?:try again|retry|retrying|resets?|reset)\s+(?:in|after)\s+(?:~\s*|about\s+)?|请(?:于|在)\s*|将(?:在|于)\s*/gi;

/** One duration token; longer unit names first so `ms` is not read as minutes. */
const DURATION_TOKEN =
  /(\d+(?:\.\d+)?)\s*(milliseconds?|msecs?|ms|minutes?|mins?|m|seconds?|secs?|s|hours?|hrs?|h|days?|d|weeks?|w|小时|分钟|秒钟|秒|分|天|周)(?![a-z])/iy;

const DURATION_SEPARATOR = /[\s,]*(?:and\s+)?/iy;

function relativeReset(text: string, ctx: Ctx): ResetTimes | undefined {
  for (const anchor of text.matchAll(DURATION_ANCHORS)) {
    const ms = parseDurationAt(text, (anchor.index ?? 0) + anchor[0].length);
    if (ms !== undefined) {
      const r = relative(ms, ctx);
      if (r) return r;
    }
  }
  return undefined;
}

/** Sums consecutive duration tokens ("5 days 22 hours 11 minutes", "9m38.016s", "2小时30分钟"). */
function parseDurationAt(text: string, index: number): number | undefined {
  let total = 0;
  let tokens = 0;
  let pos = index;
  for (;;) {
    DURATION_TOKEN.lastIndex = pos;
    const m = DURATION_TOKEN.exec(text);
    if (!m) break;
    const unit = UNIT_MS[normalizeUnit(m[2] as string)];
    if (unit === undefined) break;
    total += Number(m[1]) * unit;
    tokens++;
    pos = DURATION_TOKEN.lastIndex;
    DURATION_SEPARATOR.lastIndex = pos;
    if (DURATION_SEPARATOR.exec(text)) pos = DURATION_SEPARATOR.lastIndex;
    if (tokens >= 8) break;
  }
  return tokens > 0 ? total : undefined;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: SECOND,
  m: MINUTE,
  h: HOUR,
  d: DAY,
  w: 7 * DAY,
};

function normalizeUnit(unit: string): string {
  const u = unit.toLowerCase();
  if (u === "ms" || u.startsWith("msec") || u.startsWith("millisecond")) return "ms";
  if (u === "m" || u.startsWith("min") || u === "分钟" || u === "分") return "m";
  if (u === "s" || u.startsWith("sec") || u === "秒" || u === "秒钟") return "s";
  if (u === "h" || u.startsWith("hour") || u.startsWith("hr") || u === "小时") return "h";
  if (u === "d" || u.startsWith("day") || u === "天") return "d";
  if (u === "w" || u.startsWith("week") || u === "周") return "w";
  return u;
}

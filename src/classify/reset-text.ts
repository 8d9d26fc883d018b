/* Resets written in words: "usage limit reached|<epoch>", dated resets, then relative waits, in English and Chinese. */

import { absolute, DAY, HOUR, MINUTE, relative, SECOND, type Ctx, type ResetTimes } from "./reset-times";

/**
 * Offset (minutes east of UTC) assumed for a dated reset that names no zone. Every provider seen printing
 * zoneless reset times is Chinese and prints Beijing time (UTC+8): Zhipu/Z.ai 1308 "Your limit will reset
 * at 2026-05-25 19:22:49" (measured against request-id stamps in public code), Volcengine's "+0800 CST".
 */
export const NAIVE_RESET_OFFSET_MINUTES = 8 * 60;

/** The first reset the texts name: an epoch after a bar, then a date, then a relative wait. */
export function fromTexts(texts: readonly string[], ctx: Ctx): ResetTimes | undefined {
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

export const UNIT_MS: Readonly<Record<string, number>> = {
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

/**
 * The classifier: any error OpenCode hands a plugin ▶ a {@link Verdict}. Pure and total: it never
 * throws, never does I/O, and answers `{ kind: "unknown", rule: "none" }` when no signature matches.
 */
import { extractErrorFields } from "./extract-error-fields";
import { searchedWindow } from "./searched-window";
import type { ErrorFields } from "./extract-error-fields";
import { parseReset } from "./parse-reset";
import { GENERIC_PROVIDER, SIGNATURES } from "./signatures";
import type { Signature, SignatureCondition } from "./signatures";
import type { ClassifyOptions, Verdict, VerdictKind } from "./verdict";

export type { ClassifyOptions, Verdict, VerdictKind } from "./verdict";

const UNKNOWN: Verdict = Object.freeze({ kind: "unknown", rule: "none" });

/** Kinds whose verdict carries the provider's reset time; for the others a reset means nothing. */
const TIMED_KINDS: ReadonlySet<VerdictKind> = new Set<VerdictKind>(["quota", "auth-pool", "rate-limit", "overload"]);

/**
 * Classifies an error by walking {@link SIGNATURES} in order: the first row whose condition holds
 * decides the kind, the rule (its id) and the provider (omitted for generic rows); the reset time
 * comes from what the provider said (headers, body, text).
 *
 * @param input - a `session.error` / assistant message `error` (`{ name, data }`), a `session.status`
 *   retry status (`{ type: "retry", attempt, message, next }`), a string, or anything else.
 * @param options - `now` (epoch ms) to turn relative resets into `resetAt`; default `Date.now()`.
 *
 * @example
 * ```ts
 * classifyError({ name: "APIError", data: { statusCode: 429, message: "5-hour usage limit reached. Resets in 2h 13m",
 *   responseBody: '{"type":"error","error":{"type":"GoUsageLimitError"}}' } }, { now: 0 })
 * // => { kind: "quota", rule: "opencode-go-usage-limit", provider: "opencode", retryAfterMs: 7980000, resetAt: 7980000 }
 * ```
 */
export function classifyError(input: unknown, options?: ClassifyOptions): Verdict {
  try {
    const fields = extractErrorFields(input);
    const row = findSignature(fields);
    if (row === undefined) return UNKNOWN;
    const verdict: { -readonly [K in keyof Verdict]: Verdict[K] } = { kind: row.kind, rule: row.id };
    if (row.provider !== GENERIC_PROVIDER) verdict.provider = row.provider;
    if (row.scope) verdict.scope = row.scope;
    if (TIMED_KINDS.has(row.kind)) {
      const times = parseReset(fields, readNow(options), row.kind);
      if (times.retryAfterMs !== undefined) verdict.retryAfterMs = times.retryAfterMs;
      if (times.resetAt !== undefined) verdict.resetAt = times.resetAt;
    }
    return verdict;
  } catch {
    return UNKNOWN;
  }
}

/** Rows that win over an earlier quota row without account scope (see `Signature.overridesQuota`). */
const QUOTA_OVERRIDES: readonly Signature[] = SIGNATURES.filter((row) => row.overridesQuota === true);

/**
 * The first row of {@link SIGNATURES} that matches `fields`, if any; but a quota verdict that is not
 * the account's money gives way to a holding `overridesQuota` row (a per-minute window).
 */
function findSignature(fields: ErrorFields): Signature | undefined {
  const haystack = searchedText([fields.name, fields.message, fields.nestedMessage, fields.bodyText]);
  const message = fields.message === undefined ? undefined : searchedWindow(fields.message);
  const matches = (row: Signature) => row.when.some((condition) => holds(condition, fields, haystack, message));
  const first = SIGNATURES.find(matches);
  if (first?.kind !== "quota" || first.scope === "account") return first;
  return QUOTA_OVERRIDES.find(matches) ?? first;
}

/**
 * The texts the rows' patterns search, joined: the searched window of each (see
 * {@link searchedWindow}), and a text already contained in an earlier one only once.
 */
function searchedText(texts: readonly (string | undefined)[]): string {
  const kept: string[] = [];
  for (const text of texts) {
    if (text === undefined || text.length === 0) continue;
    const part = searchedWindow(text);
    if (!kept.some((k) => k.includes(part))) kept.push(part);
  }
  return kept.join("\n");
}

function holds(c: SignatureCondition, f: ErrorFields, haystack: string, message: string | undefined): boolean {
  if (c.retryStatus !== undefined && c.retryStatus !== f.isRetryStatus) return false;
  if (c.name !== undefined && !equalsAny(c.name, f.name)) return false;
  if (c.status !== undefined && (f.statusCode === undefined || !c.status.includes(f.statusCode))) return false;
  if (c.errorType !== undefined && !equalsAny(c.errorType, f.errorType)) return false;
  if (c.errorCode !== undefined && !equalsAny(c.errorCode, f.errorCode)) return false;
  if (c.googleStatus !== undefined && !equalsAny(c.googleStatus, f.errorStatus)) return false;
  const quotaId = c.quotaId;
  if (quotaId !== undefined && !f.quotaIds.some((id) => quotaId.test(id))) return false;
  if (c.header !== undefined) {
    const value = f.headers[c.header.name];
    if (value === undefined || !c.header.value.test(value)) return false;
  }
  if (c.message !== undefined && (message === undefined || !c.message.test(message))) return false;
  if (c.text !== undefined) {
    const patterns: readonly RegExp[] = c.text instanceof RegExp ? [c.text] : c.text;
    if (!patterns.every((p) => p.test(haystack))) return false;
  }
  if (c.notText !== undefined && c.notText.test(haystack)) return false;
  return true;
}

function equalsAny(candidates: readonly string[], value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  return candidates.some((c) => c.toLowerCase() === v);
}

function readNow(options: ClassifyOptions | undefined): number {
  try {
    const now: unknown = options?.now;
    return typeof now === "number" && Number.isFinite(now) ? now : Date.now();
  } catch {
    return Date.now();
  }
}

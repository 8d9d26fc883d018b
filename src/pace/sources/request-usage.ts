import type { z } from "zod";
import { redactSecrets } from "../../support/redact";
import type { HttpGet, UsageSource } from "../usage-types";
import { UsageTimeoutError, withTimeout } from "./http";

/** What a step of a usage read gives: a value, or the reason the read stops there. */
export type Answer<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Sent to every usage endpoint, so a provider can tell these reads from its own clients. */
export const USAGE_USER_AGENT = "opencode-session-fallback";

/** A source that waits on its port longer than this answers `{ ok: false }` anyway. */
export const DEFAULT_SOURCE_TIMEOUT_MS = 20_000;

/** Secrets shorter than this are not searched for: they would mangle ordinary words, and no real token is that short. */
const MIN_SECRET_LENGTH = 8;

/**
 * Removes every credential of the request from `text`, then anything shaped like a credential
 * ({@link redactSecrets}). Applied to every reason a source gives, since reasons end up in log lines and
 * toasts, and an error from the HTTP port (or a provider's body) may echo the token it was sent.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join("[redacted]");
  return redactSecrets(out);
}

/** A short, secret-free description of anything thrown: the timeout, an Error's name and message, or its type. */
export function describeThrown(error: unknown, secrets: readonly string[]): string {
  if (error instanceof UsageTimeoutError) return error.message;
  if (error instanceof Error) {
    const text = error.message ? `${error.name}: ${error.message}` : error.name;
    // Scrubbed before it is cut: a cut through a token would leave a piece no exact match finds.
    return scrubSecrets(text, secrets).slice(0, 200);
  }
  return typeof error === "string" ? scrubSecrets(error, secrets).slice(0, 200) : `a thrown ${error === null ? "null" : typeof error}`;
}

/** One GET of a usage endpoint, as {@link requestUsage} makes it. */
export interface UsageRequest {
  readonly http: HttpGet;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The credentials the request carries; no reason may contain them. */
  readonly secrets: readonly string[];
  readonly timeoutMs: number;
  /** Appended to the reason of a 401/403: what the user can do about it. */
  readonly refusedHint: string;
}

/**
 * GETs a usage endpoint and returns its JSON body, or the reason there is none: the port threw or ran
 * past `timeoutMs` (`request failed (…)`), the provider refused the credentials (401/403:
 * `credentials refused (…)`), answered another non-2xx status, or sent no JSON. Never throws.
 */
export async function requestUsage(request: UsageRequest): Promise<Answer<unknown>> {
  let response: unknown;
  try {
    response = await withTimeout(() => request.http(request.url, request.headers), request.timeoutMs);
  } catch (error) {
    return { ok: false, reason: `request failed (${describeThrown(error, request.secrets)})` };
  }
  const status = typeof response === "object" && response !== null ? (response as { status?: unknown }).status : undefined;
  if (typeof status !== "number" || !Number.isInteger(status)) {
    return { ok: false, reason: "request failed (the HTTP port answered without a status)" };
  }
  if (status === 401 || status === 403) return { ok: false, reason: `credentials refused (HTTP ${status}); ${request.refusedHint}` };
  if (status < 200 || status > 299) return { ok: false, reason: `usage endpoint answered HTTP ${status}` };
  const json = (response as { json?: unknown }).json;
  if (json === null || json === undefined) return { ok: false, reason: "unexpected response shape (body is not JSON)" };
  return { ok: true, value: json };
}

/** The value at `path` inside `data`, or undefined when the path leaves the data. */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let here: unknown = data;
  for (const key of path) {
    if (typeof here !== "object" || here === null) return undefined;
    here = (here as Record<PropertyKey, unknown>)[key];
  }
  return here;
}

/**
 * Says what is wrong with `data` in a few words, from the first zod issue: `five_hour.utilization missing`,
 * `rate_limit.primary_window is not an object`, or a refinement's own message. Path segments come from the
 * schema's field names (the sources use no records), never from the data, so no provider text leaks in.
 */
export function describeShapeIssue(error: z.ZodError, data: unknown): string {
  const issue = error.issues[0];
  if (!issue) return "invalid";
  const path = issue.path.map(String).join(".") || "body";
  if (issue.code === "custom") return issue.path.length > 0 ? `${path}: ${issue.message}` : issue.message;
  if (valueAt(data, issue.path) === undefined) return `${path} missing`;
  if (issue.code === "invalid_type") return `${path} is not ${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}`;
  return `${path} is invalid`;
}

/** Parses `data` with `schema`; a mismatch is `unexpected response shape (<what is wrong>)`. */
export function parseShape<T>(schema: z.ZodType<T>, data: unknown): Answer<T> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, reason: `unexpected response shape (${describeShapeIssue(parsed.error, data)})` };
}

/** `https://api.x.com/` → `https://api.x.com`: base URLs are joined with paths that start with `/`. */
export function trimBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "");
}

/** What `UsageSource.read` answers. */
export type SourceAnswer = Awaited<ReturnType<UsageSource["read"]>>;

/**
 * Runs a source's read so that it cannot throw into the router: the steps are total already, and this is
 * the one guard at the boundary should one of them not be. Every reason leaves scrubbed of `secrets()`.
 */
export async function guardRead(sourceId: string, secrets: () => readonly string[], run: () => Promise<SourceAnswer>): Promise<SourceAnswer> {
  try {
    const answer = await run();
    return answer.ok ? answer : { ok: false, reason: scrubSecrets(answer.reason, secrets()) };
  } catch (error) {
    return { ok: false, reason: `the ${sourceId} usage read failed unexpectedly (${describeThrown(error, secrets())})` };
  }
}

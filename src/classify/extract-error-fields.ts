/**
 * Turns whatever OpenCode hands a plugin as an error into one flat, bounded record.
 *
 * Inputs seen on OpenCode 1.18.33 (message-v2 error types, `session/retry.ts`, and a real `opencode serve`):
 * - `session.error` `error` and an assistant message's `error`: `{ name, data }`, where `data` may hold
 *   `message`, `statusCode`, `isRetryable`, `responseHeaders`, `responseBody` (a string, often JSON),
 *   `metadata`, `providerID`;
 * - a `session.status` retry status: `{ type: "retry", attempt, message, next }` (a normalized string,
 *   no status code, no body);
 * - a plain string, and anything else a buggy host or plugin may pass (null, numbers, cycles, Proxies,
 *   getters that throw, 10 MB strings).
 *
 * The function is total: every property access is guarded, every text is capped, and nothing here
 * walks an object graph without a bound.
 */

import { arrayLength, cap, get, isObjectLike, MAX_NAME_CHARS, newRecord, parseEmbeddedJson, parseJsonText, readCode, readHeaders, readNumber, readStatus, readText } from "./read-value";

/** The most characters kept of any one text (message, body): a 10 MB body costs a 64 KiB slice. */
export const MAX_TEXT_CHARS = 64 * 1024;

/** How far a JSON body whose `message` is itself JSON is unwrapped (gemini-cli double-encodes). */
const MAX_JSON_NESTING = 3;

/**
 * The flat record {@link extractErrorFields} returns. Every text is at most {@link MAX_TEXT_CHARS}
 * long; header names are lower-cased.
 */
export interface ErrorFields {
  /** `name` of the error (`APIError`, `UnknownError`, `MessageAbortedError`, …). */
  readonly name?: string;
  /** `data.message`, the retry status `message`, or the input itself when it is a string. */
  readonly message?: string;
  /** HTTP status from the structured `statusCode` (or `status`) field, never from text. */
  readonly statusCode?: number;
  /** `data.isRetryable` as OpenCode set it (the AI SDK default). */
  readonly isRetryable?: boolean;
  /** `data.providerID` (set on `ProviderAuthError`). */
  readonly providerID?: string;
  /** Response headers with lower-cased names (plus OpenRouter's `error.metadata.headers`). */
  readonly headers: Readonly<Record<string, string>>;
  /** `data.responseBody` as text. */
  readonly bodyText?: string;
  /** The parsed JSON of the body, or of the message when the message is (or ends in) JSON. */
  readonly bodyJson?: unknown;
  /** `error.type` of the provider's JSON (`insufficient_quota`, `overloaded_error`, …). */
  readonly errorType?: string;
  /** `error.code` of the provider's JSON, numbers turned to text (`"1113"`, `"429"`). */
  readonly errorCode?: string;
  /** Google's `error.status` (`RESOURCE_EXHAUSTED`). */
  readonly errorStatus?: string;
  /** The provider's own message inside the JSON (`error.message`, or `error` when it is a string). */
  readonly nestedMessage?: string;
  /** Google `QuotaFailure` `violations[].quotaId` values (`…PerDayPerProjectPerModel-FreeTier`). */
  readonly quotaIds: readonly string[];
  /** Google `RetryInfo.retryDelay` (`"20s"`). */
  readonly retryDelay?: string;
  /** Codex `resets_at` (epoch seconds). */
  readonly resetsAt?: number;
  /** Codex `resets_in_seconds`. */
  readonly resetsInSeconds?: number;
  /** True when the input is a `session.status` retry status. */
  readonly isRetryStatus: boolean;
  /** The retry status `attempt`. */
  readonly retryAttempt?: number;
  /** The retry status `next` (epoch ms of OpenCode's own next attempt, not a provider reset). */
  readonly retryNext?: number;
}

interface Described {
  errorType?: string;
  errorCode?: string;
  errorStatus?: string;
  nestedMessage?: string;
  quotaIds: string[];
  retryDelay?: string;
  resetsAt?: number;
  resetsInSeconds?: number;
  headers: Record<string, string>;
}

const EMPTY: ErrorFields = Object.freeze({
  headers: Object.freeze(Object.create(null) as Record<string, string>),
  quotaIds: Object.freeze([] as string[]),
  isRetryStatus: false,
});

/**
 * Flattens any input into {@link ErrorFields}. Never throws; unknown shapes give an almost empty record.
 *
 * @example
 * ```ts
 * extractErrorFields({ name: "APIError", data: { statusCode: 429, message: "…",
 *   responseBody: '{"error":{"type":"insufficient_quota","code":"insufficient_quota"}}' } })
 * // => { name: "APIError", statusCode: 429, errorType: "insufficient_quota", errorCode: "insufficient_quota", … }
 * ```
 */
export function extractErrorFields(input: unknown): ErrorFields {
  try {
    return extract(input);
  } catch {
    return EMPTY;
  }
}

function extract(input: unknown): ErrorFields {
  if (typeof input === "string") {
    const message = cap(input, MAX_TEXT_CHARS);
    return withBody({ message, isRetryStatus: false, headers: newRecord() }, parseJsonText(message) ?? parseEmbeddedJson(message));
  }
  if (!isObjectLike(input)) return EMPTY;

  if (get(input, "type") === "retry") {
    const message = readText(get(input, "message"), MAX_TEXT_CHARS);
    return withBody(
      {
        message,
        isRetryStatus: true,
        retryAttempt: readNumber(get(input, "attempt")),
        retryNext: readNumber(get(input, "next")),
        headers: newRecord(),
      },
      message === undefined ? undefined : parseEmbeddedJson(message),
    );
  }

  const dataValue = get(input, "data");
  const outer = isObjectLike(dataValue) ? dataValue : input;
  // The error one level deeper, as other plugins and SDK wrappers pass it on:
  // `{ error: { statusCode, message, responseBody } }`, `{ data: { error: { code, message } } }`.
  const inner = get(outer, "error");
  const wrapped = isObjectLike(inner) && get(outer, "message") === undefined && get(outer, "statusCode") === undefined && get(outer, "responseBody") === undefined;
  const innerData = wrapped ? get(inner, "data") : undefined;
  const src = wrapped ? (isObjectLike(innerData) ? innerData : inner) : outer;
  const message = readText(get(src, "message"), MAX_TEXT_CHARS);
  const bodyValue = get(src, "responseBody");
  const bodyText = readText(bodyValue, MAX_TEXT_CHARS);
  const retryable = get(src, "isRetryable");
  const base: Mutable = {
    name: readText(get(input, "name"), MAX_NAME_CHARS) ?? (wrapped ? readText(get(inner, "name"), MAX_NAME_CHARS) : undefined),
    message,
    statusCode: readStatus(get(src, "statusCode")) ?? readStatus(get(src, "status")),
    isRetryable: typeof retryable === "boolean" ? retryable : undefined,
    providerID: readText(get(src, "providerID"), MAX_NAME_CHARS),
    headers: readHeaders(get(src, "responseHeaders") ?? get(src, "headers")),
    bodyText,
    isRetryStatus: false,
  };

  let json: unknown;
  if (bodyText !== undefined) json = parseJsonText(bodyText);
  else if (isObjectLike(bodyValue)) json = bodyValue;
  // A provider's raw JSON handed over as an object (`{ error: { type, message } }`).
  if (json === undefined && !isObjectLike(dataValue) && isObjectLike(get(input, "error"))) json = input;
  if (json === undefined && message !== undefined) json = parseJsonText(message) ?? parseEmbeddedJson(message);
  // A wrapped provider error without a body is itself the provider's error JSON (`code`, `type`, `message`).
  if (json === undefined && wrapped && src === inner) json = { error: inner };
  return withBody(base, json);
}

type Mutable = { -readonly [K in keyof ErrorFields]?: ErrorFields[K] } & {
  headers: Record<string, string>;
  isRetryStatus: boolean;
};

function withBody(base: Mutable, json: unknown): ErrorFields {
  if (json === undefined) return { ...base, quotaIds: [] };
  const d = describe(json, 0);
  const headers = base.headers;
  // Response headers win over the copies OpenRouter nests in its body.
  for (const key of Object.keys(d.headers)) {
    if (headers[key] === undefined) headers[key] = d.headers[key] as string;
  }
  return {
    ...base,
    headers,
    bodyJson: json,
    errorType: d.errorType,
    errorCode: d.errorCode,
    errorStatus: d.errorStatus,
    nestedMessage: d.nestedMessage,
    quotaIds: d.quotaIds,
    retryDelay: d.retryDelay,
    resetsAt: d.resetsAt,
    resetsInSeconds: d.resetsInSeconds,
  };
}

/** Reads the error part of a provider's JSON body, unwrapping a JSON `message` a few levels deep. */
function describe(json: unknown, depth: number): Described {
  const errorValue = get(json, "error");
  // OpenAI, Anthropic and Google nest under `error`; Mistral, DashScope and xAI are flat.
  const err = isObjectLike(errorValue) ? errorValue : json;
  const rawType = readText(get(err, "type"), MAX_NAME_CHARS);
  const status = readText(get(err, "status"), MAX_NAME_CHARS);
  const out: Described = {
    // Anthropic's top-level `"type": "error"` says nothing; the nested type does.
    errorType: rawType === "error" ? undefined : rawType,
    errorCode: readCode(get(err, "code")),
    errorStatus: status !== undefined && /^[A-Z][A-Z_]{1,63}$/.test(status) ? status : undefined,
    nestedMessage:
      readText(get(err, "message"), MAX_TEXT_CHARS) ??
      readText(errorValue, MAX_TEXT_CHARS) ??
      readText(get(json, "message"), MAX_TEXT_CHARS),
    quotaIds: [],
    resetsAt: readNumber(get(err, "resets_at")) ?? readNumber(get(json, "resets_at")),
    resetsInSeconds: readNumber(get(err, "resets_in_seconds")) ?? readNumber(get(json, "resets_in_seconds")),
    headers: readHeaders(get(get(err, "metadata"), "headers")),
  };
  readDetails(get(err, "details"), out);

  // gemini-cli shows a JSON body whose `error.message` is itself the JSON text of Google's error.
  if (depth < MAX_JSON_NESTING && out.nestedMessage !== undefined) {
    const inner = parseJsonText(out.nestedMessage);
    if (isObjectLike(inner)) {
      const d = describe(inner, depth + 1);
      return {
        errorType: out.errorType ?? d.errorType,
        errorCode: out.errorCode ?? d.errorCode,
        errorStatus: out.errorStatus ?? d.errorStatus,
        nestedMessage: d.nestedMessage ?? out.nestedMessage,
        quotaIds: out.quotaIds.length > 0 ? out.quotaIds : d.quotaIds,
        retryDelay: out.retryDelay ?? d.retryDelay,
        resetsAt: out.resetsAt ?? d.resetsAt,
        resetsInSeconds: out.resetsInSeconds ?? d.resetsInSeconds,
        headers: { ...d.headers, ...out.headers },
      };
    }
  }
  return out;
}

/** Google `details[]`: `QuotaFailure.violations[].quotaId` and `RetryInfo.retryDelay`. */
function readDetails(details: unknown, out: Described): void {
  const n = arrayLength(details);
  for (let i = 0; i < n; i++) {
    const item = get(details, String(i));
    const delay = readText(get(item, "retryDelay"), 64);
    if (delay !== undefined && out.retryDelay === undefined) out.retryDelay = delay;
    const violations = get(item, "violations");
    const m = arrayLength(violations);
    for (let j = 0; j < m; j++) {
      const id = readText(get(get(violations, String(j)), "quotaId"), MAX_NAME_CHARS);
      if (id !== undefined) out.quotaIds.push(id);
    }
  }
}

/**
 * The classes an error can fall into. `quota` and `auth-pool` mean the lane cannot serve until a
 * reset or a top-up; `rate-limit` and `overload` are transient; `context` and `abort` are never a
 * reason to change lanes.
 */
export type VerdictKind =
  | "quota"
  | "auth-pool"
  | "auth"
  | "rate-limit"
  | "overload"
  | "context"
  | "abort"
  | "unknown";

/**
 * What the classifier says of one error.
 *
 * @example
 * ```ts
 * classifyError({ name: "APIError", data: { statusCode: 429, message: "...", responseBody: "{...insufficient_quota...}" } })
 * // => { kind: "quota", rule: "openai-insufficient-quota", provider: "openai" }
 * ```
 */
export interface Verdict {
  /** The class of the error. */
  readonly kind: VerdictKind;
  /** Id of the signature row that matched; `"none"` when none did. */
  readonly rule: string;
  /** Provider family the matched signature belongs to, when known. */
  readonly provider?: string;
  /** How long the provider asked to wait, in milliseconds, when it said so. */
  readonly retryAfterMs?: number;
  /** Epoch milliseconds at which the quota or window resets, when the provider said so. */
  readonly resetAt?: number;
  /** `account` when the error says the whole account or key is out, not only this model. */
  readonly scope?: "account";
}

/** Options of {@link classifyError}. */
export interface ClassifyOptions {
  /** The clock, epoch ms, used to turn relative resets ("Resets in 2h 13m") into `resetAt`. Default `Date.now()`. */
  readonly now?: number;
}

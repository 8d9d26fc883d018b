import type { VerdictKind } from "../verdict";

/**
 * One way a signature can match: every field present must hold (AND). Absent fields are ignored.
 * Texts are searched in the error's name, message, nested provider message and body (each capped).
 */
export interface SignatureCondition {
  /** The error's `name` equals one of these (case-insensitive). */
  readonly name?: readonly string[];
  /** The structured HTTP status is one of these. */
  readonly status?: readonly number[];
  /** The provider's `error.type` equals one of these (case-insensitive). */
  readonly errorType?: readonly string[];
  /** The provider's `error.code` equals one of these (case-insensitive, numbers as text). */
  readonly errorCode?: readonly string[];
  /** Google's `error.status` equals one of these. */
  readonly googleStatus?: readonly string[];
  /** Some Google `QuotaFailure` `quotaId` matches. */
  readonly quotaId?: RegExp;
  /** A response header (lower-case name) is present and its value matches. */
  readonly header?: { readonly name: string; readonly value: RegExp };
  /** Only (true) or never (false) for a `session.status` retry status. */
  readonly retryStatus?: boolean;
  /** The top-level message (only) matches. */
  readonly message?: RegExp;
  /** Every one of these patterns matches the texts. */
  readonly text?: RegExp | readonly RegExp[];
  /** This pattern must NOT match the texts. */
  readonly notText?: RegExp;
}

/** One row of {@link SIGNATURES}. */
export interface Signature {
  /** Stable id; becomes `Verdict.rule`. */
  readonly id: string;
  /** Provider family; {@link GENERIC_PROVIDER} for rows that hold across providers. */
  readonly provider: string;
  /** The class the row assigns. */
  readonly kind: VerdictKind;
  /**
   * `account` when the error itself says the whole account or key is out (an empty balance, a refused
   * key), not only the model: every lane of the provider then shares the failure's pool.
   */
  readonly scope?: "account";
  /**
   * True for a row that wins over an earlier `quota` row without account scope when both hold: a
   * per-minute window is a rate limit whatever quota words come with it. Provider rows keep their
   * place (and their ids); the money of an account (scope `account`) is never overridden.
   */
  readonly overridesQuota?: true;
  /** Alternatives (OR); each is an AND of its fields. */
  readonly when: readonly SignatureCondition[];
  /** A real sample of what the row matches (its text, or the decisive field). */
  readonly sample: string;
  /** Where the sample was seen: a corpus source, an issue or a documentation page. */
  readonly seen: string;
  /** Why the row is where it is, or what a policy author must know. */
  readonly note?: string;
}

/** Provider of rows that hold across providers; such verdicts carry no `provider`. */
export const GENERIC_PROVIDER = "generic";

import { formatMs } from "../support/format";
import type { Settings } from "../settings/settings";
import type { Verdict } from "../classify/verdict";

/** The rule id of the Anthropic SDK's connectivity wrapper error ("Connection error."). */
export const CONNECTION_ERROR_RULE = "anthropic-sdk-connection-error";

/**
 * The drill provider: only for its models is a connectivity error a reason to fall back, so that a
 * fallback drill can be run by breaking the connection to a test proxy. No other provider gains
 * connectivity fallback.
 */
export const DRILL_PROVIDER = "cliproxy_fault";

/** How the failure reached the plugin. */
export type Trigger = "retry" | "error" | "idle";

/** What is known of the failure besides the verdict. */
export interface FailureContext {
  readonly trigger: Trigger;
  /** Provider of the failing lane, when known. */
  readonly providerID?: string;
  /** Epoch ms at which OpenCode will retry (`session.status` retry `next`), for the retry trigger. */
  readonly retryAt?: number;
  /** The clock, epoch ms. */
  readonly now: number;
}

/** Whether to leave the lane, and why, in words for the log and the toast. */
export type FallbackDecision =
  | { readonly fallback: true; readonly why: string }
  | { readonly fallback: false; readonly why: string };

/**
 * Whether a verdict could lead to a fallback at all, before anything else is known. Lets the plugin
 * skip reading the session for errors it will never act on (aborts, context overflow, unknown errors).
 */
export function mayFallBack(verdict: Verdict): boolean {
  if (verdict.kind === "abort" || verdict.kind === "context") return false;
  if (verdict.kind === "unknown") return verdict.rule === CONNECTION_ERROR_RULE;
  return true;
}

/**
 * The policy, apart from classification: which verdicts leave the lane.
 *
 * - `abort` and `context` never (the user stopped the turn; OpenCode compacts by itself).
 * - Kinds in `settings.fallbackOn` (default quota, auth-pool, auth) at once.
 * - `rate-limit` and `overload` when the announced wait is longer than `settings.maxWaitMs`, or once
 *   OpenCode has given up on the turn (a `session.error`, or an idle session whose last answer failed).
 *   A short wait is left to OpenCode's own retry.
 * - The drill's connectivity error only for the `cliproxy_fault` provider.
 *
 * @example
 * ```ts
 * decideFallback({ kind: "quota", rule: "openai-insufficient-quota" }, { trigger: "retry", now }, settings)
 * // => { fallback: true, why: "quota is in OPENCODE_SESSION_FALLBACK_ON" }
 * ```
 */
export function decideFallback(verdict: Verdict, context: FailureContext, settings: Settings): FallbackDecision {
  const { kind } = verdict;
  if (kind === "abort") return { fallback: false, why: "the turn was aborted" };
  if (kind === "context") return { fallback: false, why: "context overflow is handled by OpenCode's compaction" };
  if (verdict.rule === CONNECTION_ERROR_RULE) {
    return context.providerID === DRILL_PROVIDER
      ? { fallback: true, why: `connectivity error on the drill provider ${DRILL_PROVIDER}` }
      : { fallback: false, why: `connectivity errors fall back only on the drill provider ${DRILL_PROVIDER}` };
  }
  if (kind === "unknown") return { fallback: false, why: "the error matched no signature" };
  if (settings.fallbackOn.has(kind)) return { fallback: true, why: `${kind} is in OPENCODE_SESSION_FALLBACK_ON` };
  if (kind === "rate-limit" || kind === "overload") {
    const wait = announcedWaitMs(verdict, context);
    if (wait !== undefined && wait > settings.maxWaitMs) {
      return {
        fallback: true,
        why: `${kind} with an announced wait of ${formatMs(wait)}, over OPENCODE_SESSION_FALLBACK_MAX_WAIT_MS (${formatMs(settings.maxWaitMs)})`,
      };
    }
    if (context.trigger !== "retry") return { fallback: true, why: `${kind} and OpenCode has given up retrying` };
    return {
      fallback: false,
      why: `${kind} with ${wait === undefined ? "no announced wait" : `a wait of ${formatMs(wait)}`}: left to OpenCode's own retry`,
    };
  }
  return { fallback: false, why: `${kind} is not in OPENCODE_SESSION_FALLBACK_ON` };
}

/** The longest wait the provider or OpenCode announced, in ms. */
export function announcedWaitMs(verdict: Verdict, context: FailureContext): number | undefined {
  const waits: number[] = [];
  if (verdict.retryAfterMs !== undefined) waits.push(verdict.retryAfterMs);
  if (verdict.resetAt !== undefined) waits.push(verdict.resetAt - context.now);
  if (context.retryAt !== undefined && context.retryAt > 0) waits.push(context.retryAt - context.now);
  const positive = waits.filter((w) => Number.isFinite(w) && w > 0);
  return positive.length > 0 ? Math.max(...positive) : undefined;
}

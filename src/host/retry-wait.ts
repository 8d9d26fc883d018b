import type { RetryStatus } from "./route-event";

/*
 * The wait a provider announced, read off OpenCode's retry status. The status carries no headers, only
 * `next`: the epoch ms of the next attempt. OpenCode 1.18.33 (session/retry.ts) sets it from the
 * response's `retry-after-ms` / `retry-after` header when there is one, else from its own backoff:
 * 2 s × 2^(attempt − 1), plus up to 25 % jitter, capped at 30 s when the response had no headers at all.
 * A `next` outside that backoff's range for the attempt is the provider's word. The range widens with the
 * attempt (attempt 5: 30-40 s), so past OpenCode's default of 5 attempts a long announced wait can read as
 * its own backoff; the error path (headers, body) still gives the provider's word then.
 */

/** OpenCode's own backoff (RETRY_INITIAL_DELAY, RETRY_BACKOFF_FACTOR, RETRY_JITTER_FACTOR, RETRY_MAX_DELAY_NO_HEADERS). */
const INITIAL_MS = 2000;
const FACTOR = 2;
const JITTER = 0.25;
const MAX_NO_HEADERS_MS = 30_000;
/** The status reaches the plugin a little after OpenCode computed `next`; a busy host may take this long. */
const EVENT_LATENCY_MS = 1500;

/** The range of waits OpenCode's own backoff gives for `attempt` (1-based), in ms. */
export function ownBackoffRange(attempt: number): { readonly min: number; readonly max: number } {
  const base = INITIAL_MS * Math.pow(FACTOR, Math.max(1, attempt) - 1);
  return { min: Math.min(base, MAX_NO_HEADERS_MS), max: Math.ceil(base * (1 + JITTER)) };
}

/**
 * The wait the provider asked for, in ms, when the retry status's `next` is not OpenCode's own backoff
 * for its attempt; undefined when it is (or when the status has no usable `next`).
 *
 * @example
 * ```ts
 * announcedRetryWaitMs({ type: "retry", attempt: 1, message: "…", next: now + 12_000 }, now); // 12000
 * announcedRetryWaitMs({ type: "retry", attempt: 1, message: "…", next: now + 2_300 }, now);  // undefined
 * ```
 */
export function announcedRetryWaitMs(status: RetryStatus, receivedAt: number): number | undefined {
  if (!Number.isFinite(status.next) || status.next <= 0 || !Number.isFinite(status.attempt) || status.attempt < 1) return undefined;
  const wait = status.next - receivedAt;
  if (!Number.isFinite(wait) || wait < 1) return undefined;
  const own = ownBackoffRange(status.attempt);
  if (wait >= own.min - EVENT_LATENCY_MS && wait <= own.max + 100) return undefined;
  return Math.round(wait);
}

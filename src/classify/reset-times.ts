/* A reset, checked for sense: shared by parse-reset.ts (headers, body) and reset-text.ts (texts). */

/** What parseReset found; both absent when the provider said nothing usable. */
export interface ResetTimes {
  /** How long to wait, in ms (rounded). */
  readonly retryAfterMs?: number;
  /** Epoch ms of the reset. */
  readonly resetAt?: number;
}

/** Waits or resets further away than this are treated as nonsense. */
export const MAX_RESET_HORIZON_MS = 30 * 24 * 60 * 60 * 1000;

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The clock a parse runs at. */
export interface Ctx {
  readonly now: number;
}

/** A wait of `ms` from now, or undefined when it is not a sane wait. */
export function relative(ms: number, ctx: Ctx): ResetTimes | undefined {
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_RESET_HORIZON_MS) return undefined;
  const wait = Math.round(ms);
  return { retryAfterMs: wait, resetAt: ctx.now + wait };
}

/** A reset at `epochMs`, or undefined when it is not a sane future time. */
export function absolute(epochMs: number, ctx: Ctx): ResetTimes | undefined {
  if (!Number.isFinite(epochMs)) return undefined;
  const at = Math.round(epochMs);
  const wait = at - ctx.now;
  if (wait <= 0 || wait > MAX_RESET_HORIZON_MS) return undefined;
  return { retryAfterMs: wait, resetAt: at };
}

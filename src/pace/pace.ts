import type { ProviderUsage, UsageWindow } from "./usage-types";

/** How far a window is ahead of (positive) or behind (negative) an even burn, in percentage points. */
export interface PaceReading {
  readonly providerID: string;
  readonly window: string;
  /** usedPercent − elapsedPercent. */
  readonly pace: number;
  readonly usedPercent: number;
  readonly elapsedPercent: number;
  readonly resetsAt: number;
}

/**
 * Percent of the window already elapsed at `now`: 0 at its start, 100 at its reset. A window whose reset
 * has passed is fully elapsed (its usage belongs to a window that is over); a reset further away than the
 * window's length (clock skew) counts as just started.
 */
export function elapsedPercent(window: UsageWindow, now: number): number {
  if (!(window.windowMs > 0)) return 100;
  const left = window.resetsAt - now;
  if (left <= 0) return 100;
  if (left >= window.windowMs) return 0;
  return ((window.windowMs - left) / window.windowMs) * 100;
}

/**
 * Pace of one window: used% − elapsed%. At +5 the account burns its allowance faster than the window
 * passes and will hit the wall before the reset.
 *
 * @example
 * ```ts
 * // 5-hour window, 2 h 30 m left (50 % elapsed), 62 % used: 12 points over pace.
 * paceOf({ name: "5h", usedPercent: 62, windowMs: 5 * 3600e3, resetsAt: now + 2.5 * 3600e3 }, now); // 12
 * ```
 */
export function paceOf(window: UsageWindow, now: number): number {
  return window.usedPercent - elapsedPercent(window, now);
}

/** Every window's pace, worst (highest) first. */
export function paceReadings(usage: ProviderUsage, now: number): PaceReading[] {
  return usage.windows
    .filter((w) => Number.isFinite(w.usedPercent) && Number.isFinite(w.resetsAt))
    .map((w) => ({ providerID: usage.providerID, window: w.name, pace: paceOf(w, now), usedPercent: w.usedPercent, elapsedPercent: elapsedPercent(w, now), resetsAt: w.resetsAt }))
    .sort((a, b) => b.pace - a.pace);
}

/** The provider's worst window: the one that decides whether it is over pace. */
export function worstPace(usage: ProviderUsage, now: number): PaceReading | undefined {
  return paceReadings(usage, now)[0];
}

/** `+12.0` / `-7.5`. */
export function formatPace(pace: number): string {
  return `${pace >= 0 ? "+" : ""}${pace.toFixed(1)}`;
}

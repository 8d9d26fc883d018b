import type { ModelRef } from "../host/model-ref";
import { formatPace, worstPace, type PaceReading } from "./pace";
import type { ProviderUsage } from "./usage-types";

/** What the router does after a turn. */
export type PaceDecision =
  | { readonly action: "stay"; readonly why: string; readonly current?: PaceReading }
  | { readonly action: "switch"; readonly to: ModelRef; readonly current: PaceReading; readonly alternative: PaceReading; readonly why: string }
  | { readonly action: "warn"; readonly current: PaceReading; readonly key: string; readonly why: string };

/** Everything a pace decision is made of. */
export interface PaceInput {
  readonly current: ModelRef;
  readonly currentUsage: ProviderUsage | undefined;
  readonly alternatives: ReadonlyArray<{ readonly model: ModelRef; readonly usage: ProviderUsage | undefined }>;
  readonly now: number;
  /** Leave at or above this many points over pace. */
  readonly high: number;
  /** Take an alternative at or below this many points. */
  readonly low: number;
}

/**
 * Pure: whether the session leaves its provider. A provider whose worst window is at or above `high`
 * points over pace is left for the alternative lane (same model family) whose worst window is lowest,
 * if that one is at or below `low`; with no such alternative the answer is a warning, keyed by the
 * window so it is given once per window, not after every turn.
 */
export function decidePace(input: PaceInput): PaceDecision {
  const { current, currentUsage, now, high, low } = input;
  if (!currentUsage) return { action: "stay", why: `no usage reading for ${current.providerID}` };
  const worst = worstPace(currentUsage, now);
  if (!worst) return { action: "stay", why: `${current.providerID} reported no usage window` };
  if (worst.pace < high) return { action: "stay", current: worst, why: `${current.providerID} is ${formatPace(worst.pace)} in its ${worst.window} window, under the ${formatPace(high)} threshold` };
  let best: { model: ModelRef; reading: PaceReading } | undefined;
  for (const alternative of input.alternatives) {
    const reading = alternative.usage ? worstPace(alternative.usage, now) : undefined;
    if (!reading || reading.pace > low) continue;
    if (!best || reading.pace < best.reading.pace) best = { model: alternative.model, reading };
  }
  const over = `${current.providerID} is ${formatPace(worst.pace)} over pace in its ${worst.window} window (${worst.usedPercent.toFixed(0)}% used, ${worst.elapsedPercent.toFixed(0)}% elapsed)`;
  if (!best) {
    return {
      action: "warn",
      current: worst,
      key: `${current.providerID}:${worst.window}:${Math.round(worst.resetsAt / 60_000)}`,
      why: `${over}, and no alternative lane for ${current.modelID} is at or under ${formatPace(low)}`,
    };
  }
  return {
    action: "switch",
    to: best.model,
    current: worst,
    alternative: best.reading,
    why: `${over}; ${best.model.providerID}/${best.model.modelID} is ${formatPace(best.reading.pace)} in its ${best.reading.window} window`,
  };
}

import { formatMs, isoOrNever } from "../support/format";
import { inPool, type CoolingLane, type LaneHealth } from "./lane-health";
import type { ChainGuard } from "../agents/resolve-fallback";

/*
 * "May this lane take a turn now?", for every path that picks a lane: a recovery's chain walk, the
 * steering of a new turn, the usage-pace router.
 */

/** `cooling (quota) until 2026-12-02T10:00:00.000Z, in 14m 3s`. */
export function coolingReason(entry: CoolingLane, now: number): string {
  return `cooling (${entry.kind}) until ${isoOrNever(entry.until)}, in ${formatMs(entry.until - now)}`;
}

/** What a pool is, in words: a declared pool by name, or a provider's whole account. */
export function describePool(pool: string): string {
  return pool.startsWith("provider:") ? `the ${pool.slice("provider:".length)} account, which the error said is out as a whole` : `pool "${pool}" (OPENCODE_SESSION_FALLBACK_POOLS)`;
}

/**
 * The chain guard of a failure in `failedPool` (or of none): a cooling lane is passed over; a lane of
 * the failed pool is kept for last, taken only when the chain has nothing else.
 */
export function laneGuard(health: LaneHealth, pools: ReadonlyMap<string, string>, failedPool: string | undefined, now: number): ChainGuard {
  return {
    avoid: (model) => {
      const entry = health.cooling(model, now);
      return entry ? coolingReason(entry, now) : undefined;
    },
    deprioritize: (model) => (failedPool !== undefined && inPool(model, failedPool, pools) ? `shares ${describePool(failedPool)} with the failed lane` : undefined),
  };
}

import type { ModelRef } from "./resolve-fallback";
import type { VerdictKind } from "./verdict";

/** `provider/model`: the key of a lane. */
export type LaneKey = string;

/** Why a lane is out, and until when. */
export interface CoolingLane {
  /** `provider/model`. */
  readonly lane: LaneKey;
  /** Epoch ms at which the lane is expected to serve again. */
  readonly until: number;
  /** Epoch ms at which it was found out. */
  readonly since: number;
  readonly kind: VerdictKind;
  /** The classifier rule that matched. */
  readonly rule: string;
}

/** `provider/model` of a model reference. */
export function laneKey(model: ModelRef): LaneKey {
  return `${model.providerID}/${model.modelID}`;
}

/** At most this many lanes are remembered; a user has a handful, not thousands. */
export const MAX_LANES = 256;

/**
 * Which lanes are out, shared by every session of the process. A lane is cooling until the reset the
 * provider announced (`resetAt`), else for the wait it asked for (`retryAfterMs`), else for the
 * configured cooldown. Expired entries are dropped as they are read.
 */
export class LaneHealth {
  private readonly lanes = new Map<LaneKey, CoolingLane>();
  /** Lanes seen serving again, and when: an older copy of the state (another process's) must not bring them back. */
  private readonly servedAt = new Map<LaneKey, number>();

  constructor(entries: readonly CoolingLane[] = []) {
    for (const entry of entries) this.set(entry);
  }

  /** Records that `model` failed; returns the entry (the later `until` wins when one exists). */
  markCooling(model: ModelRef, cause: { kind: VerdictKind; rule: string; resetAt?: number; retryAfterMs?: number }, now: number, cooldownMs: number): CoolingLane {
    const until = cooldownEnd(cause, now, cooldownMs);
    const key = laneKey(model);
    const existing = this.lanes.get(key);
    const entry: CoolingLane = existing && existing.until > until ? existing : { lane: key, until, since: now, kind: cause.kind, rule: cause.rule };
    this.servedAt.delete(key);
    this.set(entry);
    return entry;
  }

  /** The entry of a lane that is still cooling at `now`, if any. */
  cooling(model: ModelRef, now: number): CoolingLane | undefined {
    const key = laneKey(model);
    const entry = this.lanes.get(key);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.lanes.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Forgets a lane: it served a turn again at `now`. */
  clear(model: ModelRef, now: number): boolean {
    const key = laneKey(model);
    this.servedAt.set(key, now);
    if (this.servedAt.size > MAX_LANES) this.servedAt.delete(this.servedAt.keys().next().value as string);
    return this.lanes.delete(key);
  }

  /** Every lane still cooling at `now`, soonest back first. */
  list(now: number): CoolingLane[] {
    return [...this.lanes.values()].filter((e) => e.until > now).sort((a, b) => a.until - b.until);
  }

  /** Takes in entries from another process's copy of the state: per lane, the later `until` wins. */
  merge(entries: readonly CoolingLane[]): void {
    for (const entry of entries) {
      const served = this.servedAt.get(entry.lane);
      if (served !== undefined && served >= entry.since) continue;
      const existing = this.lanes.get(entry.lane);
      if (!existing || entry.until > existing.until) this.set(entry);
    }
  }

  private set(entry: CoolingLane): void {
    this.lanes.delete(entry.lane);
    this.lanes.set(entry.lane, entry);
    while (this.lanes.size > MAX_LANES) this.lanes.delete(this.lanes.keys().next().value as string);
  }
}

/** When a lane that failed with `cause` at `now` is expected back. */
export function cooldownEnd(cause: { resetAt?: number; retryAfterMs?: number }, now: number, cooldownMs: number): number {
  if (cause.resetAt !== undefined && Number.isFinite(cause.resetAt) && cause.resetAt > now) return cause.resetAt;
  if (cause.retryAfterMs !== undefined && Number.isFinite(cause.retryAfterMs) && cause.retryAfterMs > 0) return now + cause.retryAfterMs;
  return now + cooldownMs;
}

/**
 * The pool a lane draws its quota from: a declared pool of `provider/model`, else of `provider`, else
 * the provider ID itself (one account, one quota). A fallback never goes to a lane of the same pool.
 */
export function poolOf(model: ModelRef, pools: ReadonlyMap<string, string>): string {
  return pools.get(laneKey(model)) ?? pools.get(model.providerID) ?? `provider:${model.providerID}`;
}

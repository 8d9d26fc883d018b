import type { ModelRef } from "../host/model-ref";
import type { VerdictKind } from "../classify/verdict";

/** `provider/model`: the key of a lane. */
export type LaneKey = string;

/**
 * Where a lane's `until` comes from: a reset the provider announced (`reset`), a wait it asked for
 * (`wait`: a `retry-after` header, a "try again in …" text, or the wait OpenCode announced on its retry
 * status when it differs from OpenCode's own backoff), the reset of an exhausted window its usage API
 * reports (`usage`), or the plugin's own cooldown, lengthened when the lane fails again right after it
 * (`cooldown`).
 */
export type CoolingBasis = "reset" | "wait" | "usage" | "cooldown";

/** Why a lane is out, and until when. */
export interface CoolingLane {
  /** `provider/model`. */
  readonly lane: LaneKey;
  /** Epoch ms at which the lane is expected to serve again. */
  readonly until: number;
  /** Epoch ms of the latest failure seen (the newest observation wins when copies merge). */
  readonly since: number;
  readonly kind: VerdictKind;
  /** The classifier rule that matched. */
  readonly rule: string;
  /** Failures in a row, each right after the previous cooldown ended (0 for the first). */
  readonly strikes?: number;
  /** Where `until` comes from; absent in files written before 0.3 (read as `cooldown`). */
  readonly basis?: CoolingBasis;
  /** `account` when the error said the whole account or key is out, not only this model. */
  readonly scope?: "account";
}

/** A lane that served a turn at `at`: a copy of the state whose entry for it is older is stale. */
export interface ServedLane {
  readonly lane: LaneKey;
  readonly at: number;
}

/** Everything the state file carries: lanes out (and recently out), and lanes seen serving again. */
export interface LaneSnapshot {
  readonly lanes: readonly CoolingLane[];
  readonly served: readonly ServedLane[];
}

/** What is known of a failure when a lane is marked. */
export interface CoolingCause {
  readonly kind: VerdictKind;
  readonly rule: string;
  /** Epoch ms of a reset the provider announced. */
  readonly resetAt?: number;
  /** A wait the provider asked for, in ms. */
  readonly retryAfterMs?: number;
  readonly scope?: "account";
}

/** `provider/model` of a model reference. */
export function laneKey(model: ModelRef): LaneKey {
  return `${model.providerID}/${model.modelID}`;
}

/** At most this many lanes are remembered; a user has a handful, not thousands. */
export const MAX_LANES = 256;
/** No lane is out for longer than this (the longest window a provider announces is a month). */
export const MAX_COOLING_MS = 35 * 24 * 3_600_000;
/** A lengthened cooldown grows to at most this (or the configured cooldown, when that is longer). */
export const MAX_ESCALATED_COOLDOWN_MS = 2 * 3_600_000;
/** An expired entry is kept at least this long, so that a failure right after it is seen as a repeat. */
export const HISTORY_MS = 6 * 3_600_000;

/**
 * Which lanes are out, shared by every session of the process. A lane cools until the reset the
 * provider announced, else for the wait it asked for, else for the configured cooldown; a lane that
 * fails again right after its cooldown ended cools twice as long as the last time (up to
 * {@link MAX_ESCALATED_COOLDOWN_MS}, never less than what the provider said), and a lane that serves
 * starts afresh. Expired entries stay a while as history, so that repeats are recognised.
 *
 * Copies of the state (other processes', through the state file) merge per lane by the newest
 * observation: a failure seen at `since`, or a served turn at `at`. The merge is commutative and
 * idempotent, so the order in which copies meet does not matter.
 */
export class LaneHealth {
  private readonly lanes = new Map<LaneKey, CoolingLane>();
  private readonly served = new Map<LaneKey, number>();

  constructor(snapshot: Partial<LaneSnapshot> = {}) {
    this.merge({ lanes: snapshot.lanes ?? [], served: snapshot.served ?? [] });
  }

  /** Records that `model` failed at `now`; returns the entry now in force. */
  markCooling(model: ModelRef, cause: CoolingCause, now: number, cooldownMs: number): CoolingLane {
    const key = laneKey(model);
    const existing = this.lanes.get(key);
    const announced = announcedUntil(cause, now);
    const basis: CoolingBasis = announced?.basis ?? "cooldown";
    const base = announced ? announced.until - now : cooldownMs;
    let until = now + base;
    let strikes = 0;
    if (existing && existing.until > now) {
      // The same outage seen again (another session's turn was in flight): a provider's word beats the
      // plugin's guess; otherwise the later end stays.
      const existingGuess = (existing.basis ?? "cooldown") === "cooldown";
      const keepExisting = basis === "cooldown" ? !existingGuess || existing.until >= until : !existingGuess && existing.until >= until;
      strikes = existing.strikes ?? 0;
      if (keepExisting) until = existing.until;
      const entry: CoolingLane = keepExisting ? { ...existing, since: Math.max(existing.since, now) } : { ...existing, until, since: now, basis, kind: cause.kind, rule: cause.rule, ...scopeOf(cause) };
      this.set(entry);
      return entry;
    }
    if (existing && now - existing.until <= Math.max(existing.until - existing.since, cooldownMs)) {
      // It failed again right after its cooldown ended: the next one is longer.
      strikes = (existing.strikes ?? 0) + 1;
      const cap = Math.max(MAX_ESCALATED_COOLDOWN_MS, cooldownMs);
      until = now + Math.max(base, Math.min(2 * Math.max(existing.until - existing.since, cooldownMs), cap));
    }
    const entry: CoolingLane = { lane: key, until: Math.min(until, now + MAX_COOLING_MS), since: now, kind: cause.kind, rule: cause.rule, strikes, basis, ...scopeOf(cause) };
    this.set(entry);
    return entry;
  }

  /**
   * Sets a cooling lane's end to the reset of its exhausted usage window, when the plugin had only
   * guessed it. Returns the new entry, or undefined when nothing changed.
   */
  refine(model: ModelRef, until: number, now: number): CoolingLane | undefined {
    const entry = this.lanes.get(laneKey(model));
    if (!entry || entry.until <= now || (entry.basis ?? "cooldown") !== "cooldown") return undefined;
    if (!Number.isFinite(until) || until <= now) return undefined;
    const refined: CoolingLane = { ...entry, until: Math.min(until, now + MAX_COOLING_MS), since: Math.max(entry.since, now), basis: "usage" };
    this.set(refined);
    return refined;
  }

  /** The entry of a lane that is still cooling at `now`, if any. */
  cooling(model: ModelRef, now: number): CoolingLane | undefined {
    const entry = this.lanes.get(laneKey(model));
    return entry && entry.until > now ? entry : undefined;
  }

  /** Forgets a lane: it served a turn at `now`. Returns whether it was cooling. */
  clear(model: ModelRef, now: number): boolean {
    const key = laneKey(model);
    const entry = this.lanes.get(key);
    this.served.delete(key);
    this.served.set(key, Math.max(now, entry?.since ?? now));
    while (this.served.size > MAX_LANES) this.served.delete(this.served.keys().next().value as string);
    if (!entry) return false;
    this.lanes.delete(key);
    return entry.until > now;
  }

  /** Every lane still cooling at `now`, soonest back first. */
  list(now: number): CoolingLane[] {
    return [...this.lanes.values()].filter((e) => e.until > now).sort((a, b) => a.until - b.until);
  }

  /** What to persist at `now`: cooling lanes, recent history, and the clearings that may still matter. */
  snapshot(now: number): LaneSnapshot {
    const lanes = [...this.lanes.values()].filter((e) => now - e.until <= historyMs(e));
    const served = [...this.served.entries()].filter(([, at]) => now - at <= MAX_COOLING_MS).map(([lane, at]) => ({ lane, at }));
    return { lanes, served };
  }

  /**
   * Takes in another copy of the state. Per lane the newest observation wins: a served turn clears
   * every failure seen at or before it; of two failures the later one (then the later end) stays.
   */
  merge(snapshot: Partial<LaneSnapshot>): void {
    for (const { lane, at } of snapshot.served ?? []) {
      const known = this.served.get(lane);
      if (known === undefined || at > known) {
        this.served.delete(lane);
        this.served.set(lane, at);
      }
      const entry = this.lanes.get(lane);
      if (entry && entry.since <= at) this.lanes.delete(lane);
    }
    while (this.served.size > MAX_LANES) this.served.delete(this.served.keys().next().value as string);
    for (const entry of snapshot.lanes ?? []) {
      const served = this.served.get(entry.lane);
      if (served !== undefined && served >= entry.since) continue;
      const existing = this.lanes.get(entry.lane);
      if (!existing || entry.since > existing.since || (entry.since === existing.since && entry.until > existing.until)) this.set(entry);
    }
  }

  private set(entry: CoolingLane): void {
    this.lanes.delete(entry.lane);
    this.lanes.set(entry.lane, entry);
    while (this.lanes.size > MAX_LANES) this.lanes.delete(this.lanes.keys().next().value as string);
  }
}

function historyMs(entry: CoolingLane): number {
  return Math.max(HISTORY_MS, entry.until - entry.since);
}

function scopeOf(cause: CoolingCause): { scope?: "account" } {
  return cause.scope ? { scope: cause.scope } : {};
}

/** The end the provider announced for a failure at `now`, and its basis, if it announced one. */
function announcedUntil(cause: { resetAt?: number; retryAfterMs?: number }, now: number): { until: number; basis: CoolingBasis } | undefined {
  if (cause.resetAt !== undefined && Number.isFinite(cause.resetAt) && cause.resetAt > now) return { until: Math.min(cause.resetAt, now + MAX_COOLING_MS), basis: "reset" };
  if (cause.retryAfterMs !== undefined && Number.isFinite(cause.retryAfterMs) && cause.retryAfterMs > 0) return { until: now + Math.min(cause.retryAfterMs, MAX_COOLING_MS), basis: "wait" };
  return undefined;
}

/** When a lane that failed with `cause` at `now` is expected back, for a first failure. */
export function cooldownEnd(cause: { resetAt?: number; retryAfterMs?: number }, now: number, cooldownMs: number): number {
  return announcedUntil(cause, now)?.until ?? now + cooldownMs;
}

/**
 * The pool a user declared a lane in (`OPENCODE_SESSION_FALLBACK_POOLS`): of its `provider/model`, else
 * of its provider. Undefined when the user declared none: lanes of one provider ID often draw on separate
 * quotas (a proxy's upstream accounts, Copilot's premium and included models, Gemini's per-model quotas).
 */
export function declaredPool(model: ModelRef, pools: ReadonlyMap<string, string>): string | undefined {
  return pools.get(laneKey(model)) ?? pools.get(model.providerID);
}

/**
 * The pool a failure empties: the declared pool of the failed lane, else its whole provider when the
 * error said its scope is the account or key (a refused key, an empty balance), else none.
 */
export function failedPoolOf(model: ModelRef, pools: ReadonlyMap<string, string>, scope: "account" | undefined): string | undefined {
  return declaredPool(model, pools) ?? (scope === "account" ? `provider:${model.providerID}` : undefined);
}

/** Whether `model` belongs to `pool` (a declared pool, or `provider:ID` for an account-wide failure). */
export function inPool(model: ModelRef, pool: string, pools: ReadonlyMap<string, string>): boolean {
  const declared = declaredPool(model, pools);
  if (declared !== undefined) return declared === pool;
  return pool === `provider:${model.providerID}`;
}

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HISTORY_MS, LaneHealth, MAX_COOLING_MS, MAX_ESCALATED_COOLDOWN_MS, type CoolingLane, type LaneSnapshot } from "../../src/lanes/lane-health";

/*
 * LaneHealth with an injected clock: how long a lane cools, how repeats lengthen it, how serving resets
 * it, and how copies of the state merge.
 */

const A = { providerID: "codex", modelID: "gpt-5" };
const T0 = 1_800_000_000_000;
const MIN = 60_000;
const HOUR = 3_600_000;
const COOLDOWN = 15 * MIN;
const quota = { kind: "quota" as const, rule: "r" };

describe("cooling follows the provider's word", () => {
  it("a wait the provider asked for (retry-after: 12) cools 12 s, not the 15 min cooldown", () => {
    const h = new LaneHealth();
    const e = h.markCooling(A, { kind: "rate-limit", rule: "r", retryAfterMs: 12_000 }, T0, COOLDOWN);
    expect(e).toMatchObject({ until: T0 + 12_000, basis: "wait", strikes: 0 });
    expect(h.cooling(A, T0 + 11_999)).toBeDefined();
    expect(h.cooling(A, T0 + 12_000)).toBeUndefined();
  });

  it("an announced reset 5 h away is believed whole: one entry, no probe before it", () => {
    const h = new LaneHealth();
    expect(h.markCooling(A, { ...quota, resetAt: T0 + 5 * HOUR }, T0, COOLDOWN)).toMatchObject({ until: T0 + 5 * HOUR, basis: "reset" });
  });

  it("while cooling, the provider's word replaces the plugin's guess, even when it is shorter", () => {
    const h = new LaneHealth();
    h.markCooling(A, quota, T0, COOLDOWN);
    const e = h.markCooling(A, { ...quota, retryAfterMs: 20_000 }, T0 + 1000, COOLDOWN);
    expect(e).toMatchObject({ until: T0 + 21_000, basis: "wait" });
  });

  it("while cooling, a guess never replaces the provider's word, and a shorter word never shortens a longer one", () => {
    const h = new LaneHealth();
    h.markCooling(A, { ...quota, resetAt: T0 + 2 * HOUR }, T0, COOLDOWN);
    expect(h.markCooling(A, quota, T0 + 1000, 3 * HOUR)).toMatchObject({ until: T0 + 2 * HOUR, basis: "reset" });
    expect(h.markCooling(A, { ...quota, retryAfterMs: 1000 }, T0 + 2000, COOLDOWN)).toMatchObject({ until: T0 + 2 * HOUR, basis: "reset" });
    expect(h.markCooling(A, { ...quota, resetAt: T0 + 3 * HOUR }, T0 + 3000, COOLDOWN)).toMatchObject({ until: T0 + 3 * HOUR });
  });

  it("no entry lasts beyond 35 days, whatever the provider announced", () => {
    const h = new LaneHealth();
    expect(h.markCooling(A, { ...quota, resetAt: T0 + 3650 * 24 * HOUR }, T0, COOLDOWN).until).toBe(T0 + MAX_COOLING_MS);
    expect(h.markCooling({ ...A, modelID: "b" }, { ...quota, retryAfterMs: 1e300 }, T0, COOLDOWN).until).toBe(T0 + MAX_COOLING_MS);
    expect(h.markCooling({ ...A, modelID: "c" }, { ...quota, resetAt: Number.POSITIVE_INFINITY }, T0, COOLDOWN).until).toBe(T0 + COOLDOWN);
  });

  it("a guessed end is refined by the usage window's reset; the provider's own word is not", () => {
    const h = new LaneHealth();
    h.markCooling(A, quota, T0, COOLDOWN);
    expect(h.refine(A, T0 + 4 * HOUR, T0 + 500)).toMatchObject({ until: T0 + 4 * HOUR, basis: "usage" });
    expect(h.refine(A, T0 + 9 * HOUR, T0 + 600)).toBeUndefined();
    const other = { ...A, modelID: "o" };
    h.markCooling(other, { ...quota, retryAfterMs: 60_000 }, T0, COOLDOWN);
    expect(h.refine(other, T0 + HOUR, T0)).toBeUndefined();
    expect(h.refine({ ...A, modelID: "unknown" }, T0 + HOUR, T0)).toBeUndefined();
    expect(h.refine(A, Number.NaN, T0)).toBeUndefined();
  });
});

describe("repeats lengthen the cooldown; serving resets it", () => {
  it("a lane failing right after each cooldown cools 15m, 30m, 1h, 2h, 2h (bounded)", () => {
    const h = new LaneHealth();
    let now = T0;
    const lengths: number[] = [];
    for (let i = 0; i < 5; i++) {
      const e = h.markCooling(A, quota, now, COOLDOWN);
      lengths.push(e.until - now);
      expect(e.strikes).toBe(i);
      now = e.until + 1000; // the first probe after the cooldown fails again
    }
    expect(lengths).toEqual([COOLDOWN, 2 * COOLDOWN, 4 * COOLDOWN, MAX_ESCALATED_COOLDOWN_MS, MAX_ESCALATED_COOLDOWN_MS]);
  });

  it("a lane out 5 hours with no word from the provider is probed at most twice an hour", () => {
    const h = new LaneHealth();
    let now = T0;
    let probes = 0;
    const end = T0 + 5 * HOUR;
    while (now < end) {
      const e = h.markCooling(A, quota, now, COOLDOWN); // the probe fails
      probes += 1;
      now = e.until; // the next turn after the cooldown probes again
    }
    expect(probes).toBeLessThanOrEqual(10);
    expect(probes).toBe(5); // at T0, +15m, +45m, +1h45m, +3h45m
  });

  it("an escalated wait never undercuts what the provider announced", () => {
    const h = new LaneHealth();
    const first = h.markCooling(A, quota, T0, COOLDOWN);
    const e = h.markCooling(A, { ...quota, resetAt: first.until + 1000 + 5 * HOUR }, first.until + 1000, COOLDOWN);
    expect(e.until - (first.until + 1000)).toBe(5 * HOUR);
    expect(e.strikes).toBe(1);
  });

  it("a failure long after the last cooldown starts afresh", () => {
    const h = new LaneHealth();
    const first = h.markCooling(A, quota, T0, COOLDOWN);
    const later = first.until + COOLDOWN + 1;
    expect(h.markCooling(A, quota, later, COOLDOWN)).toMatchObject({ until: later + COOLDOWN, strikes: 0 });
  });

  it("a lane that served starts afresh: the next failure cools for the plain cooldown", () => {
    const h = new LaneHealth();
    let now = T0;
    for (let i = 0; i < 3; i++) now = h.markCooling(A, quota, now, COOLDOWN).until + 1;
    expect(h.clear(A, now)).toBe(false); // it had ended: the turn was served
    expect(h.markCooling(A, quota, now + 1, COOLDOWN)).toMatchObject({ until: now + 1 + COOLDOWN, strikes: 0 });
  });

  it("a configured cooldown longer than 2 h is the cap of its own escalation", () => {
    const h = new LaneHealth();
    const long = 3 * HOUR;
    const first = h.markCooling(A, quota, T0, long);
    expect(h.markCooling(A, quota, first.until + 1, long).until - (first.until + 1)).toBe(long);
  });
});

describe("the snapshot and the merge", () => {
  it("keeps an ended entry as history for 6 h (so a repeat is recognised across processes), then drops it", () => {
    const h = new LaneHealth();
    const e = h.markCooling(A, quota, T0, COOLDOWN);
    expect(h.snapshot(e.until + HISTORY_MS).lanes).toHaveLength(1);
    expect(h.snapshot(e.until + HISTORY_MS + 1).lanes).toHaveLength(0);
    const copy = new LaneHealth(h.snapshot(e.until + 1));
    expect(copy.markCooling(A, quota, e.until + 1, COOLDOWN).strikes).toBe(1);
  });

  it("a clearing outlives an older copy: the stale copy's entry is not brought back, a newer failure is", () => {
    const h = new LaneHealth();
    const stale = h.markCooling(A, quota, T0, COOLDOWN);
    h.clear(A, T0 + 100);
    h.merge({ lanes: [stale] });
    expect(h.cooling(A, T0 + 200)).toBeUndefined();
    const other = new LaneHealth({ lanes: [stale] });
    other.merge(h.snapshot(T0 + 200));
    expect(other.cooling(A, T0 + 200)).toBeUndefined();
    h.merge({ lanes: [{ ...stale, since: T0 + 300, until: T0 + HOUR }] });
    expect(h.cooling(A, T0 + 400)).toBeDefined();
  });

  const lane = fc.record({
    lane: fc.constantFrom("p/a", "p/b", "q/c"),
    since: fc.integer({ min: T0, max: T0 + 1000 }),
    span: fc.integer({ min: 1, max: 5000 }),
    strikes: fc.integer({ min: 0, max: 3 }),
  });
  const served = fc.record({ lane: fc.constantFrom("p/a", "p/b", "q/c"), at: fc.integer({ min: T0, max: T0 + 1000 }) });
  const snapshot = fc.record({ lanes: fc.array(lane, { maxLength: 6 }), served: fc.array(served, { maxLength: 3 }) }).map(
    (s): LaneSnapshot => ({
      lanes: s.lanes.map((l): CoolingLane => ({ lane: l.lane, since: l.since, until: l.since + l.span, kind: "quota", rule: "r", strikes: l.strikes })),
      served: s.served,
    }),
  );
  const view = (h: LaneHealth) => {
    const s = h.snapshot(T0);
    return { lanes: [...s.lanes].sort((x, y) => x.lane.localeCompare(y.lane)), served: [...s.served].sort((x, y) => x.lane.localeCompare(y.lane)) };
  };

  it("merging copies is order-free and idempotent (property)", () => {
    fc.assert(
      fc.property(fc.array(snapshot, { minLength: 1, maxLength: 4 }), (copies) => {
        const forward = new LaneHealth();
        for (const c of copies) forward.merge(c);
        const backward = new LaneHealth();
        for (const c of [...copies].reverse()) backward.merge(c);
        expect(view(backward)).toEqual(view(forward));
        const again = new LaneHealth(view(forward));
        for (const c of copies) again.merge(c);
        expect(view(again)).toEqual(view(forward));
      }),
      { numRuns: 500 },
    );
  });
});

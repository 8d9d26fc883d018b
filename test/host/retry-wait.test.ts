import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RetryStatus } from "../../src/host/route-event";
import { announcedRetryWaitMs, ownBackoffRange } from "../../src/host/retry-wait";

const T0 = 1_800_000_000_000;
/** A retry status received at T0 whose next attempt is `waitMs` away. */
const retry = (attempt: number, waitMs: number): RetryStatus => ({ type: "retry", attempt, message: "429 Too Many Requests", next: T0 + waitMs });

describe("ownBackoffRange: OpenCode's own backoff, 2 s × 2^(attempt − 1) + up to 25 % jitter", () => {
  it.each([
    [1, 2000, 2500],
    [2, 4000, 5000],
    [3, 8000, 10_000],
    [4, 16_000, 20_000],
  ])("attempt %i: %i..%i ms", (attempt, min, max) => {
    expect(ownBackoffRange(attempt)).toEqual({ min, max });
  });

  it("attempt 5: the header-less cap of 30 s lowers the minimum, the jittered maximum stays (a response with headers is not capped)", () => {
    expect(ownBackoffRange(5)).toEqual({ min: 30_000, max: 40_000 });
  });

  it("attempt 6: the minimum stays at the 30 s cap while the maximum keeps doubling", () => {
    expect(ownBackoffRange(6)).toEqual({ min: 30_000, max: 80_000 });
  });

  it("an attempt below 1 is read as the first", () => {
    expect(ownBackoffRange(0)).toEqual({ min: 2000, max: 2500 });
    expect(ownBackoffRange(-4)).toEqual({ min: 2000, max: 2500 });
  });
});

describe("announcedRetryWaitMs: the provider's wait, told apart from OpenCode's own backoff", () => {
  it("retry-after: 12 on attempt 1 is the provider's word: 12000 ms", () => {
    expect(announcedRetryWaitMs(retry(1, 12_000), T0)).toBe(12_000);
  });

  it("2.2 s on attempt 1 is OpenCode's own jittered backoff: undefined", () => {
    expect(announcedRetryWaitMs(retry(1, 2200), T0)).toBeUndefined();
  });

  it("the wait is rounded to whole ms", () => {
    expect(announcedRetryWaitMs(retry(1, 12_000.4), T0)).toBe(12_000);
  });

  it("a 20 s wait on attempt 4 is OpenCode's (its jittered maximum), 20.2 s is the provider's", () => {
    expect(announcedRetryWaitMs(retry(4, 20_000), T0)).toBeUndefined();
    expect(announcedRetryWaitMs(retry(4, 20_200), T0)).toBe(20_200);
  });

  it("30 s on attempt 6 is OpenCode's header-less cap, not an announced wait", () => {
    expect(announcedRetryWaitMs(retry(6, 30_000), T0)).toBeUndefined();
  });

  it("lower edge (attempt 1): the event may arrive up to 1500 ms late, so 500 ms is still OpenCode's and 499 ms is not", () => {
    expect(announcedRetryWaitMs(retry(1, 500), T0)).toBeUndefined();
    expect(announcedRetryWaitMs(retry(1, 499), T0)).toBe(499);
  });

  it("upper edge (attempt 1): 100 ms past the jittered maximum is still OpenCode's, 101 ms past is not", () => {
    expect(announcedRetryWaitMs(retry(1, 2600), T0)).toBeUndefined();
    expect(announcedRetryWaitMs(retry(1, 2601), T0)).toBe(2601);
  });

  it("lower edge at the cap (attempt 5): 28.5 s is OpenCode's, 28.499 s is the provider's", () => {
    expect(announcedRetryWaitMs(retry(5, 28_500), T0)).toBeUndefined();
    expect(announcedRetryWaitMs(retry(5, 28_499), T0)).toBe(28_499);
  });

  it("a next that is already past, or exactly now, is no wait", () => {
    expect(announcedRetryWaitMs(retry(1, -5000), T0)).toBeUndefined();
    expect(announcedRetryWaitMs(retry(1, 0), T0)).toBeUndefined();
  });

  it.each([
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["0 (route-event's stand-in for a missing next)", 0],
    ["negative", -12_000],
  ])("a next of %s is undefined", (_label, next) => {
    expect(announcedRetryWaitMs({ type: "retry", attempt: 1, message: "m", next }, T0)).toBeUndefined();
  });

  it.each([
    ["0", 0],
    ["negative", -1],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
  ])("an attempt of %s is undefined, even with a 12 s wait", (_label, attempt) => {
    expect(announcedRetryWaitMs(retry(attempt, 12_000), T0)).toBeUndefined();
  });

  it.each([
    ["an empty object", {}],
    ["next as a string", { type: "retry", attempt: 1, message: "m", next: String(T0 + 12_000) }],
    ["attempt as a string", { type: "retry", attempt: "1", message: "m", next: T0 + 12_000 }],
    ["next missing", { type: "retry", attempt: 1, message: "m" }],
    ["next as null", { type: "retry", attempt: 1, next: null }],
    ["next as an object", { type: "retry", attempt: 1, next: { at: T0 + 12_000 } }],
  ])("a garbage status (%s) is undefined, not thrown", (_label, status) => {
    expect(announcedRetryWaitMs(status as unknown as RetryStatus, T0)).toBeUndefined();
  });

  it("for any status object it never throws and answers undefined or a positive finite number (property)", () => {
    const anyValue = fc.oneof(fc.anything(), fc.double(), fc.integer({ min: -3, max: 12 }), fc.integer({ min: T0 - 60_000, max: T0 + 3_600_000 }));
    const status = fc.record({ type: fc.oneof(fc.constant("retry"), fc.anything()), attempt: anyValue, message: fc.anything(), next: anyValue }, { requiredKeys: [] });
    fc.assert(
      fc.property(status, fc.oneof(fc.integer({ min: T0 - 3_600_000, max: T0 + 3_600_000 }), fc.double()), (s, receivedAt) => {
        const wait = announcedRetryWaitMs(s as unknown as RetryStatus, receivedAt);
        if (wait !== undefined) {
          expect(Number.isFinite(wait)).toBe(true);
          expect(wait).toBeGreaterThan(0);
        }
      }),
    );
  });

  it("a wait inside OpenCode's own range for its attempt is never reported as announced (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, share) => {
        const { min, max } = ownBackoffRange(attempt);
        expect(announcedRetryWaitMs(retry(attempt, Math.round(min + share * (max - min))), T0)).toBeUndefined();
      }),
    );
  });

  it("an announced wait is the whole distance to next, and lies outside OpenCode's range with its tolerance (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 24 * 3_600_000 }), (attempt, waitMs) => {
        const wait = announcedRetryWaitMs(retry(attempt, waitMs), T0);
        const { min, max } = ownBackoffRange(attempt);
        const own = waitMs >= min - 1500 && waitMs <= max + 100;
        expect(wait).toBe(own ? undefined : waitMs);
      }),
    );
  });
});

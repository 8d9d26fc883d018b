import { describe, expect, it } from "vitest";
import { formatMs, isoOrNever } from "../../src/support/format";

describe("formatMs", () => {
  it.each([[120, "120ms"], [5200, "5.2s"], [61_000, "1m 1s"], [3 * 3600_000 + 120_000, "3h 2m"]])("%d → %s", (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });
});

describe("isoOrNever", () => {
  it("prints an ISO time, or never for a time a Date cannot hold", () => {
    expect(isoOrNever(0)).toBe("1970-01-01T00:00:00.000Z");
    expect(isoOrNever(Number.POSITIVE_INFINITY)).toBe("never");
    expect(isoOrNever(Number.NaN)).toBe("never");
  });
});

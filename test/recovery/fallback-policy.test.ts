import { describe, expect, it } from "vitest";
import { announcedWaitMs, decideFallback, mayFallBack } from "../../src/recovery/fallback-policy";
import { loadSettings } from "../../src/settings/settings";

const settings = loadSettings({}, undefined, "/p").settings;
const now = 1_800_000_000_000;

describe("decideFallback", () => {
  it.each(["quota", "auth-pool", "auth"] as const)("%s falls back at once, even on a retry status", (kind) => {
    expect(decideFallback({ kind, rule: "r" }, { trigger: "retry", now }, settings).fallback).toBe(true);
  });
  it.each(["abort", "context", "unknown"] as const)("%s never falls back", (kind) => {
    for (const trigger of ["retry", "error", "idle"] as const) {
      expect(decideFallback({ kind, rule: "r" }, { trigger, now }, settings).fallback).toBe(false);
    }
  });
  it("a short rate limit is left to OpenCode's retry; a long one falls back at once", () => {
    expect(decideFallback({ kind: "rate-limit", rule: "r", retryAfterMs: 5000 }, { trigger: "retry", now }, settings)).toMatchObject({ fallback: false, why: expect.stringContaining("OpenCode's own retry") });
    expect(decideFallback({ kind: "rate-limit", rule: "r", retryAfterMs: 3 * 3600_000 }, { trigger: "retry", now }, settings)).toMatchObject({ fallback: true });
    expect(decideFallback({ kind: "rate-limit", rule: "r" }, { trigger: "retry", now, retryAt: now + 2 * 3600_000 }, settings).fallback).toBe(true);
    expect(decideFallback({ kind: "overload", rule: "r", resetAt: now + 61_000 }, { trigger: "retry", now }, settings).fallback).toBe(true);
    expect(decideFallback({ kind: "overload", rule: "r", resetAt: now + 59_000 }, { trigger: "retry", now }, settings).fallback).toBe(false);
  });
  it("rate limits and overloads fall back once OpenCode has given up (error or idle)", () => {
    expect(decideFallback({ kind: "overload", rule: "r" }, { trigger: "error", now }, settings).fallback).toBe(true);
    expect(decideFallback({ kind: "rate-limit", rule: "r" }, { trigger: "idle", now }, settings).fallback).toBe(true);
  });
  it("the connection error falls back only on the drill provider cliproxy_fault", () => {
    const v = { kind: "unknown", rule: "anthropic-sdk-connection-error" } as const;
    expect(mayFallBack(v)).toBe(true);
    expect(decideFallback(v, { trigger: "error", providerID: "cliproxy_fault", now }, settings).fallback).toBe(true);
    expect(decideFallback(v, { trigger: "error", providerID: "anthropic", now }, settings).fallback).toBe(false);
    expect(decideFallback(v, { trigger: "error", now }, settings).fallback).toBe(false);
  });
  it("OPENCODE_SESSION_FALLBACK_ON narrows the kinds", () => {
    const only = loadSettings({ OPENCODE_SESSION_FALLBACK_ON: "auth-pool" }, undefined, "/p").settings;
    expect(decideFallback({ kind: "quota", rule: "r" }, { trigger: "error", now }, only).fallback).toBe(false);
    expect(decideFallback({ kind: "auth-pool", rule: "r" }, { trigger: "retry", now }, only).fallback).toBe(true);
  });
});

describe("announcedWaitMs", () => {
  it("takes the longest positive wait", () => {
    expect(announcedWaitMs({ kind: "rate-limit", rule: "r", retryAfterMs: 1000, resetAt: now + 5000 }, { trigger: "retry", now, retryAt: now + 3000 })).toBe(5000);
    expect(announcedWaitMs({ kind: "rate-limit", rule: "r", resetAt: now - 5000 }, { trigger: "retry", now })).toBeUndefined();
  });
});

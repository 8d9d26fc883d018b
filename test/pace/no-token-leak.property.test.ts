import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anthropicUsageSource } from "../../src/pace/sources/anthropic-oauth";
import { codexUsageSource } from "../../src/pace/sources/codex";
import { copilotUsageSource } from "../../src/pace/sources/copilot";
import type { HttpGet, StoredAuth, UsageSource } from "../../src/pace/usage-types";

const NOW = Date.UTC(2026, 0, 2, 17, 0, 0);

/** Each source with the provider it covers and the auth entry a token goes into. */
const SOURCES: ReadonlyArray<{
  readonly providerID: string;
  readonly make: (auth: () => Record<string, StoredAuth>, http: HttpGet) => UsageSource;
  readonly login: (token: string, other: string) => StoredAuth;
}> = [
  { providerID: "anthropic", make: (auth, http) => anthropicUsageSource({ auth, http }), login: (token, other) => ({ type: "oauth", access: token, refresh: other, expires: NOW + 1 }) },
  { providerID: "openai", make: (auth, http) => codexUsageSource({ auth, http }), login: (token, other) => ({ type: "oauth", access: token, refresh: other, accountId: "acct-1" }) },
  { providerID: "github-copilot", make: (auth, http) => copilotUsageSource({ auth, http }), login: (token, other) => ({ type: "oauth", refresh: token, access: other, expires: 0 }) },
];

/** Ways the port or the provider can answer, each echoing the token somewhere. */
const ANSWERS: ReadonlyArray<(token: string) => HttpGet> = [
  (t) => async () => {
    throw new Error(`request to https://x failed with Authorization: Bearer ${t}`);
  },
  (t) => async () => {
    throw new TypeError(`${"x".repeat(180)}${t}`);
  },
  (t) => async () => {
    throw t;
  },
  (t) => async () => ({ status: 401, json: { error: { message: `invalid token ${t}` } } }),
  (t) => async () => ({ status: 403, json: t }),
  (t) => async () => ({ status: 500, json: { echo: t } }),
  (t) => async () => ({ status: 200, json: t }),
  (t) => async () => ({ status: 200, json: { five_hour: { utilization: t }, rate_limit: { primary_window: t }, quota_snapshots: { premium_interactions: { percent_remaining: t } } } }),
  (t) => async () => ({ status: 200, json: { [t]: t, quota_reset_date: t, quota_snapshots: { premium_interactions: { entitlement: 300, percent_remaining: 10 } } } }),
  (t) => async () => ({ status: 200, json: { five_hour: { utilization: 1, resets_at: t }, seven_day: null } }),
  (t) => async () => ({ status: Number.NaN, json: t }) as unknown as { status: number; json: unknown },
];

/** Token-like strings: what OAuth access tokens, refresh tokens and GitHub tokens look like. */
const tokens = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{20,80}$/),
  fc.stringMatching(/^[A-Za-z0-9_-]{16,40}$/).map((s) => `sk-ant-oat01-${s}`),
  fc.stringMatching(/^[A-Za-z0-9]{36}$/).map((s) => `gho_${s}`),
  fc.tuple(fc.base64String({ minLength: 12, maxLength: 40 }), fc.base64String({ minLength: 12, maxLength: 40 })).map(([a, b]) => `eyJ${a}.${b}.sig`),
);

describe("no source ever puts a token into a reason", () => {
  it("over random tokens, every source, every kind of failing answer", async () => {
    await fc.assert(
      fc.asyncProperty(tokens, tokens, fc.constantFrom(...SOURCES), fc.constantFrom(...ANSWERS), async (token, other, source, answer) => {
        fc.pre(token !== other);
        const auth = () => ({ [source.providerID]: source.login(token, other) });
        const result = await source.make(auth, answer(token)).read(source.providerID, NOW);
        const text = JSON.stringify(result);
        expect(text).not.toContain(token);
        expect(text).not.toContain(other);
      }),
      { numRuns: 300 },
    );
  });

  it("nor the key of an API-key login, nor a token in an expired or odd login", async () => {
    await fc.assert(
      fc.asyncProperty(tokens, fc.constantFrom(...SOURCES), fc.constantFrom<(t: string) => StoredAuth>(
        (t) => ({ type: "api", key: t }),
        (t) => ({ type: "oauth", access: t, refresh: t, expires: 1 }),
        (t) => ({ type: t.slice(0, 30), token: t }),
        (t) => ({ type: "oauth", access: 7, refresh: t }) as unknown as StoredAuth,
      ), async (token, source, login) => {
        const auth = () => ({ [source.providerID]: login(token) });
        const result = await source.make(auth, async () => ({ status: 200, json: {} })).read(source.providerID, NOW);
        expect(result.ok).toBe(false);
        expect(JSON.stringify(result)).not.toContain(token);
      }),
      { numRuns: 200 },
    );
  });
});

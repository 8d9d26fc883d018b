import { afterEach, describe, expect, it, vi } from "vitest";
import { anthropicUsageSource, parseAnthropicUsage } from "../../src/pace/sources/anthropic-oauth";
import { fetchHttpGet } from "../../src/pace/sources/http";
import type { HttpGet, StoredAuth } from "../../src/pace/usage-types";
import { fakeHttp, hangingHttp, loadFixture, throwingHttp } from "./fake-http";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ACCESS = "sk-ant-oat01-test-access-0123456789abcdef";
const REFRESH = "sk-ant-ort01-test-refresh-0123456789abcdef";
const NOW = Date.UTC(2026, 0, 2, 17, 0, 0);
const LOGGED_IN: Record<string, StoredAuth> = { anthropic: { type: "oauth", access: ACCESS, refresh: REFRESH, expires: NOW + HOUR } };

function source<H extends HttpGet>(http: H) {
  return { http, source: anthropicUsageSource({ auth: () => LOGGED_IN, http }) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("parseAnthropicUsage over recorded bodies", () => {
  it("reads five_hour, seven_day and seven_day_sonnet; a null seven_day_opus is no window", () => {
    const { body } = loadFixture("anthropic-oauth-usage-sonnet.json");
    expect(parseAnthropicUsage(body, NOW)).toEqual({
      ok: true,
      value: [
        { name: "5h", usedPercent: 24, windowMs: 5 * HOUR, resetsAt: Date.UTC(2026, 0, 2, 19, 59, 59, 600) },
        { name: "7d", usedPercent: 36, windowMs: 7 * DAY, resetsAt: Date.UTC(2026, 0, 8, 6, 59, 59, 600) },
        { name: "7d-sonnet", usedPercent: 1, windowMs: 7 * DAY, resetsAt: Date.UTC(2026, 0, 8, 14, 59, 59, 600) },
      ],
    });
  });

  it("an idle window (resets_at null) resets one full length from now", () => {
    const now = Date.UTC(2026, 1, 8, 2, 0, 0);
    const { body } = loadFixture("anthropic-oauth-usage-idle-opus.json");
    expect(parseAnthropicUsage(body, now)).toEqual({
      ok: true,
      value: [
        { name: "5h", usedPercent: 37, windowMs: 5 * HOUR, resetsAt: Date.UTC(2026, 1, 8, 4, 59, 59, 0) },
        { name: "7d", usedPercent: 26, windowMs: 7 * DAY, resetsAt: Date.UTC(2026, 1, 12, 14, 59, 59, 771) },
        { name: "7d-opus", usedPercent: 0, windowMs: 7 * DAY, resetsAt: now + 7 * DAY },
        { name: "7d-sonnet", usedPercent: 12, windowMs: 7 * DAY, resetsAt: Date.UTC(2026, 1, 12, 14, 59, 59, 771) },
      ],
    });
  });

  it("keeps utilization over 100 (the window is over its allowance)", () => {
    const answer = parseAnthropicUsage({ five_hour: { utilization: 104, resets_at: "2026-01-02T19:00:00Z" }, seven_day: null }, NOW);
    expect(answer).toEqual({ ok: true, value: [{ name: "5h", usedPercent: 104, windowMs: 5 * HOUR, resetsAt: Date.UTC(2026, 0, 2, 19) }] });
  });

  it.each([
    ["an array", [], "body is not an object"],
    ["a string", "<html>", "body is not an object"],
    ["an empty object", {}, "five_hour and seven_day missing"],
    ["only unknown fields", { extra_usage: { is_enabled: false } }, "five_hour and seven_day missing"],
    ["a window that is a number", { five_hour: 5 }, "five_hour is not an object"],
    ["utilization as a string", { five_hour: { utilization: "24", resets_at: null } }, "five_hour.utilization is not a number"],
    ["no utilization", { seven_day: { resets_at: "2026-01-08T06:59:59Z" } }, "seven_day.utilization missing"],
    ["resets_at as a number", { seven_day: { utilization: 5, resets_at: 1767859444 } }, "seven_day.resets_at is not a string"],
    ["resets_at that is no date", { five_hour: { utilization: 5, resets_at: "soon" } }, "five_hour.resets_at is not a date"],
  ])("answers a garbage body (%s) with the field at fault", (_label, body, what) => {
    expect(parseAnthropicUsage(body, NOW)).toEqual({ ok: false, reason: `unexpected response shape (${what})` });
  });
});

describe("anthropicUsageSource", () => {
  it("GETs /api/oauth/usage with the OAuth bearer token and the oauth beta flag", async () => {
    const { http, source: s } = source(fakeHttp({ status: 200, json: loadFixture("anthropic-oauth-usage-sonnet.json").body }));
    const answer = await s.read("anthropic", NOW);
    expect(http.seen).toEqual([
      {
        url: "https://api.anthropic.com/api/oauth/usage",
        headers: { Authorization: `Bearer ${ACCESS}`, "anthropic-beta": "oauth-2025-04-20", Accept: "application/json", "User-Agent": "opencode-session-fallback" },
      },
    ]);
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    expect(answer.usage.providerID).toBe("anthropic");
    expect(answer.usage.source).toBe("anthropic-oauth");
    expect(answer.usage.fetchedAt).toBe(NOW);
    expect(answer.usage.windows.map((w) => w.name)).toEqual(["5h", "7d", "7d-sonnet"]);
  });

  it("joins a base URL with a trailing slash", async () => {
    const http = fakeHttp({ status: 200, json: { five_hour: null, seven_day: null } });
    await anthropicUsageSource({ auth: () => LOGGED_IN, http, baseUrl: "http://127.0.0.1:9/" }).read("anthropic", NOW);
    expect(http.seen[0]?.url).toBe("http://127.0.0.1:9/api/oauth/usage");
  });

  it("covers anthropic only", async () => {
    const { http, source: s } = source(fakeHttp({ status: 200, json: {} }));
    expect(s.id).toBe("anthropic-oauth");
    expect(s.covers("anthropic")).toBe(true);
    expect(s.covers("openai")).toBe(false);
    expect(await s.read("openai", NOW)).toEqual({ ok: false, reason: "the anthropic-oauth source covers anthropic, not openai" });
    expect(http.seen).toEqual([]);
  });

  it.each<[string, () => Record<string, StoredAuth>, string]>([
    ["no login at all", () => ({}), "no anthropic login in OpenCode's auth.json"],
    ["only another provider", () => ({ openai: { type: "oauth", access: ACCESS } }), "no anthropic login in OpenCode's auth.json"],
    ["an API key", () => ({ anthropic: { type: "api", key: "sk-ant-api03-0123456789abcdef" } }), "anthropic usage needs an OAuth (Claude subscription) login"],
    ["a wellknown credential", () => ({ anthropic: { type: "wellknown", key: "K", token: "0123456789abcdef" } }), 'anthropic usage needs an OAuth (Claude subscription) login, not a "wellknown" credential'],
    ["a plugin's own credential type", () => ({ anthropic: { type: "claude-max-pool", accounts: [] } }), "anthropic usage needs an OAuth (Claude subscription) login, not a credential of another type"],
    ["an OAuth login without access token", () => ({ anthropic: { type: "oauth", refresh: REFRESH } }), "the anthropic OAuth login has no access token"],
    [
      "an expired access token",
      () => ({ anthropic: { type: "oauth", access: ACCESS, refresh: REFRESH, expires: Date.UTC(2026, 0, 2, 16) } }),
      "the anthropic OAuth access token expired at 2026-01-02T16:00:00.000Z; it is refreshed on the next anthropic request",
    ],
    [
      "a malformed OAuth entry",
      () => ({ anthropic: { type: "oauth", access: 42 } as unknown as StoredAuth }),
      "the anthropic OAuth login in the credential store is malformed (access has the wrong type)",
    ],
    [
      "a store that throws",
      () => {
        throw new Error("EACCES");
      },
      "the credential store could not be read (Error: EACCES)",
    ],
  ])("answers without a request for %s", async (_label, auth, reason) => {
    const http = fakeHttp({ status: 200, json: {} });
    expect(await anthropicUsageSource({ auth, http }).read("anthropic", NOW)).toEqual({ ok: false, reason });
    expect(http.seen).toEqual([]);
  });

  it.each([
    [401, /^credentials refused \(HTTP 401\); the Claude login was refused/],
    [403, /^credentials refused \(HTTP 403\); .*user:profile scope/],
    [429, /^usage endpoint answered HTTP 429$/],
    [500, /^usage endpoint answered HTTP 500$/],
    [302, /^usage endpoint answered HTTP 302$/],
  ])("answers HTTP %i with a reason", async (status, reason) => {
    const { source: s } = source(fakeHttp({ status, json: { error: { type: "authentication_error", message: `bad token ${ACCESS}` } } }));
    const answer = await s.read("anthropic", NOW);
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.reason).toMatch(reason);
    expect(answer.reason).not.toContain(ACCESS);
  });

  it("answers a 200 without JSON", async () => {
    const { source: s } = source(fakeHttp({ status: 200, json: null }));
    expect(await s.read("anthropic", NOW)).toEqual({ ok: false, reason: "unexpected response shape (body is not JSON)" });
  });

  it("answers a port that throws, without the token it echoes", async () => {
    const { source: s } = source(throwingHttp(new TypeError(`fetch failed for Bearer ${ACCESS}`)));
    const answer = await s.read("anthropic", NOW);
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.reason).toMatch(/^request failed \(TypeError: fetch failed for Bearer /);
    expect(answer.reason).not.toContain(ACCESS);
  });

  it("answers a port that never settles once its time limit passes", async () => {
    vi.useFakeTimers();
    const s = anthropicUsageSource({ auth: () => LOGGED_IN, http: hangingHttp, timeoutMs: 1_000 });
    const pending = s.read("anthropic", NOW);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await pending).toEqual({ ok: false, reason: "request failed (timed out after 1000 ms)" });
  });

  it("answers through fetchHttpGet when fetch hangs (the wrapper's timeout fires first)", async () => {
    vi.useFakeTimers();
    const hangingFetch = ((_url: string, init?: RequestInit) =>
      new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)))) as typeof fetch;
    const s = anthropicUsageSource({ auth: () => LOGGED_IN, http: fetchHttpGet(500, hangingFetch) });
    const pending = s.read("anthropic", NOW);
    await vi.advanceTimersByTimeAsync(500);
    expect(await pending).toEqual({ ok: false, reason: "request failed (timed out after 500 ms)" });
  });

  it("answers a port that resolves with no status", async () => {
    const { source: s } = source((async () => undefined) as unknown as HttpGet);
    expect(await s.read("anthropic", NOW)).toEqual({ ok: false, reason: "request failed (the HTTP port answered without a status)" });
  });
});

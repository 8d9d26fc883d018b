import { afterEach, describe, expect, it, vi } from "vitest";
import { chatgptAccountId, codexUsageSource, parseCodexUsage, windowNameForSeconds } from "../../src/pace/sources/codex";
import { fetchHttpGet } from "../../src/pace/sources/http";
import type { StoredAuth } from "../../src/pace/usage-types";
import { fakeHttp, fakeJwt, hangingHttp, loadFixture, throwingHttp } from "./fake-http";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 0, 2, 17, 0, 0);
const ACCESS = fakeJwt({ "https://api.openai.com/auth": { chatgpt_account_id: "acct-from-claims" }, exp: 1_767_400_000 });
const REFRESH = "rt_test-refresh-0123456789abcdefghij";
const LOGGED_IN: Record<string, StoredAuth> = { openai: { type: "oauth", access: ACCESS, refresh: REFRESH, expires: NOW + HOUR, accountId: "acct-123" } };

afterEach(() => {
  vi.useRealTimers();
});

describe("parseCodexUsage over recorded bodies", () => {
  it("reads primary and secondary windows, named by length, reset_at in epoch seconds", () => {
    const { body } = loadFixture("codex-wham-usage-pro.json");
    expect(parseCodexUsage(body, NOW)).toEqual({
      ok: true,
      value: [
        { name: "5h", usedPercent: 3, windowMs: 5 * HOUR, resetsAt: 1_767_385_852_000 },
        { name: "7d", usedPercent: 9, windowMs: 7 * DAY, resetsAt: 1_767_859_444_000 },
      ],
    });
  });

  it("reads a body with reset_at only", () => {
    const { body } = loadFixture("codex-wham-usage-plus.json");
    expect(parseCodexUsage(body, NOW)).toEqual({
      ok: true,
      value: [
        { name: "5h", usedPercent: 6, windowMs: 5 * HOUR, resetsAt: 1_738_300_000_000 },
        { name: "7d", usedPercent: 24, windowMs: 7 * DAY, resetsAt: 1_738_900_000_000 },
      ],
    });
  });

  it("falls back to reset_after_seconds from now", () => {
    const body = { rate_limit: { primary_window: { used_percent: 40, limit_window_seconds: 18_000, reset_after_seconds: 3_600 }, secondary_window: null } };
    expect(parseCodexUsage(body, NOW)).toEqual({ ok: true, value: [{ name: "5h", usedPercent: 40, windowMs: 5 * HOUR, resetsAt: NOW + HOUR }] });
  });

  it("a null rate_limit is no windows", () => {
    expect(parseCodexUsage({ plan_type: "free", rate_limit: null }, NOW)).toEqual({ ok: true, value: [] });
  });

  it("keeps names unique when both windows have one length", () => {
    const w = { used_percent: 1, limit_window_seconds: 18_000, reset_at: 1_767_385_852 };
    const answer = parseCodexUsage({ rate_limit: { primary_window: w, secondary_window: w } }, NOW);
    expect(answer.ok && answer.value.map((x) => x.name)).toEqual(["5h", "5h-secondary"]);
  });

  it.each([
    ["an empty object", {}, "rate_limit missing"],
    ["an array", [1, 2], "body is not an object"],
    ["rate_limit as a string", { rate_limit: "plenty" }, "rate_limit is not an object"],
    ["used_percent as a string", { rate_limit: { primary_window: { used_percent: "3", limit_window_seconds: 18_000, reset_at: 1 } } }, "rate_limit.primary_window.used_percent is not a number"],
    ["no window length", { rate_limit: { primary_window: { used_percent: 3, reset_at: 1 } } }, "rate_limit.primary_window.limit_window_seconds missing"],
    ["a zero window length", { rate_limit: { primary_window: { used_percent: 3, limit_window_seconds: 0, reset_at: 1 } } }, "rate_limit.primary_window.limit_window_seconds is invalid"],
    ["no reset at all", { rate_limit: { secondary_window: { used_percent: 3, limit_window_seconds: 604_800 } } }, "rate_limit.secondary_window: reset_at and reset_after_seconds missing"],
  ])("answers a garbage body (%s) with the field at fault", (_label, body, what) => {
    expect(parseCodexUsage(body, NOW)).toEqual({ ok: false, reason: `unexpected response shape (${what})` });
  });

  it.each([
    [18_000, "5h"],
    [604_800, "7d"],
    [86_400, "1d"],
    [3_600, "1h"],
    [900, "15m"],
    [300, "5m"],
    [45, "45s"],
  ])("names a %i s window %s", (seconds, name) => {
    expect(windowNameForSeconds(seconds)).toBe(name);
  });
});

describe("chatgptAccountId", () => {
  it("prefers the login's accountId", () => {
    expect(chatgptAccountId({ type: "oauth", access: ACCESS, accountId: "acct-123" })).toBe("acct-123");
  });
  it("reads the OpenAI auth claim of the access token, as OpenCode does", () => {
    expect(chatgptAccountId({ type: "oauth", access: ACCESS })).toBe("acct-from-claims");
    expect(chatgptAccountId({ type: "oauth", access: fakeJwt({ chatgpt_account_id: "top-level" }) })).toBe("top-level");
    expect(chatgptAccountId({ type: "oauth", access: fakeJwt({ organizations: [{ id: "org-1" }] }) })).toBe("org-1");
  });
  it("is undefined for an opaque token or claims without an account", () => {
    expect(chatgptAccountId({ type: "oauth", access: "opaque-token" })).toBeUndefined();
    expect(chatgptAccountId({ type: "oauth", access: "a.bm90IGpzb24.c" })).toBeUndefined();
    expect(chatgptAccountId({ type: "oauth", access: fakeJwt({ sub: "u" }) })).toBeUndefined();
    expect(chatgptAccountId({ type: "oauth" })).toBeUndefined();
  });
});

describe("codexUsageSource", () => {
  it("GETs /backend-api/wham/usage with the bearer token and ChatGPT-Account-Id", async () => {
    const http = fakeHttp({ status: 200, json: loadFixture("codex-wham-usage-pro.json").body });
    const answer = await codexUsageSource({ auth: () => LOGGED_IN, http }).read("openai", NOW);
    expect(http.seen).toEqual([
      {
        url: "https://chatgpt.com/backend-api/wham/usage",
        headers: { Authorization: `Bearer ${ACCESS}`, Accept: "application/json", "User-Agent": "opencode-session-fallback", "ChatGPT-Account-Id": "acct-123" },
      },
    ]);
    expect(answer).toEqual({
      ok: true,
      usage: {
        providerID: "openai",
        source: "codex",
        fetchedAt: NOW,
        windows: [
          { name: "5h", usedPercent: 3, windowMs: 5 * HOUR, resetsAt: 1_767_385_852_000 },
          { name: "7d", usedPercent: 9, windowMs: 7 * DAY, resetsAt: 1_767_859_444_000 },
        ],
      },
    });
  });

  it("takes the account from the token's claims when the login has none, and sends none when neither has one", async () => {
    const http = fakeHttp({ status: 200, json: { rate_limit: null } });
    await codexUsageSource({ auth: () => ({ openai: { type: "oauth", access: ACCESS } }), http }).read("openai", NOW);
    await codexUsageSource({ auth: () => ({ openai: { type: "oauth", access: "opaque-access-token-0123456789" } }), http, baseUrl: "http://127.0.0.1:9/" }).read("openai", NOW);
    expect(http.seen[0]?.headers["ChatGPT-Account-Id"]).toBe("acct-from-claims");
    expect(http.seen[1]?.url).toBe("http://127.0.0.1:9/backend-api/wham/usage");
    expect(http.seen[1]?.headers).not.toHaveProperty("ChatGPT-Account-Id");
  });

  it("covers openai only", async () => {
    const s = codexUsageSource({ auth: () => LOGGED_IN, http: fakeHttp({ status: 200, json: {} }) });
    expect(s.id).toBe("codex");
    expect(s.covers("openai")).toBe(true);
    expect(s.covers("anthropic")).toBe(false);
    expect(await s.read("anthropic", NOW)).toEqual({ ok: false, reason: "the codex source covers openai, not anthropic" });
  });

  it.each<[string, Record<string, StoredAuth>, string]>([
    ["no login", {}, "no openai login in OpenCode's auth.json"],
    ["an API key", { openai: { type: "api", key: "sk-proj-0123456789abcdef" } }, "openai usage needs a ChatGPT (OAuth) login; an API key has no usage windows"],
    ["a wellknown credential", { openai: { type: "wellknown", key: "OPENAI_API_KEY", token: "0123456789abcdef" } }, 'openai usage needs a ChatGPT (OAuth) login, not a "wellknown" credential'],
    ["an OAuth login without access token", { openai: { type: "oauth", refresh: REFRESH } }, "the openai OAuth login has no access token"],
    [
      "an expired access token",
      { openai: { type: "oauth", access: ACCESS, refresh: REFRESH, expires: Date.UTC(2026, 0, 1) } },
      "the openai OAuth access token expired at 2026-01-01T00:00:00.000Z; it is refreshed on the next openai request",
    ],
    ["an entry that is a string", { openai: "sk-proj-0123456789abcdef" as unknown as StoredAuth }, "the openai entry of the credential store is not an object"],
  ])("answers without a request for %s", async (_label, store, reason) => {
    const http = fakeHttp({ status: 200, json: {} });
    expect(await codexUsageSource({ auth: () => store, http }).read("openai", NOW)).toEqual({ ok: false, reason });
    expect(http.seen).toEqual([]);
  });

  it.each([
    [401, /^credentials refused \(HTTP 401\); the ChatGPT login was refused/],
    [403, /^credentials refused \(HTTP 403\)/],
    [500, /^usage endpoint answered HTTP 500$/],
    [503, /^usage endpoint answered HTTP 503$/],
  ])("answers HTTP %i with a reason", async (status, reason) => {
    const answer = await codexUsageSource({ auth: () => LOGGED_IN, http: fakeHttp({ status, json: { detail: "Unauthorized" } }) }).read("openai", NOW);
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.reason).toMatch(reason);
  });

  it("answers a garbage 200", async () => {
    const answer = await codexUsageSource({ auth: () => LOGGED_IN, http: fakeHttp({ status: 200, json: { detail: "ok" } }) }).read("openai", NOW);
    expect(answer).toEqual({ ok: false, reason: "unexpected response shape (rate_limit missing)" });
  });

  it("answers a port that throws", async () => {
    const answer = await codexUsageSource({ auth: () => LOGGED_IN, http: throwingHttp(new Error("getaddrinfo ENOTFOUND chatgpt.com")) }).read("openai", NOW);
    expect(answer).toEqual({ ok: false, reason: "request failed (Error: getaddrinfo ENOTFOUND chatgpt.com)" });
  });

  it("answers a port that rejects with a non-Error", async () => {
    expect(await codexUsageSource({ auth: () => LOGGED_IN, http: throwingHttp(undefined) }).read("openai", NOW)).toEqual({
      ok: false,
      reason: "request failed (a thrown undefined)",
    });
  });

  it("answers a port that never settles once its time limit passes", async () => {
    vi.useFakeTimers();
    const pending = codexUsageSource({ auth: () => LOGGED_IN, http: hangingHttp, timeoutMs: 2_000 }).read("openai", NOW);
    await vi.advanceTimersByTimeAsync(1_999);
    let settled = false;
    void pending.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toEqual({ ok: false, reason: "request failed (timed out after 2000 ms)" });
  });

  it("answers through fetchHttpGet when the body never arrives", async () => {
    vi.useFakeTimers();
    const stalledBody = (async () => ({ status: 200, text: () => new Promise<string>(() => {}) })) as unknown as typeof fetch;
    const pending = codexUsageSource({ auth: () => LOGGED_IN, http: fetchHttpGet(750, stalledBody) }).read("openai", NOW);
    await vi.advanceTimersByTimeAsync(750);
    expect(await pending).toEqual({ ok: false, reason: "request failed (timed out after 750 ms)" });
  });
});

import { afterEach, describe, expect, it, vi } from "vitest";
import { copilotApiBase, copilotUsageSource, monthEndingAt, parseCopilotUsage } from "../../src/pace/sources/copilot";
import type { StoredAuth } from "../../src/pace/usage-types";
import { fakeHttp, hangingHttp, loadFixture, throwingHttp } from "./fake-http";

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 11, 19, 12, 0, 0);
const GITHUB_TOKEN = "gho_testGithubOauthToken0123456789ABCDEF";
const COPILOT_TOKEN = "tid=test;exp=1767400000;sku=copilot_standalone_seat_quota;8kp=1:0123456789abcdef";
/** OpenCode 1.18's Copilot login: the GitHub OAuth token as both refresh and access, expires 0. */
const LOGGED_IN: Record<string, StoredAuth> = { "github-copilot": { type: "oauth", refresh: GITHUB_TOKEN, access: GITHUB_TOKEN, expires: 0 } };

afterEach(() => {
  vi.useRealTimers();
});

describe("parseCopilotUsage over recorded bodies", () => {
  it("reads premium_interactions of a Business seat; unlimited chat and completions are no windows", () => {
    const { body } = loadFixture("copilot-user-business.json");
    expect(parseCopilotUsage(body)).toEqual({
      ok: true,
      // Dec 1 → Jan 1: 31 days.
      value: [{ name: "premium", usedPercent: 100 - 31.166666666666664, windowMs: 31 * DAY, resetsAt: Date.UTC(2026, 0, 1) }],
    });
  });

  it("prefers quota_reset_date_utc", () => {
    const { body } = loadFixture("copilot-user-utc-token-billing.json");
    expect(parseCopilotUsage(body)).toEqual({
      ok: true,
      // Aug 1 → Sep 1: 31 days.
      value: [{ name: "premium", usedPercent: 100 - 93.6, windowMs: 31 * DAY, resetsAt: Date.UTC(2026, 8, 1) }],
    });
  });

  it("reads a metered chat quota as its own window", () => {
    const { body } = loadFixture("copilot-user-free.json");
    expect(parseCopilotUsage(body)).toEqual({
      ok: true,
      value: [
        { name: "premium", usedPercent: 10, windowMs: 31 * DAY, resetsAt: Date.UTC(2025, 1, 1) },
        { name: "chat", usedPercent: 50, windowMs: 31 * DAY, resetsAt: Date.UTC(2025, 1, 1) },
      ],
    });
  });

  it("token-billing placeholders (entitlement 0) are no windows, and need no reset date", () => {
    const { body } = loadFixture("copilot-user-token-billing-placeholder.json");
    expect(parseCopilotUsage(body)).toEqual({ ok: true, value: [] });
  });

  it("an unlimited premium quota is no window", () => {
    const body = { quota_reset_date: "2026-01-01", quota_snapshots: { premium_interactions: { entitlement: 0, percent_remaining: 100, unlimited: true } } };
    expect(parseCopilotUsage(body)).toEqual({ ok: true, value: [] });
  });

  it("overage (negative percent_remaining) is over 100 % used", () => {
    const body = { quota_reset_date: "2026-01-01", quota_snapshots: { premium_interactions: { entitlement: 300, percent_remaining: -10, unlimited: false } } };
    const answer = parseCopilotUsage(body);
    expect(answer.ok && answer.value[0]?.usedPercent).toBe(110);
  });

  it("computes the percentage from entitlement and remaining when percent_remaining is absent", () => {
    const body = { quota_reset_date: "2026-01-01", quota_snapshots: { premium_interactions: { entitlement: 300, remaining: 75, quota_remaining: 75.5 } } };
    const answer = parseCopilotUsage(body);
    expect(answer.ok && answer.value[0]?.usedPercent).toBeCloseTo((1 - 75.5 / 300) * 100, 10);
  });

  it.each([
    ["an empty object", {}, "quota_snapshots missing"],
    ["snapshots as a list", { quota_snapshots: [] }, "quota_snapshots is not an object"],
    ["percent_remaining as a string", { quota_reset_date: "2026-01-01", quota_snapshots: { premium_interactions: { percent_remaining: "5" } } }, "quota_snapshots.premium_interactions.percent_remaining is not a number"],
    ["unlimited as a string", { quota_snapshots: { premium_interactions: { unlimited: "no" } } }, "quota_snapshots.premium_interactions.unlimited is not a boolean"],
    ["no way to a percentage", { quota_reset_date: "2026-01-01", quota_snapshots: { premium_interactions: { entitlement: 300 } } }, "quota_snapshots.premium_interactions.percent_remaining missing"],
    ["a metered quota without reset date", { quota_snapshots: { premium_interactions: { entitlement: 300, percent_remaining: 50 } } }, "quota_reset_date missing"],
    ["a reset date that is no date", { quota_reset_date: "next month", quota_snapshots: { premium_interactions: { entitlement: 300, percent_remaining: 50 } } }, "quota_reset_date is not a date"],
  ])("answers a garbage body (%s) with the field at fault", (_label, body, what) => {
    expect(parseCopilotUsage(body)).toEqual({ ok: false, reason: `unexpected response shape (${what})` });
  });
});

describe("monthEndingAt", () => {
  it.each([
    ["Jan 1 → Dec 1", Date.UTC(2026, 0, 1), Date.UTC(2025, 11, 1)],
    ["Mar 1 → Feb 1 (28 days)", Date.UTC(2026, 2, 1), Date.UTC(2026, 1, 1)],
    ["Mar 31 → Feb 28 (no Feb 31)", Date.UTC(2026, 2, 31), Date.UTC(2026, 1, 28)],
    ["Mar 30 2024 → Feb 29 (leap year)", Date.UTC(2024, 2, 30), Date.UTC(2024, 1, 29)],
    ["Jan 15 12:30 → Dec 15 12:30", Date.UTC(2026, 0, 15, 12, 30), Date.UTC(2025, 11, 15, 12, 30)],
  ])("%s", (_label, reset, start) => {
    expect(monthEndingAt(reset)).toEqual({ start, windowMs: reset - start });
  });
});

describe("copilotApiBase", () => {
  it.each([
    [undefined, { ok: true, value: "https://api.github.com" }],
    ["", { ok: true, value: "https://api.github.com" }],
    ["acme.ghe.com", { ok: true, value: "https://api.acme.ghe.com" }],
    ["https://Acme.ghe.com/", { ok: true, value: "https://api.acme.ghe.com" }],
    ["github.example.com", { ok: false, reason: "Copilot usage of a GitHub Enterprise Server login (github.example.com) is not supported; only github.com and *.ghe.com" }],
    ["https://", { ok: false, reason: "the github-copilot login's enterpriseUrl is not a URL or host name" }],
  ])("enterpriseUrl %j", (enterpriseUrl, expected) => {
    expect(copilotApiBase(enterpriseUrl, "https://api.github.com/")).toEqual(expected);
  });
});

describe("copilotUsageSource", () => {
  it("GETs /copilot_internal/user with `token <GitHub OAuth token>`", async () => {
    const http = fakeHttp({ status: 200, json: loadFixture("copilot-user-business.json").body });
    const answer = await copilotUsageSource({ auth: () => LOGGED_IN, http }).read("github-copilot", NOW);
    expect(http.seen).toEqual([
      {
        url: "https://api.github.com/copilot_internal/user",
        headers: { Authorization: `token ${GITHUB_TOKEN}`, Accept: "application/json", "X-GitHub-Api-Version": "2025-04-01", "User-Agent": "opencode-session-fallback" },
      },
    ]);
    expect(answer).toEqual({
      ok: true,
      usage: {
        providerID: "github-copilot",
        source: "copilot",
        fetchedAt: NOW,
        windows: [{ name: "premium", usedPercent: 100 - 31.166666666666664, windowMs: 31 * DAY, resetsAt: Date.UTC(2026, 0, 1) }],
      },
    });
  });

  it("sends the GitHub token (refresh) rather than an older login's short-lived Copilot token (access)", async () => {
    const http = fakeHttp({ status: 200, json: { quota_snapshots: {} } });
    const store = { "github-copilot": { type: "oauth", refresh: GITHUB_TOKEN, access: COPILOT_TOKEN, expires: NOW - DAY } } as const;
    const answer = await copilotUsageSource({ auth: () => store, http }).read("github-copilot", NOW);
    expect(http.seen[0]?.headers.Authorization).toBe(`token ${GITHUB_TOKEN}`);
    // expires is the Copilot token's; the GitHub token does not expire with it.
    expect(answer.ok).toBe(true);
  });

  it("falls back to access when there is no refresh token", async () => {
    const http = fakeHttp({ status: 200, json: { quota_snapshots: {} } });
    await copilotUsageSource({ auth: () => ({ "github-copilot": { type: "oauth", access: GITHUB_TOKEN } }), http }).read("github-copilot", NOW);
    expect(http.seen[0]?.headers.Authorization).toBe(`token ${GITHUB_TOKEN}`);
  });

  it("asks a *.ghe.com login's own API", async () => {
    const http = fakeHttp({ status: 200, json: { quota_snapshots: {} } });
    const store = { "github-copilot": { type: "oauth", refresh: GITHUB_TOKEN, access: GITHUB_TOKEN, expires: 0, enterpriseUrl: "acme.ghe.com" } } as const;
    await copilotUsageSource({ auth: () => store, http }).read("github-copilot", NOW);
    expect(http.seen[0]?.url).toBe("https://api.acme.ghe.com/copilot_internal/user");
  });

  it("covers github-copilot only", async () => {
    const s = copilotUsageSource({ auth: () => LOGGED_IN, http: fakeHttp({ status: 200, json: {} }) });
    expect(s.id).toBe("copilot");
    expect(s.covers("github-copilot")).toBe(true);
    expect(s.covers("github-models")).toBe(false);
    expect(await s.read("openai", NOW)).toEqual({ ok: false, reason: "the copilot source covers github-copilot, not openai" });
  });

  it.each<[string, Record<string, StoredAuth>, string]>([
    ["no login", {}, "no github-copilot login in OpenCode's auth.json"],
    ["an API key", { "github-copilot": { type: "api", key: "ghp_0123456789abcdefghij0123456789abcdef" } }, "github-copilot usage needs the GitHub (OAuth) login, not an API key"],
    ["an OAuth login without tokens", { "github-copilot": { type: "oauth", expires: 0 } }, "the github-copilot OAuth login has no GitHub token"],
    [
      "a GitHub Enterprise Server login",
      { "github-copilot": { type: "oauth", refresh: GITHUB_TOKEN, access: GITHUB_TOKEN, expires: 0, enterpriseUrl: "github.acme.internal" } },
      "Copilot usage of a GitHub Enterprise Server login (github.acme.internal) is not supported; only github.com and *.ghe.com",
    ],
  ])("answers without a request for %s", async (_label, store, reason) => {
    const http = fakeHttp({ status: 200, json: {} });
    expect(await copilotUsageSource({ auth: () => store, http }).read("github-copilot", NOW)).toEqual({ ok: false, reason });
    expect(http.seen).toEqual([]);
  });

  it.each([
    [401, /^credentials refused \(HTTP 401\); the GitHub login was refused/],
    [403, /^credentials refused \(HTTP 403\)/],
    [404, /^usage endpoint answered HTTP 404$/],
    [500, /^usage endpoint answered HTTP 500$/],
  ])("answers HTTP %i with a reason", async (status, reason) => {
    const http = fakeHttp({ status, json: { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" } });
    const answer = await copilotUsageSource({ auth: () => LOGGED_IN, http }).read("github-copilot", NOW);
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.reason).toMatch(reason);
  });

  it("answers a garbage 200", async () => {
    const http = fakeHttp({ status: 200, json: { login: "octocat" } });
    expect(await copilotUsageSource({ auth: () => LOGGED_IN, http }).read("github-copilot", NOW)).toEqual({
      ok: false,
      reason: "unexpected response shape (quota_snapshots missing)",
    });
  });

  it("answers a port that throws", async () => {
    const answer = await copilotUsageSource({ auth: () => LOGGED_IN, http: throwingHttp(new Error("ECONNRESET")) }).read("github-copilot", NOW);
    expect(answer).toEqual({ ok: false, reason: "request failed (Error: ECONNRESET)" });
  });

  it("answers a port that never settles once its time limit passes", async () => {
    vi.useFakeTimers();
    const pending = copilotUsageSource({ auth: () => LOGGED_IN, http: hangingHttp, timeoutMs: 3_000 }).read("github-copilot", NOW);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await pending).toEqual({ ok: false, reason: "request failed (timed out after 3000 ms)" });
  });
});

import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { decidePace } from "../../src/pace/decide-pace";
import { anchoredWindow, localUsageSource } from "../../src/pace/local-source";
import { elapsedPercent, paceOf, worstPace } from "../../src/pace/pace";
import { PaceRouter } from "../../src/pace/pace-router";
import { alternativeLanes, normalizeModelID } from "../../src/pace/routes";
import { testScenarioSource } from "../../src/pace/test-scenario-source";
import type { ProviderUsage, UsageSource } from "../../src/pace/usage-types";
import { loadSettings } from "../../src/settings/settings";
import { SessionBook } from "../../src/sessions/session-state";
import { FakeOpencode } from "../helpers/fake-opencode";

const H = 3_600_000;
const T0 = 1_800_000_000_000;
const usage = (providerID: string, usedPercent: number, leftMs: number, windowMs = 5 * H, name = "5h"): ProviderUsage => ({
  providerID,
  source: "t",
  fetchedAt: T0,
  windows: [{ name, usedPercent, windowMs, resetsAt: T0 + leftMs }],
});

describe("pace math at the window's edges", () => {
  const w = (left: number) => ({ name: "5h", usedPercent: 50, windowMs: 5 * H, resetsAt: T0 + left });
  it("elapsed is 0 at the start, 50 halfway, 100 at and after the reset", () => {
    expect(elapsedPercent(w(5 * H), T0)).toBe(0);
    expect(elapsedPercent(w(2.5 * H), T0)).toBe(50);
    expect(elapsedPercent(w(1), T0)).toBeCloseTo(100, 3);
    expect(elapsedPercent(w(0), T0)).toBe(100);
    expect(elapsedPercent(w(-H), T0)).toBe(100);
  });
  it("a reset further than the window (clock skew) counts as just started", () => {
    expect(elapsedPercent(w(6 * H), T0)).toBe(0);
  });
  it("pace = used − elapsed", () => {
    expect(paceOf({ name: "5h", usedPercent: 62, windowMs: 5 * H, resetsAt: T0 + 2.5 * H }, T0)).toBe(12);
    expect(paceOf({ name: "5h", usedPercent: 10, windowMs: 5 * H, resetsAt: T0 + 2.5 * H }, T0)).toBe(-40);
  });
  it("the worst window decides (a 7-day window ahead while the 5-hour one is fine)", () => {
    const u: ProviderUsage = { providerID: "anthropic", source: "t", fetchedAt: T0, windows: [
      { name: "5h", usedPercent: 10, windowMs: 5 * H, resetsAt: T0 + 2.5 * H },
      { name: "7d", usedPercent: 80, windowMs: 168 * H, resetsAt: T0 + 84 * H },
    ] };
    expect(worstPace(u, T0)).toMatchObject({ window: "7d", pace: 30 });
  });
  it("pace is always within [used − 100, used] (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 200, noNaN: true }), fc.integer({ min: 1, max: 30 * 24 * H }), fc.integer({ min: -60 * 24 * H, max: 60 * 24 * H }), (used, windowMs, left) => {
        const pace = paceOf({ name: "x", usedPercent: used, windowMs, resetsAt: T0 + left }, T0);
        expect(pace).toBeGreaterThanOrEqual(used - 100 - 1e-9);
        expect(pace).toBeLessThanOrEqual(used + 1e-9);
      }),
    );
  });
});

describe("routable families and aliases", () => {
  it.each([
    ["claude-sonnet-4.5", "claude-sonnet-4-5"],
    ["claude-sonnet-4-5-20250929", "claude-sonnet-4-5"],
    ["anthropic/claude-sonnet-4.5", "claude-sonnet-4-5"],
    ["Claude-Opus-4.1", "claude-opus-4-1"],
    ["gpt-5-latest", "gpt-5"],
  ])("%s normalizes to %s", (id, normal) => expect(normalizeModelID(id)).toBe(normal));

  it("claude on anthropic ↔ github-copilot, in each provider's spelling", () => {
    expect(alternativeLanes({ providerID: "anthropic", modelID: "claude-sonnet-4-5" }, {})).toEqual([{ providerID: "github-copilot", modelID: "claude-sonnet-4.5" }]);
    expect(alternativeLanes({ providerID: "github-copilot", modelID: "claude-sonnet-4.5" }, {})).toEqual([{ providerID: "anthropic", modelID: "claude-sonnet-4-5" }]);
    expect(alternativeLanes({ providerID: "openai", modelID: "gpt-5" }, {})).toEqual([{ providerID: "github-copilot", modelID: "gpt-5" }]);
  });
  it("declared routes come first and cover any provider", () => {
    const routes = { sonnet: ["mock/sonnet-a", "backup/sonnet-b", "third/sonnet-c"] };
    expect(alternativeLanes({ providerID: "mock", modelID: "sonnet-a" }, routes)).toEqual([
      { providerID: "backup", modelID: "sonnet-b" },
      { providerID: "third", modelID: "sonnet-c" },
    ]);
    expect(alternativeLanes({ providerID: "mock", modelID: "other" }, routes)).toEqual([]);
  });
  it("a model of no family has no alternative", () => {
    expect(alternativeLanes({ providerID: "mistral", modelID: "large" }, {})).toEqual([]);
  });
});

describe("decidePace (pure)", () => {
  const current = { providerID: "anthropic", modelID: "claude-sonnet-4-5" };
  const alt = { providerID: "github-copilot", modelID: "claude-sonnet-4.5" };
  const base = { current, now: T0, high: 5, low: -5 };
  it("switches at exactly +5 over pace to an alternative at exactly −5", () => {
    const d = decidePace({ ...base, currentUsage: usage("anthropic", 55, 2.5 * H), alternatives: [{ model: alt, usage: usage("github-copilot", 45, 2.5 * H) }] });
    expect(d).toMatchObject({ action: "switch", to: alt });
  });
  it("stays just under the threshold", () => {
    expect(decidePace({ ...base, currentUsage: usage("anthropic", 54.9, 2.5 * H), alternatives: [{ model: alt, usage: usage("github-copilot", 0, 2.5 * H) }] }).action).toBe("stay");
  });
  it("warns when no alternative is at or under −5, keyed by the window", () => {
    const d = decidePace({ ...base, currentUsage: usage("anthropic", 70, 2.5 * H), alternatives: [{ model: alt, usage: usage("github-copilot", 46, 2.5 * H) }] });
    expect(d).toMatchObject({ action: "warn", key: expect.stringContaining("anthropic:5h:") });
  });
  it("picks the alternative furthest under pace", () => {
    const other = { providerID: "openrouter", modelID: "anthropic/claude-sonnet-4.5" };
    const d = decidePace({ ...base, currentUsage: usage("anthropic", 90, 2.5 * H), alternatives: [{ model: alt, usage: usage("github-copilot", 40, 2.5 * H) }, { model: other, usage: usage("openrouter", 10, 2.5 * H) }] });
    expect(d).toMatchObject({ action: "switch", to: other });
  });
  it("no reading for the current provider: stay", () => {
    expect(decidePace({ ...base, currentUsage: undefined, alternatives: [] })).toMatchObject({ action: "stay", why: expect.stringContaining("no usage reading") });
  });
});

describe("local usage: budgets against OpenCode's session history", () => {
  it("anchors a window at the first use after the previous one closed", () => {
    const uses = [
      { providerID: "p", at: T0 - 10 * H, tokens: 999 },
      { providerID: "p", at: T0 - 2 * H, tokens: 100 },
      { providerID: "p", at: T0 - H, tokens: 300 },
    ];
    expect(anchoredWindow(uses, "5h", 5 * H, 1000, T0)).toEqual({ name: "5h", usedPercent: 40, windowMs: 5 * H, resetsAt: T0 + 3 * H });
    expect(anchoredWindow(uses, "5h", 5 * H, 1000, T0 + 4 * H)).toBeUndefined();
  });
  it("reads the history once a minute and reports per declared window", async () => {
    let reads = 0;
    const source = localUsageSource({ anthropic: { "5h": 1000 } }, { tokenUse: async () => (reads++, [{ providerID: "anthropic", at: T0 - H, tokens: 700 }]) });
    expect(source.covers("anthropic")).toBe(true);
    expect(source.covers("openai")).toBe(false);
    const r = await source.read("anthropic", T0);
    expect(r).toMatchObject({ ok: true, usage: { source: "local", windows: [{ name: "5h", usedPercent: 70 }] } });
    await source.read("anthropic", T0 + 30_000);
    expect(reads).toBe(1);
  });
  it("a history that cannot be read is a reason, not an exception", async () => {
    const source = localUsageSource({ anthropic: { "5h": 1000 } }, { tokenUse: async () => { throw new Error("HTTP 500"); } });
    expect(await source.read("anthropic", T0)).toMatchObject({ ok: false, reason: expect.stringContaining("HTTP 500") });
  });
});

describe("PaceRouter guards (injected clock)", () => {
  let now: number;
  let fake: FakeOpencode;
  let book: SessionBook;
  let notes: string[];
  const router = (env: Record<string, string> = {}, sources: UsageSource[] = [testScenarioSource("anthropic_over_pace")]) =>
    new PaceRouter({ settings: loadSettings(env, undefined, "/p").settings.pace, sources, book, port: fake, clock: () => now, note: (_l, r) => void notes.push(r.outcome) });
  const turn = (id: string, model = "claude-sonnet-4-5", provider = "anthropic") => ({ id, role: "assistant", providerID: provider, modelID: model, mode: "build", time: { created: now, completed: now } });
  beforeEach(() => {
    now = T0;
    fake = new FakeOpencode();
    book = new SessionBook();
    notes = [];
  });

  it("over pace with an alternative under pace: the session moves, toast first, no config write", async () => {
    const r = router();
    expect(await r.afterTurn("s", turn("m1"))).toBe("switched");
    expect(book.get("s").lane.sticky).toMatchObject({ reason: "pace", target: { model: { providerID: "github-copilot", modelID: "claude-sonnet-4.5" }, agent: "build" } });
    expect(fake.calls.map((c) => c.call)).toEqual(["toast"]);
  });

  it("persist mode: toast FIRST, then config.update with the new model", async () => {
    const r = router({ OPENCODE_SESSION_FALLBACK_PACE_MODE: "persist" });
    expect(await r.afterTurn("s", turn("m1"))).toBe("persisted");
    expect(fake.calls.map((c) => c.call)).toEqual(["toast", "configUpdate"]);
    expect(fake.calls[1]).toEqual({ call: "configUpdate", patch: { model: "github-copilot/claude-sonnet-4.5" } });
    expect(book.get("s").lane.sticky).toBeUndefined();
  });

  it("the same turn announced by several idles is looked at once", async () => {
    const r = router();
    await r.afterTurn("s", turn("m1"));
    expect(await r.afterTurn("s", turn("m1"))).toBe("duplicate");
  });

  it("at most one switch per session per min interval", async () => {
    const r = router({ OPENCODE_SESSION_FALLBACK_PACE_MIN_INTERVAL_MS: "600000" });
    await r.afterTurn("s", turn("m1"));
    now = T0 + 599_999;
    expect(await r.afterTurn("s", turn("m2"))).toBe("rate-limited");
    now = T0 + 600_000;
    expect(await r.afterTurn("s", turn("m3"))).toBe("switched");
  });

  it("a manual model switch is respected for N turns", async () => {
    const r = router({ OPENCODE_SESSION_FALLBACK_PACE_MANUAL_TURNS: "2" });
    book.get("s").pace.manualTurnsLeft = 2;
    expect(await r.afterTurn("s", turn("m1"))).toBe("manual-hold");
    expect(await r.afterTurn("s", turn("m2"))).toBe("manual-hold");
    expect(await r.afterTurn("s", turn("m3"))).toBe("switched");
  });

  it("opt-out: pace off reads nothing and changes nothing", async () => {
    let reads = 0;
    const counting: UsageSource = { id: "c", covers: () => true, read: async () => (reads++, { ok: false, reason: "x" }) };
    expect(await router({ OPENCODE_SESSION_FALLBACK_PACE: "off" }, [counting]).afterTurn("s", turn("m1"))).toBe("off");
    expect(reads).toBe(0);
  });

  it("over pace and nowhere to go: one warning per window, not after every turn", async () => {
    const r = router({}, [testScenarioSource("all_over_pace")]);
    expect(await r.afterTurn("s", turn("m1"))).toBe("warned");
    expect(await r.afterTurn("s", turn("m2"))).toBe("warned-before");
    expect(await r.afterTurn("s2", turn("m3"))).toBe("warned-before");
    expect(fake.calls.filter((c) => c.call === "toast")).toHaveLength(1);
  });

  it("usage is read at most once a minute per provider", async () => {
    let reads = 0;
    const counting: UsageSource = { id: "c", covers: () => true, read: async (p, n) => (reads++, { ok: true, usage: usage(p, 10, 2.5 * H) }) };
    const r = router({}, [counting]);
    await r.afterTurn("s", turn("m1"));
    await r.afterTurn("s", turn("m2"));
    expect(reads).toBe(2); // anthropic + github-copilot, once each
    now = T0 + 60_000;
    await r.afterTurn("s", turn("m3"));
    expect(reads).toBe(4);
  });

  it("a source that fails is skipped with a note, the next one answers", async () => {
    const failing: UsageSource = { id: "broken", covers: () => true, read: async () => ({ ok: false, reason: "timed out" }) };
    const r = router({}, [failing, testScenarioSource("anthropic_over_pace")]);
    expect(await r.afterTurn("s", turn("m1"))).toBe("switched");
    expect(notes).toContain("usage-source-skipped");
  });

  it("the same skip reason is reported at info level once, then only in the debug log", async () => {
    const levels: string[] = [];
    const failing: UsageSource = { id: "broken", covers: () => true, read: async () => ({ ok: false, reason: "anthropic usage needs an OAuth (Claude subscription) login" }) };
    const r = new PaceRouter({ settings: loadSettings({}, undefined, "/p").settings.pace, sources: [failing], book, port: fake, clock: () => now, note: (level, rec) => void (rec.outcome === "usage-source-skipped" && levels.push(level)) });
    await r.afterTurn("s", turn("m1"));
    now += 61_000;
    await r.afterTurn("s", turn("m2"));
    expect(levels.filter((l) => l === "info")).toHaveLength(2); // anthropic and github-copilot, once each
    expect(levels.filter((l) => l === "debug").length).toBeGreaterThanOrEqual(2);
  });

  it("the seed's USAGE_LIMITS_TEST_MODE / USAGE_LIMITS_TEST_SCENARIO / USAGE_LIMITS_DEBUG are accepted", () => {
    const s = loadSettings({ USAGE_LIMITS_TEST_MODE: "1", USAGE_LIMITS_TEST_SCENARIO: "anthropic_over_pace", USAGE_LIMITS_DEBUG: "1" }, undefined, "/p").settings;
    expect(s.pace.testScenario).toBe("anthropic_over_pace");
    expect(s.debug).toBe(true);
    expect(loadSettings({ USAGE_LIMITS_TEST_MODE: "0", USAGE_LIMITS_TEST_SCENARIO: "anthropic_over_pace" }, undefined, "/p").settings.pace.testScenario).toBeUndefined();
  });
});

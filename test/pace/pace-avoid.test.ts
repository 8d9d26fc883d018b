import { beforeEach, describe, expect, it } from "vitest";
import { laneGuard } from "../../src/lanes/lane-guard";
import { LaneHealth } from "../../src/lanes/lane-health";
import type { ModelRef } from "../../src/host/model-ref";
import { SessionBook } from "../../src/sessions/session-state";
import { loadSettings } from "../../src/settings/settings";
import { EXHAUSTED_PERCENT, PaceRouter } from "../../src/pace/pace-router";
import { testScenarioSource } from "../../src/pace/test-scenario-source";
import type { ProviderUsage, UsageSource, UsageWindow } from "../../src/pace/usage-types";
import { FakeOpencode } from "../helpers/fake-opencode";

const H = 3_600_000;
const T0 = 1_800_000_000_000;
const COPILOT = { providerID: "github-copilot", modelID: "claude-sonnet-4.5" };

/** A source answering, per provider, the windows `windows[provider]` holds at the time of the read; counts reads. */
const scripted = (windows: Record<string, UsageWindow[]>) => {
  const source = {
    reads: [] as string[],
    id: "scripted",
    covers: (providerID: string) => providerID in windows,
    read: async (providerID: string, now: number) => {
      source.reads.push(providerID);
      const usage: ProviderUsage = { providerID, source: "scripted", fetchedAt: now, windows: windows[providerID] ?? [] };
      return { ok: true as const, usage };
    },
  };
  return source;
};
const win = (usedPercent: number, resetsAt: number, name = "5h", windowMs = 5 * H): UsageWindow => ({ name, usedPercent, windowMs, resetsAt });

describe("PaceRouter: a lane that avoid names is never an alternative (injected clock)", () => {
  let now: number;
  let fake: FakeOpencode;
  let book: SessionBook;
  let notes: string[];
  let avoidCalls: Array<{ lane: string; now: number }>;
  const router = (avoid: ((model: ModelRef, at: number) => string | undefined) | undefined, sources: UsageSource[] = [testScenarioSource("anthropic_over_pace")], env: Record<string, string> = {}) =>
    new PaceRouter({
      settings: loadSettings(env, undefined, "/p").settings.pace,
      sources,
      book,
      port: fake,
      clock: () => now,
      note: (_l, r) => void notes.push(r.outcome),
      ...(avoid
        ? {
            avoid: (model: ModelRef, at: number) => {
              avoidCalls.push({ lane: `${model.providerID}/${model.modelID}`, now: at });
              return avoid(model, at);
            },
          }
        : {}),
    });
  const turn = (id: string, model = "claude-sonnet-4-5", provider = "anthropic") => ({ id, role: "assistant", providerID: provider, modelID: model, mode: "build", time: { created: now, completed: now } });
  beforeEach(() => {
    now = T0;
    fake = new FakeOpencode();
    book = new SessionBook();
    notes = [];
    avoidCalls = [];
  });

  it("control: with nothing avoided the over-pace session moves to github-copilot", async () => {
    expect(await router(() => undefined).afterTurn("s", turn("m1"))).toBe("switched");
    expect(book.get("s").lane.sticky?.target.model).toEqual(COPILOT);
  });

  it("the only alternative cooling: no switch, a warning instead, and the session keeps its lane", async () => {
    expect(await router((m) => (m.providerID === "github-copilot" ? "cooling (quota)" : undefined)).afterTurn("s", turn("m1"))).toBe("warned");
    expect(book.get("s").lane.sticky).toBeUndefined();
    expect(notes).toContain("pace-alternative-avoided");
    expect(fake.calls.map((c) => c.call)).toEqual(["toast"]);
  });

  it("avoid is asked about each alternative with the injected clock's now, never about the current lane", async () => {
    now = T0 + 12_345;
    await router(() => undefined).afterTurn("s", turn("m1"));
    expect(avoidCalls).toEqual([{ lane: "github-copilot/claude-sonnet-4.5", now: T0 + 12_345 }]);
  });

  it("an avoided alternative's usage is not even read", async () => {
    const source = scripted({ anthropic: [win(70, T0 + 2.5 * H)], "github-copilot": [win(0, T0 + 2.5 * H)] });
    await router(() => "cooling", [source]).afterTurn("s", turn("m1"));
    expect(source.reads).toEqual(["anthropic"]);
  });

  it("of two routed alternatives, the avoided one is passed over even though it is further under pace", async () => {
    const env = { OPENCODE_SESSION_FALLBACK_ROUTES: "sonnet=mock/sonnet,backup/sonnet,third/sonnet" };
    const source = () => scripted({ mock: [win(80, T0 + 2.5 * H)], backup: [win(0, T0 + 2.5 * H)], third: [win(30, T0 + 2.5 * H)] });
    expect(await router(() => undefined, [source()], env).afterTurn("s", turn("m1", "sonnet", "mock"))).toBe("switched");
    expect(book.get("s").lane.sticky?.target.model).toEqual({ providerID: "backup", modelID: "sonnet" });
    book = new SessionBook();
    expect(await router((m) => (m.providerID === "backup" ? "cooling" : undefined), [source()], env).afterTurn("s", turn("m1", "sonnet", "mock"))).toBe("switched");
    expect(book.get("s").lane.sticky?.target.model).toEqual({ providerID: "third", modelID: "sonnet" });
  });

  it("with a real LaneHealth: a cooling lane is no alternative until its cooldown ends, then it is", async () => {
    const health = new LaneHealth();
    health.markCooling(COPILOT, { kind: "quota", rule: "r", resetAt: T0 + 90_000 }, T0, 900_000);
    const r = router((model, at) => laneGuard(health, new Map(), undefined, at).avoid(model));
    expect(await r.afterTurn("s", turn("m1"))).toBe("warned");
    now = T0 + 90_000;
    expect(await r.afterTurn("s", turn("m2"))).toBe("switched");
    expect(book.get("s").lane.sticky?.target.model).toEqual(COPILOT);
  });
});

describe("PaceRouter.exhaustedUntil: a fresh read of the provider's windows", () => {
  let now: number;
  const router = (sources: UsageSource[]) =>
    new PaceRouter({ settings: loadSettings({}, undefined, "/p").settings.pace, sources, book: new SessionBook(), port: new FakeOpencode(), clock: () => now, note: () => {} });
  beforeEach(() => {
    now = T0;
  });

  it("a window is exhausted at 99.5 % used", () => {
    expect(EXHAUSTED_PERCENT).toBe(99.5);
  });

  it("a window at exactly 99.5 % is exhausted: its reset is returned", async () => {
    expect(await router([scripted({ anthropic: [win(99.5, T0 + H)] })]).exhaustedUntil("anthropic", T0)).toBe(T0 + H);
  });

  it("a window at 99.4 % is not exhausted: undefined", async () => {
    expect(await router([scripted({ anthropic: [win(99.4, T0 + H)] })]).exhaustedUntil("anthropic", T0)).toBeUndefined();
  });

  it("a window over 100 % is exhausted", async () => {
    expect(await router([scripted({ anthropic: [win(130, T0 + 2 * H)] })]).exhaustedUntil("anthropic", T0)).toBe(T0 + 2 * H);
  });

  it("several exhausted windows: the latest reset; a later window that is not exhausted does not count", async () => {
    const source = scripted({ anthropic: [win(100, T0 + H), win(99.9, T0 + 72 * H, "7d", 168 * H), win(50, T0 + 100 * H, "7d-opus", 168 * H)] });
    expect(await router([source]).exhaustedUntil("anthropic", T0)).toBe(T0 + 72 * H);
  });

  it("an exhausted window whose reset is now or past is not a future end: undefined", async () => {
    expect(await router([scripted({ anthropic: [win(100, T0), win(100, T0 - H)] })]).exhaustedUntil("anthropic", T0)).toBeUndefined();
  });

  it("a NaN usedPercent is not exhausted", async () => {
    expect(await router([scripted({ anthropic: [win(Number.NaN, T0 + H)] })]).exhaustedUntil("anthropic", T0)).toBeUndefined();
  });

  it("reads fresh: a reading cached a second ago by a turn is read again", async () => {
    const windows = { anthropic: [win(40, T0 + H)], "github-copilot": [win(10, T0 + H)] };
    const source = scripted(windows);
    const r = router([source]);
    const turn = { id: "m1", role: "assistant", providerID: "anthropic", modelID: "claude-sonnet-4-5", mode: "build", time: { created: T0, completed: T0 } };
    expect(await r.afterTurn("s", turn)).toBe("stay");
    windows.anthropic = [win(100, T0 + H)];
    now = T0 + 1000;
    expect(await r.exhaustedUntil("anthropic", now)).toBe(T0 + H);
    expect(source.reads.filter((p) => p === "anthropic")).toHaveLength(2);
  });

  it("no source covers the provider: undefined, nothing read", async () => {
    const source = scripted({ anthropic: [win(100, T0 + H)] });
    expect(await router([source]).exhaustedUntil("openai", T0)).toBeUndefined();
    expect(source.reads).toEqual([]);
  });

  it("the read fails: undefined", async () => {
    const failing: UsageSource = { id: "broken", covers: () => true, read: async () => ({ ok: false, reason: "HTTP 500" }) };
    expect(await router([failing]).exhaustedUntil("anthropic", T0)).toBeUndefined();
  });

  it("a source that throws against its contract: undefined, not thrown", async () => {
    const throwing: UsageSource = { id: "throws", covers: () => true, read: async () => { throw new Error("boom"); } };
    await expect(router([throwing]).exhaustedUntil("anthropic", T0)).resolves.toBeUndefined();
  });

  it("a failing source is skipped for the next one that answers", async () => {
    const failing: UsageSource = { id: "broken", covers: () => true, read: async () => ({ ok: false, reason: "timed out" }) };
    expect(await router([failing, scripted({ anthropic: [win(100, T0 + 3 * H)] })]).exhaustedUntil("anthropic", T0)).toBe(T0 + 3 * H);
  });
});

import { describe, expect, it } from "vitest";
import type { AgentDefinition, AgentLookup } from "../../src/agents/agent-files";
import { laneGuard } from "../../src/lanes/lane-guard";
import { LaneHealth, failedPoolOf } from "../../src/lanes/lane-health";
import { resolveFallback, type ChainGuard } from "../../src/agents/resolve-fallback";
import { type ModelRef } from "../../src/host/model-ref";
import { loadSettings } from "../../src/settings/settings";

const T0 = 1_800_000_000_000;
const POOL_REASON = "shares pool \"max\" with the failed lane";

const agents = (defs: Record<string, Partial<AgentDefinition>>) => async (name: string): Promise<AgentLookup> => {
  const def = defs[name];
  return def ? { ok: true, agent: { name, file: `/a/${name}.md`, prompt: "", ...def } } : { ok: false, reason: "not-found", message: `agent "${name}" has no markdown file` };
};

/** A guard from plain lists of providers: `cooling` ones are avoided, `pooled` ones kept for last. */
const guard = (cooling: string[], pooled: string[]): ChainGuard => ({
  avoid: (m: ModelRef) => (cooling.includes(m.providerID) ? `${m.providerID} cooling` : undefined),
  deprioritize: (m: ModelRef) => (pooled.includes(m.providerID) ? POOL_REASON : undefined),
});

/** a (the failed agent) → b → c. */
const abc = agents({
  a: { model: "p1/a", fallbackAgent: "b" },
  b: { model: "p2/b", fallbackAgent: "c" },
  c: { model: "p3/c" },
});

describe("resolveFallback keeps a lane of the failed pool for last", () => {
  it("a → b → c with b in the failed pool: c is taken, b is listed as passed with its reason", async () => {
    const r = await resolveFallback("a", abc, guard([], ["p2"]));
    expect(r).toMatchObject({ ok: true, target: { agent: "c", model: { providerID: "p3", modelID: "c" } } });
    expect(r.ok && r.target.skipped).toEqual([`b (p2/b: ${POOL_REASON}; tried only if no other lane is left)`]);
    expect(r.ok && r.target.lastResort).toBeUndefined();
  });

  it("the only lane is in the failed pool: it is taken, with lastResort set to why", async () => {
    const r = await resolveFallback("a", agents({ a: { model: "p1/a", fallbackAgent: "b" }, b: { model: "p2/b", prompt: "Be B." } }), guard([], ["p2"]));
    expect(r).toEqual({
      ok: true,
      target: { sourceAgent: "a", agent: "b", model: { providerID: "p2", modelID: "b" }, prompt: "Be B.", file: "/a/b.md", skipped: [], lastResort: POOL_REASON },
    });
  });

  it("every lane in the failed pool: the first of them is the last resort, the later ones stay listed as passed", async () => {
    const r = await resolveFallback("a", abc, guard([], ["p2", "p3"]));
    expect(r).toMatchObject({ ok: true, target: { agent: "b", lastResort: POOL_REASON } });
    expect(r.ok && r.target.skipped).toEqual([`c (p3/c: ${POOL_REASON}; tried only if no other lane is left)`]);
  });

  it("a lane in the failed pool then a cooling one then a free one: the free one, no last resort", async () => {
    const chain = agents({ a: { fallbackAgent: "b" }, b: { model: "p2/b", fallbackAgent: "c" }, c: { model: "p3/c", fallbackAgent: "d" }, d: { model: "p4/d" } });
    const r = await resolveFallback("a", chain, guard(["p3"], ["p2"]));
    expect(r).toMatchObject({ ok: true, target: { agent: "d" } });
    expect(r.ok && r.target.lastResort).toBeUndefined();
    expect(r.ok && r.target.skipped).toEqual([`b (p2/b: ${POOL_REASON}; tried only if no other lane is left)`, "c (p3/c: p3 cooling)"]);
  });
});

describe("resolveFallback never takes a cooling lane", () => {
  it("a cooling lane is passed over for the next one", async () => {
    const r = await resolveFallback("a", abc, guard(["p2"], []));
    expect(r).toMatchObject({ ok: true, target: { agent: "c", skipped: ["b (p2/b: p2 cooling)"] } });
  });

  it("the only lane cooling: chain-exhausted, not a last resort", async () => {
    const r = await resolveFallback("a", agents({ a: { fallbackAgent: "b" }, b: { model: "p2/b" } }), guard(["p2"], []));
    expect(r).toMatchObject({ ok: false, reason: "chain-exhausted", passed: [{ agent: "b", model: { providerID: "p2", modelID: "b" }, reason: "p2 cooling" }] });
  });

  it("a lane both cooling and in the failed pool is avoided, not kept in reserve", async () => {
    const r = await resolveFallback("a", agents({ a: { fallbackAgent: "b" }, b: { model: "p2/b" } }), guard(["p2"], ["p2"]));
    expect(r).toMatchObject({ ok: false, reason: "chain-exhausted" });
    expect(!r.ok && r.passed).toEqual([{ agent: "b", model: { providerID: "p2", modelID: "b" }, reason: "p2 cooling" }]);
  });

  it("a cooling lane before a pooled one: the pooled one is the last resort, the cooling one stays passed", async () => {
    const r = await resolveFallback("a", abc, guard(["p2"], ["p3"]));
    expect(r).toMatchObject({ ok: true, target: { agent: "c", lastResort: POOL_REASON, skipped: ["b (p2/b: p2 cooling)"] } });
  });

  it("every lane cooling: failure listing every passed lane with its reason, in chain order", async () => {
    const r = await resolveFallback("a", abc, guard(["p2", "p3"], []));
    expect(r).toMatchObject({ ok: false, reason: "chain-exhausted" });
    expect(!r.ok && r.passed).toEqual([
      { agent: "b", model: { providerID: "p2", modelID: "b" }, reason: "p2 cooling" },
      { agent: "c", model: { providerID: "p3", modelID: "c" }, reason: "p3 cooling" },
    ]);
    expect(!r.ok && r.message).toContain('"c" declares no further fallback_agent');
  });
});

describe("laneGuard end to end (LaneHealth, declared pools, injected clock)", () => {
  const ANTHROPIC = { providerID: "anthropic", modelID: "claude-opus" };
  const PROXY = { providerID: "cliproxy_claude", modelID: "claude-opus" };
  const OPENAI = { providerID: "openai", modelID: "gpt-5" };
  const GOOGLE = { providerID: "google", modelID: "gemini-2.5-pro" };
  const pools = loadSettings({ OPENCODE_SESSION_FALLBACK_POOLS: "claude-max=anthropic,cliproxy_claude" }, undefined, "/p").settings.pools;
  const coolingHealth = () => {
    const health = new LaneHealth();
    health.markCooling(OPENAI, { kind: "quota", rule: "r", resetAt: T0 + 843_000 }, T0, 900_000);
    return health;
  };

  it("avoid names a cooling lane with its kind, its end as ISO and the time left; a free lane is undefined", () => {
    const g = laneGuard(coolingHealth(), pools, undefined, T0);
    expect(g.avoid(OPENAI)).toBe("cooling (quota) until 2027-01-15T08:14:03.000Z, in 14m 3s");
    expect(g.avoid(GOOGLE)).toBeUndefined();
  });

  it("the cooling ends at the reset: a guard made at the reset avoids nothing", () => {
    expect(laneGuard(coolingHealth(), pools, undefined, T0 + 843_000).avoid(OPENAI)).toBeUndefined();
  });

  it("deprioritize names the declared pool of the failed lane, for its members only", () => {
    const g = laneGuard(coolingHealth(), pools, failedPoolOf(ANTHROPIC, pools, undefined), T0);
    expect(g.deprioritize?.(PROXY)).toBe('shares pool "claude-max" (OPENCODE_SESSION_FALLBACK_POOLS) with the failed lane');
    expect(g.deprioritize?.(GOOGLE)).toBeUndefined();
    expect(g.deprioritize?.(OPENAI)).toBeUndefined();
  });

  it("no failed pool: nothing is deprioritized", () => {
    expect(laneGuard(coolingHealth(), pools, undefined, T0).deprioritize?.(PROXY)).toBeUndefined();
  });

  it("a chain proxy (same pool) → openai (cooling) → google: google is taken, both others listed with their reasons", async () => {
    const chain = agents({
      build: { model: "anthropic/claude-opus", fallbackAgent: "proxy" },
      proxy: { model: "cliproxy_claude/claude-opus", fallbackAgent: "gpt" },
      gpt: { model: "openai/gpt-5", fallbackAgent: "gemini" },
      gemini: { model: "google/gemini-2.5-pro" },
    });
    const r = await resolveFallback("build", chain, laneGuard(coolingHealth(), pools, failedPoolOf(ANTHROPIC, pools, undefined), T0));
    expect(r).toMatchObject({ ok: true, target: { agent: "gemini", model: GOOGLE } });
    expect(r.ok && r.target.lastResort).toBeUndefined();
    expect(r.ok && r.target.skipped).toEqual([
      'proxy (cliproxy_claude/claude-opus: shares pool "claude-max" (OPENCODE_SESSION_FALLBACK_POOLS) with the failed lane; tried only if no other lane is left)',
      "gpt (openai/gpt-5: cooling (quota) until 2027-01-15T08:14:03.000Z, in 14m 3s)",
    ]);
  });

  it("account scope: the failure's pool is provider:ID, and only lanes of that provider are deprioritized", () => {
    const failedPool = failedPoolOf(OPENAI, new Map(), "account");
    expect(failedPool).toBe("provider:openai");
    const g = laneGuard(new LaneHealth(), new Map(), failedPool, T0);
    expect(g.deprioritize?.({ providerID: "openai", modelID: "gpt-5-mini" })).toBe("shares the openai account, which the error said is out as a whole with the failed lane");
    expect(g.deprioritize?.(ANTHROPIC)).toBeUndefined();
    expect(g.deprioritize?.({ providerID: "openai-compatible", modelID: "gpt-5" })).toBeUndefined();
  });

  it("account scope end to end: another openai model is the last resort when the chain has nothing else", async () => {
    const chain = agents({ build: { model: "openai/gpt-5", fallbackAgent: "mini" }, mini: { model: "openai/gpt-5-mini" } });
    const r = await resolveFallback("build", chain, laneGuard(new LaneHealth(), new Map(), failedPoolOf(OPENAI, new Map(), "account"), T0));
    expect(r).toMatchObject({ ok: true, target: { agent: "mini", skipped: [], lastResort: "shares the openai account, which the error said is out as a whole with the failed lane" } });
  });

  it("without account scope and without declared pools, a same-provider lane is taken at once", async () => {
    const chain = agents({ build: { model: "openai/gpt-5", fallbackAgent: "mini" }, mini: { model: "openai/gpt-5-mini" } });
    const r = await resolveFallback("build", chain, laneGuard(new LaneHealth(), new Map(), failedPoolOf(OPENAI, new Map(), undefined), T0));
    expect(r).toMatchObject({ ok: true, target: { agent: "mini", skipped: [] } });
    expect(r.ok && r.target.lastResort).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import type { AgentDefinition, AgentLookup } from "../../src/agents/agent-files";
import { resolveFallback } from "../../src/agents/resolve-fallback";
import { parseModelRef } from "../../src/host/model-ref";

const agents = (defs: Record<string, Partial<AgentDefinition>>) => async (name: string): Promise<AgentLookup> => {
  const def = defs[name];
  return def ? { ok: true, agent: { name, file: `/a/${name}.md`, prompt: "", ...def } } : { ok: false, reason: "not-found", message: `agent "${name}" has no markdown file` };
};

describe("parseModelRef", () => {
  it.each([
    ["openai/gpt-5", { providerID: "openai", modelID: "gpt-5" }],
    ["openrouter/anthropic/claude-sonnet-4.5", { providerID: "openrouter", modelID: "anthropic/claude-sonnet-4.5" }],
  ])("%s", (text, ref) => expect(parseModelRef(text)).toEqual(ref));
  it.each(["gpt-5", "/m", "p/", "", "a b/c"])("refuses %j", (text) => expect(parseModelRef(text)).toBeUndefined());
});

describe("resolveFallback", () => {
  it("resolves source → fallback_agent → model and prompt", async () => {
    const r = await resolveFallback("build", agents({ build: { fallbackAgent: "metis" }, metis: { model: "p/m", prompt: "Be Metis." } }));
    expect(r).toEqual({ ok: true, target: { sourceAgent: "build", agent: "metis", model: { providerID: "p", modelID: "m" }, prompt: "Be Metis.", file: "/a/metis.md", skipped: [] } });
  });
  it.each([
    ["no source file", {}, "no-source-agent"],
    ["no fallback_agent", { build: {} }, "no-fallback-agent"],
    ["fallback names itself", { build: { fallbackAgent: "build", model: "p/m" } }, "cycle"],
    ["missing target", { build: { fallbackAgent: "metis" } }, "target-unreadable"],
    ["target without model", { build: { fallbackAgent: "metis" }, metis: {} }, "no-model"],
    ["target with a bad model", { build: { fallbackAgent: "metis" }, metis: { model: "gpt-5" } }, "bad-model"],
  ] as const)("%s → %s", async (_label, defs, reason) => {
    const r = await resolveFallback("build", agents(defs as Record<string, Partial<AgentDefinition>>));
    expect(r).toMatchObject({ ok: false, reason });
    expect(!r.ok && r.message.length).toBeGreaterThan(10);
  });
});

describe("resolveFallback along a chain", () => {
  const chain = agents({
    build: { fallbackAgent: "a" },
    a: { model: "p1/a", fallbackAgent: "b" },
    b: { model: "p2/b", fallbackAgent: "c" },
    c: { model: "p3/c" },
    loop1: { model: "p1/x", fallbackAgent: "loop2" },
    loop2: { model: "p2/y", fallbackAgent: "loop1" },
    cyc: { fallbackAgent: "loop1" },
  });
  const avoiding = (...providers: string[]) => ({ avoid: (m: { providerID: string }) => (providers.includes(m.providerID) ? "cooling" : undefined) });

  it("takes the first fallback when nothing is avoided", async () => {
    expect(await resolveFallback("build", chain, avoiding())).toMatchObject({ ok: true, target: { agent: "a", skipped: [] } });
  });
  it("walks past lanes to avoid, and says which it passed", async () => {
    const r = await resolveFallback("build", chain, avoiding("p1", "p2"));
    expect(r).toMatchObject({ ok: true, target: { agent: "c", model: { providerID: "p3" } } });
    expect(r.ok && r.target.skipped).toEqual(["a (p1/a: cooling)", "b (p2/b: cooling)"]);
  });
  it("every lane avoided: chain-exhausted, naming them", async () => {
    const r = await resolveFallback("build", chain, avoiding("p1", "p2", "p3"));
    expect(r).toMatchObject({ ok: false, reason: "chain-exhausted" });
    expect(!r.ok && r.message).toMatch(/a \(p1\/a: cooling\).*c \(p3\/c: cooling\)/);
  });
  it("a cycle reached past cooling lanes ends the chain: nothing left, every lane passed named, the loop said", async () => {
    const r = await resolveFallback("cyc", chain, avoiding("p1", "p2"));
    expect(r).toMatchObject({ ok: false, reason: "chain-exhausted", message: expect.stringContaining("loops: cyc -> loop1 -> loop2 -> loop1") });
    expect(!r.ok && r.passed?.map((p) => p.agent)).toEqual(["loop1", "loop2"]);
  });

  it("a cycle or a broken link past a lane kept for last still takes that lane (a and b naming each other)", async () => {
    const pair = agents({ a: { model: "p1/a", fallbackAgent: "b" }, b: { model: "p2/b", fallbackAgent: "a" }, c: { model: "p2/c", fallbackAgent: "zz" } });
    const samePool = { avoid: () => undefined, deprioritize: (m: { providerID: string }) => (m.providerID === "p2" ? "same pool" : undefined) };
    const r = await resolveFallback("a", pair, samePool);
    expect(r).toMatchObject({ ok: true, target: { agent: "b", lastResort: "same pool" } });
    expect(r.ok && r.target.skipped.join(" ")).toContain("loops: a -> b -> a");
    const broken = await resolveFallback("x", agents({ x: { model: "p1/x", fallbackAgent: "c" }, c: { model: "p2/c", fallbackAgent: "zz" } }), samePool);
    expect(broken).toMatchObject({ ok: true, target: { agent: "c", lastResort: "same pool" } });
  });
});

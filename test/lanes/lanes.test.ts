import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LaneHealth, cooldownEnd, declaredPool, failedPoolOf, inPool } from "../../src/lanes/lane-health";
import { STATE_FORMAT, fileLaneStore, parseState, serializeState } from "../../src/lanes/lane-store";
import { defaultStateFile } from "../../src/settings/settings";
import { SharedHealth } from "../../src/lanes/shared-health";
import { steerTurn, type SteerableMessage, type SteeringDeps } from "../../src/lanes/lane-steering";
import { loadSettings } from "../../src/settings/settings";
import { SessionBook } from "../../src/sessions/session-state";
import { resolveFallback } from "../../src/agents/resolve-fallback";
import { CONTINUE_TEXT } from "../../src/sessions/own-prompt";
import type { AgentLookup } from "../../src/agents/agent-files";
import { FakeOpencode } from "../helpers/fake-opencode";
import { steeringDeps } from "../helpers/steering-deps";

const A = { providerID: "anthropic", modelID: "claude-opus" };
const B = { providerID: "openai", modelID: "gpt-5" };
const T0 = 1_800_000_000_000;

describe("LaneHealth cooldowns (injected clock)", () => {
  it("cools until resetAt, else now + retryAfterMs, else now + cooldown", () => {
    expect(cooldownEnd({ resetAt: T0 + 5000, retryAfterMs: 1000 }, T0, 900_000)).toBe(T0 + 5000);
    expect(cooldownEnd({ retryAfterMs: 1000 }, T0, 900_000)).toBe(T0 + 1000);
    expect(cooldownEnd({}, T0, 900_000)).toBe(T0 + 900_000);
    expect(cooldownEnd({ resetAt: T0 - 1 }, T0, 900_000)).toBe(T0 + 900_000);
  });

  it("is cooling just before the reset and not just after", () => {
    const health = new LaneHealth();
    health.markCooling(A, { kind: "quota", rule: "r", resetAt: T0 + 60_000 }, T0, 900_000);
    expect(health.cooling(A, T0 + 59_999)?.kind).toBe("quota");
    expect(health.cooling(A, T0 + 60_000)).toBeUndefined();
    expect(health.list(T0 + 60_001)).toEqual([]);
  });

  it("a later failure with a shorter wait never shortens a known cooldown", () => {
    const health = new LaneHealth();
    health.markCooling(A, { kind: "quota", rule: "long", resetAt: T0 + 3_600_000 }, T0, 900_000);
    health.markCooling(A, { kind: "rate-limit", rule: "short", retryAfterMs: 1000 }, T0 + 10, 900_000);
    expect(health.cooling(A, T0 + 20)?.rule).toBe("long");
  });

  it("a lane that served again is cleared, and an older copy from disk does not bring it back", () => {
    const health = new LaneHealth();
    const entry = health.markCooling(A, { kind: "quota", rule: "r" }, T0, 900_000);
    expect(health.clear(A, T0 + 100)).toBe(true);
    health.merge({ lanes: [entry] });
    expect(health.cooling(A, T0 + 200)).toBeUndefined();
    health.merge({ lanes: [{ ...entry, since: T0 + 300, until: T0 + 999_999 }] });
    expect(health.cooling(A, T0 + 400)).toBeDefined();
  });

  it("pools: declared by model, then by provider; none by default; the provider's account only when the error says so", () => {
    const pools = loadSettings({ OPENCODE_SESSION_FALLBACK_POOLS: "claude-max=anthropic,cliproxy_claude;gpro=google/gemini-2.5-pro" }, undefined, "/p").settings.pools;
    expect(declaredPool(A, pools)).toBe("claude-max");
    expect(declaredPool({ providerID: "cliproxy_claude", modelID: "x" }, pools)).toBe("claude-max");
    expect(declaredPool({ providerID: "google", modelID: "gemini-2.5-pro" }, pools)).toBe("gpro");
    expect(declaredPool({ providerID: "google", modelID: "gemini-2.5-flash" }, pools)).toBeUndefined();
    expect(failedPoolOf(B, new Map(), undefined)).toBeUndefined();
    expect(failedPoolOf(B, new Map(), "account")).toBe("provider:openai");
    expect(failedPoolOf(A, pools, "account")).toBe("claude-max");
    expect(inPool({ providerID: "openai", modelID: "gpt-5-mini" }, "provider:openai", new Map())).toBe(true);
    expect(inPool({ providerID: "google", modelID: "gemini-2.5-flash" }, "gpro", pools)).toBe(false);
    expect(inPool({ providerID: "google", modelID: "gemini-2.5-pro" }, "provider:google", pools)).toBe(false);
  });

  it("an invalid pools value is reported by name and ignored", () => {
    const { settings, warnings } = loadSettings({ OPENCODE_SESSION_FALLBACK_POOLS: "no-equals-sign" }, undefined, "/p");
    expect(settings.pools.size).toBe(0);
    expect(warnings[0]).toContain("OPENCODE_SESSION_FALLBACK_POOLS");
  });
});

describe("the lane state file", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "osf-state-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("lives in OpenCode's data folder (XDG)", () => {
    expect(defaultStateFile({ XDG_DATA_HOME: "/xdg" })).toBe("/xdg/opencode/opencode-session-fallback/lanes.json");
    expect(defaultStateFile({}, "/home/u")).toBe("/home/u/.local/share/opencode/opencode-session-fallback/lanes.json");
  });

  it("round trips, atomically (no temp file left behind)", async () => {
    const file = path.join(dir, "nested", "lanes.json");
    const store = fileLaneStore(file);
    const health = new LaneHealth();
    health.markCooling(A, { kind: "quota", rule: "r", resetAt: T0 + 1000 }, T0, 1);
    health.clear(B, T0);
    await store.update(() => health.snapshot(T0), T0);
    const read = store.read(T0);
    expect(read).toEqual({
      ok: true,
      lanes: [{ lane: "anthropic/claude-opus", until: T0 + 1000, since: T0, kind: "quota", rule: "r", strikes: 0, basis: "reset" }],
      served: [{ lane: "openai/gpt-5", at: T0 }],
      refused: [],
    });
    expect(readFileSync(file, "utf8")).toContain(STATE_FORMAT);
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(path.dirname(file))).toEqual(["lanes.json"]);
  });

  it.each([
    ["not JSON", "{oops", "corrupt"],
    ["JSON of someone else", '{"hello":"world"}', "foreign"],
    ["ours but invalid", JSON.stringify({ format: STATE_FORMAT, version: 1, updatedAt: 0, lanes: { lane: 5 } }), "corrupt"],
    ["a future version", JSON.stringify({ format: STATE_FORMAT, version: 2, updatedAt: 0, lanes: [] }), "corrupt"],
  ])("%s is ignored with a reason, never thrown", (_label, text, reason) => {
    const read = parseState(text, "/f", T0);
    expect(read).toMatchObject({ ok: false, reason });
    expect(!read.ok && read.message).toContain("/f");
  });

  it("a foreign file is never overwritten", async () => {
    const file = path.join(dir, "lanes.json");
    writeFileSync(file, '{"mine":true}');
    await expect(fileLaneStore(file).update(() => ({ lanes: [], served: [] }), T0)).rejects.toThrow(/not a opencode-session-fallback\/lanes file/);
    expect(readFileSync(file, "utf8")).toBe('{"mine":true}');
  });

  it("SharedHealth: a corrupt file is reported once and lanes start healthy; the next write repairs it", async () => {
    const file = path.join(dir, "lanes.json");
    writeFileSync(file, "garbage");
    const warnings: string[] = [];
    const shared = new SharedHealth(fileLaneStore(file), (m) => warnings.push(m), () => T0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/not JSON/);
    expect(shared.health.list(T0)).toEqual([]);
    shared.health.markCooling(A, { kind: "quota", rule: "r" }, T0, 60_000);
    await shared.persist();
    expect(parseState(readFileSync(file, "utf8"), file, T0)).toMatchObject({ ok: true, lanes: [{ lane: "anthropic/claude-opus" }] });
  });

  it("SharedHealth: sees what another process wrote, and merges it on write", async () => {
    const file = path.join(dir, "lanes.json");
    const one = new SharedHealth(fileLaneStore(file), () => {}, () => T0);
    const two = new SharedHealth(fileLaneStore(file), () => {}, () => T0);
    one.health.markCooling(A, { kind: "quota", rule: "r" }, T0, 60_000);
    await one.persist();
    two.health.markCooling(B, { kind: "auth", rule: "r" }, T0, 60_000);
    await new Promise((r) => setTimeout(r, 5));
    two.refresh();
    expect(two.health.cooling(A, T0 + 1)).toBeDefined();
    await two.persist();
    const read = fileLaneStore(file).read(T0);
    expect(read.ok && read.lanes.map((l) => l.lane).sort()).toEqual(["anthropic/claude-opus", "openai/gpt-5"]);
  });

  it("SharedHealth: 200 changes while a write runs share one more write, and the last change is on disk", async () => {
    const file = path.join(dir, "lanes.json");
    const real = fileLaneStore(file);
    let updates = 0;
    const counting: typeof real = { file, read: (now) => real.read(now), update: (merge, now) => ((updates += 1), real.update(merge, now)) };
    const shared = new SharedHealth(counting, () => {}, () => T0);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      shared.health.markCooling({ providerID: "p", modelID: `m${i}` }, { kind: "quota", rule: "r" }, T0, 60_000);
      writes.push(shared.persist());
    }
    await Promise.all(writes);
    expect(updates).toBeLessThanOrEqual(2);
    const read = real.read(T0);
    expect(read.ok && read.lanes).toHaveLength(200);
    // A change made after the shared write started gets a write of its own.
    shared.health.markCooling({ providerID: "p", modelID: "late" }, { kind: "quota", rule: "r" }, T0, 60_000);
    await shared.persist();
    const after = real.read(T0);
    expect(after.ok && after.lanes.map((l) => l.lane)).toContain("p/late");
  });

  it("SharedHealth: an unwritable place is reported once, health stays in memory", async () => {
    // A file where a folder should be: mkdir fails with ENOTDIR, for root too.
    const blocker = path.join(dir, "blocker");
    writeFileSync(blocker, "");
    const warnings: string[] = [];
    const shared = new SharedHealth(fileLaneStore(path.join(blocker, "sub", "lanes.json")), (m) => warnings.push(m), () => T0);
    shared.health.markCooling(A, { kind: "quota", rule: "r" }, T0, 60_000);
    await shared.persist();
    await shared.persist();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cannot be written.*stays in memory/);
    expect(shared.health.cooling(A, T0 + 1)).toBeDefined();
  });
});

describe("steering a new turn (chat.message)", () => {
  const agents: Record<string, { model?: string; fallbackAgent?: string; prompt?: string }> = {
    build: { fallbackAgent: "metis" },
    metis: { model: "openai/gpt-5", prompt: "METIS PROMPT", fallbackAgent: "last" },
    last: { model: "google/gemini" },
  };
  const lookup = async (name: string): Promise<AgentLookup> => {
    const a = agents[name];
    return a ? { ok: true, agent: { name, file: `/${name}.md`, prompt: a.prompt ?? "", ...a } } : { ok: false, reason: "not-found", message: "nope" };
  };
  let now: number;
  let deps: SteeringDeps;
  let fake: FakeOpencode;
  let notes: string[];
  beforeEach(() => {
    now = T0;
    fake = new FakeOpencode();
    notes = [];
    deps = steeringDeps(lookup, fake, () => now, (_level, record) => void notes.push(record.outcome));
  });
  const message = (model = A, agent = "build"): SteerableMessage => ({ agent, model: { ...model } });
  const user = [{ type: "text", text: "hello" }];

  it("leaves a turn on a healthy lane untouched", async () => {
    const m = message();
    expect(await steerTurn("s", m, user, deps)).toBe("untouched");
    expect(m.model).toEqual(A);
    expect(m.system).toBeUndefined();
  });

  it("sends a turn on a cooling lane straight to the fallback, with its prompt, and a toast", async () => {
    deps.health.markCooling(A, { kind: "quota", rule: "r", resetAt: T0 + 3_600_000 }, T0, 1);
    const m = message();
    expect(await steerTurn("s", m, user, deps)).toBe("avoided-cooling");
    expect(m.model).toEqual(B);
    expect(m.system).toContain("METIS PROMPT");
    expect(m.system).toContain("anthropic/claude-opus cannot serve it until");
    expect(fake.calls.some((c) => c.call === "toast" && /anthropic\/claude-opus is out \(quota\) for another 1h 0m/.test(c.toast.message))).toBe(true);
  });

  it("skips a fallback that is cooling too, and a fallback in the same pool", async () => {
    deps.health.markCooling(A, { kind: "quota", rule: "r" }, T0, 60_000);
    deps.health.markCooling(B, { kind: "quota", rule: "r" }, T0, 60_000);
    const m = message();
    await steerTurn("s", m, user, deps);
    expect(m.model).toEqual({ providerID: "google", modelID: "gemini" });

    const pooled = { ...deps, settings: loadSettings({ OPENCODE_SESSION_FALLBACK_POOLS: "one=anthropic,openai" }, undefined, "/p").settings, health: new LaneHealth(), book: new SessionBook() };
    pooled.health.markCooling(A, { kind: "quota", rule: "r" }, T0, 60_000);
    const m2 = message();
    await steerTurn("s2", m2, user, pooled);
    expect(m2.model).toEqual({ providerID: "google", modelID: "gemini" });
  });

  it("sticky: the next turns stay on the fallback although the client names the primary, until the cooldown ends, then back with a toast", async () => {
    deps.health.markCooling(A, { kind: "quota", rule: "r" }, T0, 60_000);
    await steerTurn("s", message(), user, deps);
    now = T0 + 59_999;
    const during = message();
    expect(await steerTurn("s", during, user, deps)).toBe("sticky");
    expect(during.model).toEqual(B);
    now = T0 + 60_000;
    const after = message();
    expect(await steerTurn("s", after, user, deps)).toBe("back-to-primary");
    expect(after.model).toEqual(A);
    expect(after.system).toBeUndefined();
    expect(fake.calls.some((c) => c.call === "toast" && c.toast.variant === "success")).toBe(true);
    expect(deps.book.get("s").lane.sticky).toBeUndefined();
  });

  it("a manual choice wins: another model ends the sticky lane and is honoured", async () => {
    deps.health.markCooling(A, { kind: "quota", rule: "r" }, T0, 60_000);
    await steerTurn("s", message(), user, deps);
    const manual = message({ providerID: "mistral", modelID: "large" });
    expect(await steerTurn("s", manual, user, deps)).toBe("manual-choice");
    expect(manual.model).toEqual({ providerID: "mistral", modelID: "large" });
    expect(manual.system).toBeUndefined();
    expect(deps.book.get("s").lane.sticky).toBeUndefined();
    expect(notes).toContain("manual-choice");
  });

  it("never touches the plugin's own continuation prompt", async () => {
    deps.health.markCooling(A, { kind: "quota", rule: "r" }, T0, 60_000);
    const m = message();
    expect(await steerTurn("s", m, [{ type: "text", text: CONTINUE_TEXT, synthetic: true }], deps)).toBe("own-prompt");
    expect(m.model).toEqual(A);
  });

  it("no way around (every fallback cooling): the turn runs as asked, with a note", async () => {
    deps.health.markCooling(A, { kind: "quota", rule: "r" }, T0, 60_000);
    deps.health.markCooling(B, { kind: "quota", rule: "r" }, T0, 60_000);
    deps.health.markCooling({ providerID: "google", modelID: "gemini" }, { kind: "quota", rule: "r" }, T0, 60_000);
    const m = message();
    expect(await steerTurn("s", m, user, deps)).toBe("no-way-around");
    expect(m.model).toEqual(A);
  });
});

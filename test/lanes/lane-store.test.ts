import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import lockfile from "proper-lockfile";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LaneHealth, MAX_COOLING_MS } from "../../src/lanes/lane-health";
import { LOCK_STALE_MS, STATE_FORMAT, fileLaneStore, parseState, serializeState } from "../../src/lanes/lane-store";
import { runCli } from "../../src/cli/run-cli";
import { SharedHealth } from "../../src/lanes/shared-health";

/* The state file's values, its lock, and what each reader makes of a bad entry (injected clock). */

const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;
const A = { providerID: "anthropic", modelID: "claude-opus" };
const good = { lane: "anthropic/claude-opus", until: T0 + HOUR, since: T0, kind: "quota", rule: "r" };
const fileText = (lanes: unknown[], extra: object = {}) => JSON.stringify({ format: STATE_FORMAT, version: 1, updatedAt: T0, lanes, ...extra });

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "osf-store-"));
  file = path.join(dir, "lanes.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("values out of range are refused, entry by entry", () => {
  it.each([
    ["an until of 1e300", { ...good, until: 1e300 }, /out until never, more than 35 days ahead/],
    ["an until of Infinity (1e999 in the file)", "INF", /until .*(finite|Infinity|number)/i],
    ["an until ten years ahead", { ...good, until: T0 + 3650 * 24 * HOUR }, /more than 35 days ahead/],
    ["a failure dated in the future", { ...good, since: T0 + 48 * HOUR, until: T0 + 49 * HOUR }, /in the future/],
    ["an end before its start", { ...good, until: T0 - 1 }, /ends .* before it began/],
    ["a lane that is not a string", { ...good, lane: 7 }, /lane/],
  ])("%s: refused with a reason naming it, the good entry kept", (_label, bad, reason) => {
    const text = bad === "INF" ? fileText([good]).replace('"lanes":[', `"lanes":[{"lane":"x/inf","until":1e999,"since":${T0},"kind":"quota","rule":"r"},`) : fileText([good, bad]);
    const read = parseState(text, file, T0);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.lanes).toEqual([good]);
    expect(read.refused).toHaveLength(1);
    expect(read.refused[0]).toMatch(reason);
  });

  it("35 days ahead is still believed (a monthly window), with a day's slack for another clock", () => {
    const read = parseState(fileText([{ ...good, until: T0 + MAX_COOLING_MS + HOUR }]), file, T0);
    expect(read.ok && read.lanes).toHaveLength(1);
  });

  it("SharedHealth: one warning, recovery uses the good lanes, the next write leaves the bad ones out", async () => {
    writeFileSync(file, fileText([good, { ...good, lane: "codex/gpt-5", until: 1e300 }, { ...good, lane: "x/y", until: T0 + 3650 * 24 * HOUR }]));
    const warnings: string[] = [];
    const shared = new SharedHealth(fileLaneStore(file), (m) => warnings.push(m), () => T0);
    shared.refresh();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/2 entries are out of range and ignored .*codex\/gpt-5.*x\/y.*rewritten without them/);
    expect(shared.health.cooling(A, T0 + 1)).toBeDefined();
    expect(shared.health.cooling({ providerID: "codex", modelID: "gpt-5" }, T0 + 1)).toBeUndefined();
    await shared.persist();
    expect(warnings).toHaveLength(1);
    const written = JSON.parse(readFileSync(file, "utf8")) as { lanes: { lane: string }[] };
    expect(written.lanes.map((l) => l.lane)).toEqual(["anthropic/claude-opus"]);
  });

  it("`status` never crashes on such a file: it warns once and lists the good lane", () => {
    writeFileSync(file, fileText([good, { ...good, lane: "codex/gpt-5", until: 1e300 }]));
    const out: string[] = [];
    const err: string[] = [];
    const code = runCli(["status"], { env: { OPENCODE_SESSION_FALLBACK_STATE_FILE: file }, cwd: dir, now: T0, out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(code).toBe(0);
    expect(err.join("\n")).toMatch(/warning: .*1 entry is out of range and ignored .*codex\/gpt-5/);
    expect(out.join("\n")).toMatch(/anthropic\/claude-opus +quota +r +2027-01-15T09:00:00\.000Z \(in 1h 0m\)/);
    expect(out.join("\n")).not.toMatch(/codex/);
  });
});

describe("the file's format", () => {
  it("a file written before `served` existed (0.2) is read, and rewritten with it", async () => {
    writeFileSync(file, fileText([good]));
    const store = fileLaneStore(file);
    const read = store.read(T0);
    expect(read).toEqual({ ok: true, lanes: [good], served: [], refused: [] });
    const health = new LaneHealth(read.ok ? read : {});
    health.clear(A, T0 + 5);
    await store.update((disk) => {
      health.merge(disk.ok ? disk : {});
      return health.snapshot(T0 + 5);
    }, T0 + 5);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ version: 1, lanes: [], served: [{ lane: "anthropic/claude-opus", at: T0 + 5 }] });
  });

  it("serializeState and parseState round trip a snapshot", () => {
    const health = new LaneHealth();
    health.markCooling(A, { kind: "auth-pool", rule: "r", retryAfterMs: 1000, scope: "account" }, T0, 1);
    health.clear({ providerID: "p", modelID: "m" }, T0);
    const snapshot = health.snapshot(T0);
    const read = parseState(serializeState(snapshot, T0), file, T0);
    expect(read).toEqual({ ok: true, ...snapshot, refused: [] });
  });
});

describe("the lock", () => {
  const write = (lanes: typeof good[]) => fileLaneStore(file).update(() => ({ lanes: lanes as never, served: [] }), T0);

  it("an update waits for the process holding the lock, then writes", async () => {
    writeFileSync(file, fileText([]));
    const release = await lockfile.lock(file, { realpath: false });
    let done = false;
    const pending = write([good]).then(() => void (done = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    expect(JSON.parse(readFileSync(file, "utf8")).lanes).toEqual([]);
    await release();
    await pending;
    expect(JSON.parse(readFileSync(file, "utf8")).lanes).toEqual([good]);
  });

  it("the lock of a process that died holding it is taken over once stale", async () => {
    mkdirSync(`${file}.lock`);
    const old = new Date(Date.now() - LOCK_STALE_MS - 5000);
    utimesSync(`${file}.lock`, old, old);
    await write([good]);
    expect(JSON.parse(readFileSync(file, "utf8")).lanes).toEqual([good]);
  });

  it("the update's merge sees what is on disk under the lock", async () => {
    writeFileSync(file, fileText([good]));
    let seen: unknown;
    await fileLaneStore(file).update((disk) => {
      seen = disk.ok && disk.lanes.map((l) => l.lane);
      return { lanes: [], served: [] };
    }, T0);
    expect(seen).toEqual(["anthropic/claude-opus"]);
  });
});

/**
 * Issue 12: the files the plugin writes are private and never written through a symlink; the files it
 * reads from a checkout are regular files read no further than the limit plus one byte.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AgentFiles, MAX_AGENT_FILE_BYTES, agentConfigDirs } from "../../src/agents/agent-files";
import { fileDecisionLog } from "../../src/support/debug-log";
import { runDoctor } from "../../src/cli/doctor";
import { fileLaneStore } from "../../src/lanes/lane-store";
import { readBounded, readBoundedSync, TooLargeError } from "../../src/support/safe-files";

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "osf-safe-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe("the debug log", () => {
  it("is created 0600 in a folder made 0700", async () => {
    const file = path.join(root, "logs", "debug.log");
    const warnings: string[] = [];
    fileDecisionLog(file, (m) => warnings.push(m)).write({ outcome: "x", event: "e" });
    await until(() => existsSync(file) && readFileSync(file, "utf8").length > 0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(warnings).toEqual([]);
  });

  it("never follows a symlink planted at its path: the target is untouched, one warning says why", async () => {
    const target = path.join(root, "victim.txt");
    writeFileSync(target, "precious\n");
    const file = path.join(root, "debug.log");
    symlinkSync(target, file);
    const warnings: string[] = [];
    const log = fileDecisionLog(file, (m) => warnings.push(m));
    log.write({ outcome: "x", event: "e" });
    log.write({ outcome: "y", event: "e" });
    await until(() => warnings.length > 0);
    await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(target, "utf8")).toBe("precious\n");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/debug\.log cannot be written .*ELOOP/);
  });

  it("refuses a folder every user may write to (no sticky bit)", async () => {
    const open = path.join(root, "open");
    mkdirSync(open);
    chmodSync(open, 0o777);
    const warnings: string[] = [];
    fileDecisionLog(path.join(open, "debug.log"), (m) => warnings.push(m)).write({ outcome: "x", event: "e" });
    await until(() => warnings.length > 0);
    expect(warnings[0]).toMatch(/writable by every user; refusing to write there/);
    expect(existsSync(path.join(open, "debug.log"))).toBe(false);
  });
});

describe("the lane state file", () => {
  it("is written 0600, and a symlink at its path is replaced, never written through", async () => {
    const target = path.join(root, "victim.txt");
    writeFileSync(target, "precious\n");
    const file = path.join(root, "state", "lanes.json");
    mkdirSync(path.dirname(file), { recursive: true });
    symlinkSync(target, file);
    await fileLaneStore(file)
      .update(() => ({ lanes: [], served: [] }), Date.now())
      .catch(() => undefined);
    expect(readFileSync(target, "utf8")).toBe("precious\n");
    // The planted link was read (not ours: "foreign", so not overwritten) or replaced by our own file.
    if (!lstatSync(file).isSymbolicLink()) expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("a fresh state file is 0600 in a 0700 folder", async () => {
    const file = path.join(root, "fresh", "lanes.json");
    await fileLaneStore(file).update(() => ({ lanes: [], served: [] }), Date.now());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  });
});

describe("bounded reads of agent files", () => {
  it("a FIFO is refused at once, not read (it would block forever)", async () => {
    const fifo = path.join(root, "fifo.md");
    execFileSync("mkfifo", [fifo]);
    await expect(readBounded(fifo, 100)).rejects.toThrow(/a FIFO, not a regular file/);
    expect(() => readBoundedSync(fifo, 100)).toThrow(/a FIFO, not a regular file/);
  });

  it("a device is refused", async () => {
    await expect(readBounded("/dev/zero", 100)).rejects.toThrow(/a device, not a regular file/);
  });

  it("a file whose stat says 0 bytes but reads more (/proc/kallsyms) stops at the limit plus one byte", async () => {
    if (!existsSync("/proc/kallsyms")) return;
    await expect(readBounded("/proc/kallsyms", 1000)).rejects.toBeInstanceOf(TooLargeError);
    expect(() => readBoundedSync("/proc/kallsyms", 1000)).toThrow(TooLargeError);
  });

  it("an agent file symlinked to /proc/kallsyms is refused as too large, by the plugin and by doctor", async () => {
    if (!existsSync("/proc/kallsyms")) return;
    const project = path.join(root, "p");
    const agents = path.join(project, ".opencode", "agent");
    mkdirSync(agents, { recursive: true });
    symlinkSync("/proc/kallsyms", path.join(agents, "huge.md"));
    writeFileSync(path.join(agents, "build.md"), "---\nfallback_agent: huge\n---\n");
    const home = path.join(root, "home");
    mkdirSync(home);
    const files = new AgentFiles(agentConfigDirs({ directory: project, env: {}, home }));
    const before = process.memoryUsage().rss;
    const lookup = await files.lookup("huge");
    expect(lookup).toMatchObject({ ok: false, reason: "too-large" });
    expect(!lookup.ok && lookup.message).toContain(`over the ${MAX_AGENT_FILE_BYTES}-byte limit`);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    const report = runDoctor({ directory: project, env: { HOME: home, OPENCODE_SESSION_FALLBACK_STATE_FILE: path.join(root, "s.json") }, now: Date.now() });
    expect(report.findings.some((f) => f.level === "error" && f.message.includes("over the") && f.message.includes("huge"))).toBe(true);
  });
});

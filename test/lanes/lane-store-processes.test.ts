import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { build } from "tsup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * The state file with several OpenCode processes at once, as real OS processes (each its own node, its
 * own memory, its own copy of the lanes; test/helpers/lane-writer.ts). Before the lock, 8 processes each
 * marking 5 lanes at one instant kept 5-31 of the 40, and 2 processes lost one of two lanes in 19 of 20
 * trials; a lane one process cleared was written back by another that had read it earlier.
 */

const repo = path.resolve(__dirname, "../..");
const outDir = path.join(repo, "node_modules", ".cache", "opencode-session-fallback-test");
const writer = path.join(outDir, "lane-writer.js");
let dir: string;

beforeAll(async () => {
  await build({
    entry: { "lane-writer": path.join(repo, "test", "helpers", "lane-writer.ts") },
    outDir,
    format: ["esm"],
    platform: "node",
    target: "node20",
    config: false,
    silent: true,
    external: ["proper-lockfile", "zod", "gray-matter"],
  });
  dir = mkdtempSync(path.join(tmpdir(), "osf-procs-"));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One lane-writer process: `send` a command, get its answer line. */
class Writer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = "";
  readonly ready: Promise<string>;

  constructor(file: string) {
    this.child = spawn(process.execPath, [writer, file], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr.on("data", (d: Buffer) => void (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout }).on("line", (line) => this.waiting.shift()?.(line));
    this.ready = this.next();
  }

  private next(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.push(resolve);
      this.child.once("exit", (code) => reject(new Error(`lane-writer exited ${code}: ${this.stderr}`)));
    });
  }

  send(command: object): Promise<string> {
    const answer = this.next();
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    return answer;
  }

  async exit(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.stdin.write(`${JSON.stringify({ op: "exit" })}\n`);
    await exited;
  }
}

/** The lanes the file holds as cooling, read as any reader would. */
function lanesIn(file: string): string[] {
  if (!existsSync(file)) return [];
  const json = JSON.parse(readFileSync(file, "utf8")) as { lanes: { lane: string; until: number }[] };
  return json.lanes.filter((l) => l.until > Date.now()).map((l) => l.lane).sort();
}

/** `processes` writers, each marking `perProcess` lanes of its own, all starting at one instant. */
async function trial(file: string, processes: number, perProcess: number): Promise<{ kept: number; expected: string[]; answers: string[] }> {
  const writers = Array.from({ length: processes }, () => new Writer(file));
  await Promise.all(writers.map((w) => w.ready));
  const at = Date.now() + 150;
  const expected: string[] = [];
  const answers = await Promise.all(
    writers.map((w, i) => {
      const lanes = Array.from({ length: perProcess }, (_, j) => `proc${i}/lane${j}`);
      expected.push(...lanes);
      return w.send({ op: "burst", at, lanes });
    }),
  );
  await Promise.all(writers.map((w) => w.exit()));
  const kept = lanesIn(file).filter((l) => expected.includes(l)).length;
  return { kept, expected: expected.sort(), answers };
}

describe("the state file under concurrent OpenCode processes (real processes)", () => {
  it("8 processes each marking 5 lanes at one instant: all 40 lanes kept, in each of 6 trials", async () => {
    const kept: number[] = [];
    for (let t = 0; t < 6; t++) {
      const file = path.join(dir, `eight-${t}`, "lanes.json");
      const result = await trial(file, 8, 5);
      expect(result.answers).toEqual(Array(8).fill("ok"));
      kept.push(result.kept);
      expect(lanesIn(file)).toEqual(result.expected);
      expect(existsSync(`${file}.lock`), "no lock left behind").toBe(false);
    }
    expect(kept).toEqual(Array(6).fill(40));
  }, 120_000);

  it("2 processes each marking 1 lane at one instant: both kept, in each of 15 trials", async () => {
    const kept: number[] = [];
    for (let t = 0; t < 15; t++) {
      const result = await trial(path.join(dir, `two-${t}`, "lanes.json"), 2, 1);
      kept.push(result.kept);
    }
    expect(kept).toEqual(Array(15).fill(2));
  }, 120_000);

  it("a lane one process cleared is not written back by a process that read it before (stale writer)", async () => {
    const file = path.join(dir, "stale", "lanes.json");
    const first = new Writer(file);
    await first.ready;
    expect(await first.send({ op: "burst", at: 0, lanes: ["shared/x"] })).toBe("ok");
    await first.exit();
    expect(lanesIn(file)).toEqual(["shared/x"]);

    const stale = new Writer(file); // reads shared/x as cooling, then learns nothing more
    const clearer = new Writer(file);
    await Promise.all([stale.ready, clearer.ready]);
    expect(await clearer.send({ op: "clear", lane: "shared/x" })).toBe("ok");
    await clearer.exit();
    expect(lanesIn(file)).toEqual([]);
    expect(await stale.send({ op: "burst", at: 0, lanes: ["other/y"] })).toBe("ok");
    await stale.exit();
    expect(lanesIn(file)).toEqual(["other/y"]);
  }, 60_000);
});

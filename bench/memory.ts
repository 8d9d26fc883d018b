/**
 * Figure 3: heap retained per tracked session. Runs in a child `node --expose-gc` (fresh heap, nothing
 * else of the bench in it); the parent reads one JSON line from its stdout.
 */
import { spawn } from "node:child_process";
import { MAX_SESSIONS } from "../src/sessions/session-state";
import { PRIMARY_MODEL, SOURCE_AGENT, benchPlugin, benchProject, quotaRetry, type BenchPlugin } from "./fixture";
import { settle } from "./stats";

export interface MemoryResult {
  readonly cap: number;
  /** heapUsed after gc with the plugin created and nothing tracked, bytes. */
  readonly baseline: number;
  /** heapUsed after gc after N sessions, N -> bytes. */
  readonly heapAfter: Record<string, number>;
  /** (heap after 10,000 - baseline) / sessions tracked after 10,000 (min(10,000, cap)). */
  readonly perTrackedSession: number;
  /** (heap after 10,000 - baseline) / 10,000. */
  readonly perSessionSeen: number;
  readonly sessions: number;
}

const CHECKPOINTS = [1_000, 5_000, 10_000, 20_000];
const CHILD_FLAG = "--child=memory";

async function heapAfterGc(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("memory bench: run with node --expose-gc");
  for (let i = 0; i < 4; i++) {
    gc();
    await settle(2);
  }
  return process.memoryUsage().heapUsed;
}

/** Sessions `from`..`to`-1, each a 429 retry event answered by a recovery; `concurrency` at a time. */
async function runSessions(plugin: BenchPlugin, from: number, to: number, concurrency = 50): Promise<void> {
  for (let start = from; start < to; start += concurrency) {
    const ids: string[] = [];
    for (let i = start; i < Math.min(to, start + concurrency); i++) {
      const id = `ses_01JZMEM${String(i).padStart(18, "0")}`;
      ids.push(id);
      plugin.fake.failedTurn(id, SOURCE_AGENT, PRIMARY_MODEL);
      plugin.send(quotaRetry(id));
    }
    await plugin.idle();
    // FakeOpencode's own bookkeeping is not the plugin's memory: drop it.
    for (const id of ids) plugin.fake.sessions.delete(id);
    plugin.fake.calls.length = 0;
  }
}

/** The child's body: prints one JSON line. */
export async function memoryChild(): Promise<void> {
  const project = benchProject();
  try {
    // Warm-up on a throwaway instance: compiles the code and fills module-level lazies (zod, gray-matter)
    // so that the measured delta is the instance's own state.
    let warm: BenchPlugin | undefined = benchPlugin(project, undefined, { record: false });
    await runSessions(warm, 0, 500);
    await warm.hooks.dispose?.();
    warm = undefined;

    const plugin = benchPlugin(project, undefined, { record: false });
    const baseline = await heapAfterGc();
    const heapAfter: Record<string, number> = {};
    let done = 0;
    for (const checkpoint of CHECKPOINTS) {
      await runSessions(plugin, done, checkpoint);
      done = checkpoint;
      if (plugin.prompts !== done) throw new Error(`memory bench: ${plugin.prompts} recoveries for ${done} sessions`);
      heapAfter[String(checkpoint)] = await heapAfterGc();
    }
    const tracked10k = Math.min(10_000, MAX_SESSIONS);
    const delta10k = heapAfter["10000"]! - baseline;
    const result: MemoryResult = {
      cap: MAX_SESSIONS,
      baseline,
      heapAfter,
      perTrackedSession: delta10k / tracked10k,
      perSessionSeen: delta10k / 10_000,
      sessions: done,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    // Keep the instance alive until after the last measurement.
    void plugin.hooks;
  } finally {
    project.cleanup();
  }
}

export function isMemoryChild(argv: readonly string[]): boolean {
  return argv.includes(CHILD_FLAG);
}

/** Runs {@link memoryChild} in `node --expose-gc <this bundle> --child=memory`. */
export function runMemory(script: string): Promise<MemoryResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", script, CHILD_FLAG], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (out += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (err += text));
    child.once("error", reject);
    child.once("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve(JSON.parse(line) as MemoryResult);
      } catch (error) {
        reject(new Error(`memory child failed (${error instanceof Error ? error.message : String(error)}):\n${out}\n${err}`));
      }
    });
  });
}

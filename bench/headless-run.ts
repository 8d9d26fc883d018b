/**
 * Figure 5: `opencode run` (headless; the server runs in the run's own process) with the built plugin,
 * from the first 429 to the fallback's answer printed, next to a healthy `opencode run` on the fallback's
 * model.
 *
 * OpenCode 1.18.33's `run` ends its event loop at the plugin's abort of the failed turn; the plugin then
 * sends the continuation from its `dispose` hook and prints the answer itself (src/host/headless-run.ts). Each
 * run is a fresh `opencode run` process in its own freshly prepared project (its own home, so its own lane
 * state file: no run is steered straight to the fallback by the one before), against the e2e harness's
 * loopback mock provider. Plugin runs (`--agent coder`, alpha/exhausted answering OpenAI's real
 * `429 insufficient_quota`, fallback_agent rescue on beta/backup) and healthy runs (`--agent rescue`,
 * straight to beta/backup) alternate, so drift on the machine hits both alike.
 */
import {
  OPENAI_INSUFFICIENT_QUOTA,
  prepareProject,
  runOpencode,
  startMockProvider,
  type MockProvider,
  type MockRequest,
  type PreparedProject,
  type RunResult,
} from "../test/e2e/harness/index.js";
import { median, spread, type Spread } from "./stats";

const AGENTS: Record<string, string> = {
  coder: "---\ndescription: coder on a quota-limited lane\nmode: primary\nmodel: alpha/exhausted\nfallback_agent: rescue\n---\nYou are coder.\n",
  rescue: "---\ndescription: the fallback lane\nmode: primary\nmodel: beta/backup\n---\nYou are the fallback lane. Keep answers short.\n",
};
const PROVIDERS = { models: ["unused"], extraProviders: { alpha: ["exhausted"], beta: ["backup"] } };
const ANSWER = "BENCH-FALLBACK-ANSWER: 2 + 2 = 4";
const QUESTION = "What is 2 + 2?";
/** The start of the notice the plugin prints in `dispose` before it sends the continuation (src/host/headless-run.ts). */
const NOTICE = "opencode-session-fallback: ";
/** A run that has not exited by then is killed and counted as failed. */
const RUN_TIMEOUT_MS = 60_000;

/** One `opencode run` process, timestamped with `Date.now()` like the mock's requests. */
interface Timed extends RunResult {
  /** When the answer text was complete on stdout (undefined when it never came). */
  readonly printedAt: number | undefined;
  /**
   * The plugin's notice on stderr (`opencode-session-fallback: … Continuing this session on …`), which it
   * writes in its `dispose` hook just before it sends the continuation (undefined when it never came).
   */
  readonly noticeAt: number | undefined;
}

/** The harness's runOpencode, with the answer and the plugin's notice timestamped. */
async function timedRun(project: PreparedProject, args: readonly string[]): Promise<Timed> {
  const run = await runOpencode(project, args, {
    timeoutMs: RUN_TIMEOUT_MS,
    watch: { printed: { stream: "stdout", text: ANSWER }, notice: { stream: "stderr", text: NOTICE } },
  });
  return { ...run, printedAt: run.seenAt.printed, noticeAt: run.seenAt.notice };
}

export interface HeadlessPluginRuns {
  /** Runs that ended as they should (exit 0, the answer on stdout, one 429 then the fallback in the same session). */
  readonly runs: number;
  readonly failed: number;
  /** Spawn -> exit of the whole `opencode run` process, ms. */
  readonly wall: Spread;
  /** First 429 at the provider -> fallback request at the provider, ms. */
  readonly recovery: Spread;
  /** First 429 at the provider -> the process exits, ms. */
  readonly toExit: Spread;
  /** First 429 at the provider -> the answer appears on the run's stdout, ms. */
  readonly toPrinted: Spread;
  /**
   * First 429 at the provider -> the plugin's notice on stderr: OpenCode surfaces the error, the plugin
   * decides and aborts, the run's loop ends at that idle, the instance is disposed, the plugin's `dispose`
   * hook runs. Undefined samples (no notice seen) are left out.
   */
  readonly toNotice: Spread;
  /** The notice -> the fallback request at the provider: OpenCode serving a prompt sent from `dispose`. */
  readonly noticeToFallback: Spread;
  /** Fallback request at the provider -> the process exits, ms. */
  readonly fallbackToExit: Spread;
  /** Spawn -> first 429 at the provider, ms (OpenCode's start-up and the first request). */
  readonly spawnToFirst: Spread;
}

export interface HeadlessHealthyRuns {
  readonly runs: number;
  readonly failed: number;
  /** Spawn -> exit, ms. */
  readonly wall: Spread;
  /** The provider request -> the process exits, ms. */
  readonly toExit: Spread;
  /** The provider request -> the answer appears on stdout, ms. */
  readonly toPrinted: Spread;
  /** Spawn -> the provider request, ms. */
  readonly spawnToFirst: Spread;
}

export interface HeadlessRunResult {
  readonly plugin: HeadlessPluginRuns;
  readonly healthy: HeadlessHealthyRuns;
  /**
   * The medians the overheads are differences of (stats.ts `median`: the mean of the middle two of an even
   * count, where Spread's p50 is nearest-rank, the lower of the two).
   */
  readonly medians: {
    readonly pluginToExit: number;
    readonly healthyToExit: number;
    readonly pluginWall: number;
    readonly healthyWall: number;
    readonly pluginToPrinted: number;
    readonly healthyToPrinted: number;
  };
  /** median(first 429 -> exit, plugin) - median(provider request -> exit, healthy), ms. */
  readonly overheadMs: number;
  /** median(wall, plugin) - median(wall, healthy), ms. */
  readonly wallOverheadMs: number;
  /** The same on the answer's appearance on stdout instead of the exit. */
  readonly printedOverheadMs: number;
  /** Why runs failed, one line each. */
  readonly failures: readonly string[];
  readonly wallMs: number;
}

const chatRequests = (mock: MockProvider, since: number, model: string): MockRequest[] => mock.requests.filter((r) => r.at >= since && r.model === model);

function shortened(text: string): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > 300 ? `${one.slice(0, 300)}…` : one;
}

/** `runs` plugin runs and `runs` healthy runs, alternating, each in a fresh project, one after the other. */
export async function runHeadless(pluginUrl: string, runs: number, log: (line: string) => void): Promise<HeadlessRunResult> {
  const began = Date.now();
  const mock = await startMockProvider();
  const projects: PreparedProject[] = [];
  const fresh = (): PreparedProject => {
    const project = prepareProject({ mock, ...PROVIDERS, plugins: [pluginUrl], agents: AGENTS });
    projects.push(project);
    return project;
  };
  const p = { wall: [] as number[], recovery: [] as number[], toExit: [] as number[], toPrinted: [] as number[], toNotice: [] as number[], noticeToFallback: [] as number[], fallbackToExit: [] as number[], spawnToFirst: [] as number[], failed: 0 };
  const h = { wall: [] as number[], toExit: [] as number[], toPrinted: [] as number[], spawnToFirst: [] as number[], failed: 0 };
  const failures: string[] = [];
  const fail = (what: string, i: number, why: string, run: Timed) => {
    const line = `${what} run ${i}: ${why} (exit ${run.code}${run.timedOut ? ", killed after the timeout" : ""} after ${run.exitedAt - run.spawnedAt} ms; stdout: ${shortened(run.stdout) || "(empty)"}; stderr: ${shortened(run.stderr) || "(empty)"})`;
    failures.push(line);
    log(`  FAILED ${line}`);
  };
  try {
    for (let i = 1; i <= runs; i++) {
      // With the plugin: the 429, the abort, the run's loop ends, the continuation from dispose.
      {
        mock.script("exhausted", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
        mock.script("backup", [{ kind: "text", text: ANSWER }]);
        const run = await timedRun(fresh(), ["--agent", "coder", QUESTION]);
        const [first] = chatRequests(mock, run.spawnedAt, "exhausted");
        const [fallback] = chatRequests(mock, run.spawnedAt, "backup");
        if (run.code !== 0 || !run.stdout.includes(ANSWER)) fail("plugin", i, "no exit 0 with the answer on stdout", run);
        else if (!first || first.answeredWith !== "error 429") fail("plugin", i, "the exhausted lane got no request answered 429", run);
        else if (!fallback || fallback.sessionID !== first.sessionID) fail("plugin", i, "no fallback request in the same session", run);
        else {
          p.wall.push(run.exitedAt - run.spawnedAt);
          p.recovery.push(fallback.at - first.at);
          p.toExit.push(run.exitedAt - first.at);
          p.toPrinted.push(run.printedAt! - first.at);
          p.fallbackToExit.push(run.exitedAt - fallback.at);
          if (run.noticeAt !== undefined) {
            p.toNotice.push(run.noticeAt - first.at);
            p.noticeToFallback.push(fallback.at - run.noticeAt);
          }
          p.spawnToFirst.push(first.at - run.spawnedAt);
          log(`  plugin  run ${i}/${runs}: wall ${run.exitedAt - run.spawnedAt} ms; first 429 -> fallback request ${fallback.at - first.at} ms, -> exit ${run.exitedAt - first.at} ms`);
        }
      }
      // Healthy: the fallback agent asked directly, same project setup (the plugin loaded, nothing to do).
      {
        mock.script("backup", [{ kind: "text", text: ANSWER }]);
        const run = await timedRun(fresh(), ["--agent", "rescue", QUESTION]);
        const [request] = chatRequests(mock, run.spawnedAt, "backup");
        if (run.code !== 0 || !run.stdout.includes(ANSWER)) fail("healthy", i, "no exit 0 with the answer on stdout", run);
        else if (!request) fail("healthy", i, "the provider got no request", run);
        else if (chatRequests(mock, run.spawnedAt, "exhausted").length > 0) fail("healthy", i, "the exhausted lane was asked", run);
        else {
          h.wall.push(run.exitedAt - run.spawnedAt);
          h.toExit.push(run.exitedAt - request.at);
          h.toPrinted.push(run.printedAt! - request.at);
          h.spawnToFirst.push(request.at - run.spawnedAt);
          log(`  healthy run ${i}/${runs}: wall ${run.exitedAt - run.spawnedAt} ms; provider request -> exit ${run.exitedAt - request.at} ms`);
        }
      }
    }
  } finally {
    for (const project of projects) project.cleanup();
    await mock.close();
  }
  p.failed = runs - p.wall.length;
  h.failed = runs - h.wall.length;
  const medians = {
    pluginToExit: median(p.toExit),
    healthyToExit: median(h.toExit),
    pluginWall: median(p.wall),
    healthyWall: median(h.wall),
    pluginToPrinted: median(p.toPrinted),
    healthyToPrinted: median(h.toPrinted),
  };
  return {
    plugin: {
      runs: p.wall.length,
      failed: p.failed,
      wall: spread(p.wall),
      recovery: spread(p.recovery),
      toExit: spread(p.toExit),
      toPrinted: spread(p.toPrinted),
      toNotice: spread(p.toNotice),
      noticeToFallback: spread(p.noticeToFallback),
      fallbackToExit: spread(p.fallbackToExit),
      spawnToFirst: spread(p.spawnToFirst),
    },
    healthy: { runs: h.wall.length, failed: h.failed, wall: spread(h.wall), toExit: spread(h.toExit), toPrinted: spread(h.toPrinted), spawnToFirst: spread(h.spawnToFirst) },
    medians,
    overheadMs: medians.pluginToExit - medians.healthyToExit,
    wallOverheadMs: medians.pluginWall - medians.healthyWall,
    printedOverheadMs: medians.pluginToPrinted - medians.healthyToPrinted,
    failures,
    wallMs: Date.now() - began,
  };
}

/**
 * `npm run bench`: the plugin's benchmarks, one table on stdout and BENCHMARKS.md at the package root.
 *
 * 1. hot path (bench/hot-path.ts), 2. decision latency (bench/decision.ts), 3. memory per tracked session
 * (bench/memory.ts, in a child `node --expose-gc`), 4. time to recovery on a real `opencode serve`, next to
 * stock OpenCode (bench/real-server.ts), 5. `opencode run` (headless, in-process server): first 429 -> the
 * fallback's answer printed, next to a healthy `opencode run` on the fallback's model (bench/headless-run.ts),
 * 6. a lane out for 5 hours: probes and toasts per hour (bench/lane-out.ts), 7. the classifier's cost per call on
 * 100 KB inputs (bench/classify.ts).
 *
 * Bundled with tsup to node_modules/.cache/opencode-session-fallback-bench/index.js; the harness finds
 * the package root (REPO_ROOT) by walking up to this package's package.json.
 *
 * `--only=hot,decision,memory,server,run,lanes,classify` runs a subset (printed, BENCHMARKS.md left alone).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "../test/e2e/harness/index.js";
import { runDecision } from "./decision";
import { runHotPath } from "./hot-path";
import { isMemoryChild, memoryChild, runMemory } from "./memory";
import { runHeadless } from "./headless-run";
import { runLaneOut } from "./lane-out";
import { runClassify } from "./classify";
import { builtPlugin, runStock, runWithPlugin } from "./real-server";
import { machine, markdown, textTable, type Results } from "./report";
import { duration } from "./stats";

const SECTIONS = ["hot", "decision", "memory", "server", "run", "lanes", "classify"] as const;

/** Figure 5: `opencode run` processes of each kind (plugin, healthy), alternating. */
const HEADLESS_RUNS = 8;
type Section = (typeof SECTIONS)[number];

const log = (line: string) => process.stderr.write(`${line}\n`);

function selected(argv: readonly string[]): Set<Section> {
  const only = argv.find((a) => a.startsWith("--only="));
  if (!only) return new Set(SECTIONS);
  const names = only.slice("--only=".length).split(",").map((s) => s.trim());
  for (const name of names) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`--only: unknown section "${name}" (${SECTIONS.join(", ")})`);
  return new Set(names as Section[]);
}

async function main(): Promise<void> {
  if (!existsSync(join(REPO_ROOT, "package.json")) || JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).name !== "opencode-session-fallback") {
    throw new Error(`the bench could not find the package root (REPO_ROOT resolved to ${REPO_ROOT})`);
  }
  const sections = selected(process.argv);
  const opencodeVersion = String(JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", "opencode-ai", "package.json"), "utf8")).version);
  const began = performance.now();
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  const results: { -readonly [K in keyof Results]: Results[K] } = { wallMs: 0 };

  if (sections.has("hot")) {
    log("1/7 hot path: 31 interleaved batches of 100,000 message.part.updated events per handler");
    results.hot = await runHotPath();
  }
  if (sections.has("decision")) {
    log("2/7 decision latency: 300 warm + 300 cold samples, 200 agent files");
    results.decision = await runDecision();
  }
  if (sections.has("memory")) {
    log("3/7 memory: 20,000 sessions in a child node --expose-gc");
    results.memory = await runMemory(fileURLToPath(import.meta.url));
  }
  if (sections.has("server")) {
    const plugin = builtPlugin(log);
    log(`4/7 real opencode serve ${opencodeVersion}: 20 sequential sessions with the plugin (${plugin.url})`);
    const withPlugin = await runWithPlugin(plugin.url, 20, log);
    log("4/7 real opencode serve, stock (no plugin): 20 concurrent sessions");
    const stock = await runStock(20, log);
    results.server = { opencodeVersion, pluginBuiltAt: plugin.builtAt, plugin: withPlugin, stock };
  }
  if (sections.has("run")) {
    const plugin = builtPlugin(log);
    log(`5/7 opencode run ${opencodeVersion} (in-process server): ${HEADLESS_RUNS} runs with the plugin recovering a 429, ${HEADLESS_RUNS} healthy runs on the fallback's model, alternating, each in a fresh project`);
    results.headless = { opencodeVersion, pluginBuiltAt: plugin.builtAt, ...(await runHeadless(plugin.url, HEADLESS_RUNS, log)) };
  }
  if (sections.has("lanes")) {
    log("6/7 a lane out for 5 hours: a turn every 2 minutes, simulated clock");
    results.laneOut = await runLaneOut();
  }
  if (sections.has("classify")) {
    log("7/7 classifier: every corpus row padded to 100 KB (prose and keyword soup), 10 rounds, each call timed");
    results.classify = await runClassify();
  }
  results.wallMs = performance.now() - began;

  const m = machine(opencodeVersion, loadAtStart);
  process.stdout.write(`\n${textTable(results, m)}\n`);
  if (sections.size === SECTIONS.length) {
    const file = join(REPO_ROOT, "BENCHMARKS.md");
    writeFileSync(file, markdown(results, m));
    log(`wrote ${file} (${duration(results.wallMs)})`);
  } else {
    log("a subset ran (--only): BENCHMARKS.md left as it is");
  }
}

const run = isMemoryChild(process.argv) ? memoryChild : main;
run().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

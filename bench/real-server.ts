/**
 * Figure 4: time to recovery on a real `opencode serve` (the pinned opencode-ai) with the built plugin,
 * against the loopback mock provider of the e2e harness answering OpenAI's real 429 insufficient_quota on
 * the primary lane and text on the fallback lane (on another provider). Next to it, stock OpenCode (no
 * plugin) on the same scenario: how long the turn takes to die.
 */
import { existsSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  OPENAI_INSUFFICIENT_QUOTA,
  REPO_ROOT,
  startMockProvider,
  startOpencode,
  type MockProvider,
  type OpencodeHarness,
} from "../test/e2e/harness/index.js";
import { sleep, spread, type Spread } from "./stats";

/** The agents of scripts/demo.ts. */
const AGENTS = {
  coder: "---\ndescription: your everyday agent, on a subscription that just ran out\nmode: primary\nmodel: mock/gpt-primary\nfallback_agent: backup\n---\nYou are a careful coding agent.\n",
  backup: "---\ndescription: the fallback lane\nmode: primary\nmodel: backup/backup-model\n---\nYou are the backup lane. Keep answers short.\n",
};

/** The lane cooldown for the plugin run: the primary must fail again in every session (see BENCHMARKS.md). */
const COOLDOWN_MS = 1000;

export interface PluginRunResult {
  readonly runs: number;
  /** First 429 at the provider -> fallback request at the provider, ms. */
  readonly recovery: Spread;
  /** Requests the primary got per session (1 = the plugin acted on OpenCode's first retry). */
  readonly primaryRequests: Spread;
  /** Sessions steered straight to the fallback (primary still cooling), not counted. */
  readonly skipped: number;
  readonly startupMs: number;
  readonly wallMs: number;
}

export interface StockRunResult {
  readonly runs: number;
  /** First 429 at the provider -> session.error, ms. */
  readonly death: Spread;
  readonly primaryRequests: Spread;
  readonly startupMs: number;
  readonly wallMs: number;
}

export interface RealServerResult {
  readonly opencodeVersion: string;
  readonly pluginBuiltAt: string;
  readonly plugin: PluginRunResult;
  readonly stock: StockRunResult;
}

/** The built plugin, `npm run build` first when dist/index.js is missing. */
export function builtPlugin(log: (line: string) => void): { url: string; builtAt: string } {
  const file = join(REPO_ROOT, "dist", "index.js");
  if (!existsSync(file)) {
    log("dist/index.js is missing: running npm run build");
    execFileSync("npm", ["run", "--silent", "build", "--", "--silent"], { cwd: REPO_ROOT, stdio: "inherit" });
  }
  return { url: pathToFileURL(file).href, builtAt: statSync(file).mtime.toISOString() };
}

async function start(mock: MockProvider, plugins: string[], env: Record<string, string> = {}): Promise<OpencodeHarness> {
  return startOpencode({ mock, models: ["gpt-primary"], extraProviders: { backup: ["backup-model"] }, plugins, agents: AGENTS, env });
}

function script(mock: MockProvider): void {
  mock.script("gpt-primary", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
  mock.script("backup-model", [{ kind: "text", text: "2 + 2 = 4. (answered by the backup lane)" }]);
}

/** 20 sequential sessions on one server with the plugin. */
export async function runWithPlugin(pluginUrl: string, runs: number, log: (line: string) => void): Promise<PluginRunResult> {
  const began = Date.now();
  const mock = await startMockProvider();
  script(mock);
  // OSF_BENCH_DEBUG=1 (with KEEP_E2E_TMP=1 to keep the temp project) writes the plugin's debug log.
  const debug: Record<string, string> = process.env.OSF_BENCH_DEBUG === "1" ? { OPENCODE_SESSION_FALLBACK_DEBUG: "1" } : {};
  const oc = await start(mock, [pluginUrl], { OPENCODE_SESSION_FALLBACK_COOLDOWN_MS: String(COOLDOWN_MS), ...debug });
  try {
    const recovery: number[] = [];
    const primary: number[] = [];
    let skipped = 0;
    let lastFallbackAt = 0;
    for (let attempt = 1; recovery.length < runs; attempt++) {
      // The previous recovery marked the primary lane cooling (before it sent the fallback prompt); a new
      // session on a cooling lane goes straight to the fallback with no 429 to recover from, so wait
      // until that cooldown is over, and as long again: a lane failing right after its cooldown cools
      // twice as long the next time (LaneHealth), a later failure starts afresh.
      const wait = lastFallbackAt + 2 * COOLDOWN_MS + 250 - Date.now();
      if (wait > 0) await sleep(wait);
      const id = await oc.createSession(`bench: recovery ${attempt}`);
      await oc.promptAsync(id, { text: "What is 2 + 2?", agent: "coder" });
      const first = await mock.waitForRequest((r) => r.sessionID === id && (r.model === "gpt-primary" || r.model === "backup-model"), 60_000);
      if (first.model !== "gpt-primary") {
        // Steered to the fallback before any request: the lane was still cooling. Not a recovery; again.
        lastFallbackAt = first.at;
        await oc.waitForIdle(id, 60_000, 100);
        if (++skipped > 5) throw new Error("real-server bench: the primary lane stays cooling; no recovery to time");
        log(`  plugin session ${attempt}: went straight to the fallback (primary still cooling); not counted`);
        continue;
      }
      const fallback = await mock.waitForRequest((r) => r.model === "backup-model" && r.sessionID === id, 60_000);
      lastFallbackAt = fallback.at;
      recovery.push(fallback.at - first.at);
      await oc.waitForIdle(id, 60_000, 100);
      primary.push(mock.requestsForSession(id).filter((r) => r.model === "gpt-primary").length);
      log(`  plugin run ${String(recovery.length).padStart(2)}/${runs}: first 429 -> fallback request ${fallback.at - first.at} ms`);
    }
    return { runs, skipped, recovery: spread(recovery), primaryRequests: spread(primary), startupMs: oc.startup.readyMs, wallMs: Date.now() - began };
  } finally {
    await oc.stop();
    await mock.close();
  }
}

/** 20 concurrent sessions on one stock server (no plugin): each dies after OpenCode's five retries. */
export async function runStock(runs: number, log: (line: string) => void): Promise<StockRunResult> {
  const began = Date.now();
  const mock = await startMockProvider();
  script(mock);
  const oc = await start(mock, []);
  try {
    const ids = await Promise.all(Array.from({ length: runs }, (_, i) => oc.createSession(`bench: stock ${i + 1}`)));
    await Promise.all(ids.map((id) => oc.promptAsync(id, { text: "What is 2 + 2?", agent: "coder" })));
    log(`  stock: ${runs} sessions prompted at once; each turn dies after OpenCode's retries (about 70 s)`);
    const deaths = await Promise.all(
      ids.map(async (id) => {
        const first = await mock.waitForRequest((r) => r.model === "gpt-primary" && r.sessionID === id, 60_000);
        const error = await oc.events.waitFor((e) => e.type === "session.error" && e.properties?.sessionID === id, 180_000);
        return { ms: error.at - first.at, primary: mock.requestsForSession(id).filter((r) => r.model === "gpt-primary").length };
      }),
    );
    log(`  stock: ${deaths.length} turns ended with session.error`);
    return {
      runs,
      death: spread(deaths.map((d) => d.ms)),
      primaryRequests: spread(deaths.map((d) => d.primary)),
      startupMs: oc.startup.readyMs,
      wallMs: Date.now() - began,
    };
  } finally {
    await oc.stop();
    await mock.close();
  }
}

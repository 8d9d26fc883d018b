/**
 * Figure 2: decision latency, from the `session.status` retry event entering the plugin's `event` hook to
 * the continuation prompt leaving it (FakeOpencode's promptAsync, which answers at once). The path in
 * between is the plugin's whole recovery: classify the retry message, read the session's messages,
 * resolve `fallback_agent` from the agent files, mark and persist the lane as cooling, abort, prompt.
 */
import { AGENT_FILES, PRIMARY_MODEL, SOURCE_AGENT, benchPlugin, benchProject, quotaRetry, type BenchPlugin, type BenchProject } from "./fixture";
import { settle, spread, type Spread } from "./stats";

export interface DecisionResult {
  readonly agentFiles: number;
  /** Milliseconds. */
  readonly warm: Spread;
  readonly cold: Spread;
}

async function sample(plugin: BenchPlugin, sessionID: string): Promise<number> {
  plugin.fake.failedTurn(sessionID, SOURCE_AGENT, PRIMARY_MODEL);
  const event = quotaRetry(sessionID);
  const start = performance.now();
  plugin.send(event);
  await plugin.idle();
  const prompted = plugin.promptedAt.get(sessionID);
  if (prompted === undefined) throw new Error(`decision bench: session ${sessionID} was not recovered (port calls: ${plugin.fake.calls.map((c) => c.call).join(", ")})`);
  plugin.fake.sessions.delete(sessionID);
  plugin.fake.calls.length = 0;
  return prompted - start;
}

export async function runDecision(options: { samples?: number } = {}): Promise<DecisionResult> {
  const samples = options.samples ?? 300;
  const project: BenchProject = benchProject();
  try {
    // Warm cache: one plugin instance; its agent cache filled by the warm-up samples.
    const warmPlugin = benchPlugin(project);
    for (let i = 0; i < 50; i++) await sample(warmPlugin, `ses_warmup_${i}`);
    const warm: number[] = [];
    for (let i = 0; i < samples; i++) {
      warm.push(await sample(warmPlugin, `ses_warm_${i}`));
      await settle(2);
    }

    // Cold cache: a fresh createHooks (empty agent cache, state file read at init) for every sample.
    // The code itself is already optimized by the warm run: only the plugin's caches are cold.
    const cold: number[] = [];
    for (let i = 0; i < samples; i++) {
      const plugin = benchPlugin(project);
      await settle(2);
      cold.push(await sample(plugin, `ses_cold_${i}`));
      await plugin.hooks.dispose?.();
    }
    return { agentFiles: AGENT_FILES, warm: spread(warm), cold: spread(cold) };
  } finally {
    project.cleanup();
  }
}

/**
 * `npm run demo`: a real `opencode serve` (the pinned opencode-ai), the built plugin loaded from
 * opencode.json, and a loopback provider whose primary model answers OpenAI's real
 * `429 insufficient_quota`. One prompt; every step printed with its time. No network, no keys.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BUILT_PLUGIN_URL, OPENAI_INSUFFICIENT_QUOTA, startMockProvider, startOpencode, textOf } from "../test/e2e/harness/index.js";

const AGENTS = {
  coder: "---\ndescription: your everyday agent, on a subscription that just ran out\nmode: primary\nmodel: mock/gpt-primary\nfallback_agent: backup\n---\nYou are a careful coding agent.\n",
  backup: "---\ndescription: the fallback lane\nmode: primary\nmodel: backup/backup-model\n---\nYou are the backup lane. Keep answers short.\n",
};

const t0 = Date.now();
const stamp = (at = Date.now()) => `+${String(at - t0).padStart(5)} ms`;
const say = (at: number, text: string) => console.log(`${stamp(at)}  ${text}`);

async function main(): Promise<void> {
  if (!existsSync(new URL(BUILT_PLUGIN_URL))) throw new Error("dist/index.js is missing: run `npm run build` first");
  console.log("opencode-session-fallback demo: a real OpenCode server, a loopback provider, no network\n");
  const mock = await startMockProvider();
  mock.script("gpt-primary", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
  mock.script("backup-model", [{ kind: "text", text: "2 + 2 = 4. (answered by the backup lane)" }]);
  const oc = await startOpencode({
    mock,
    models: ["gpt-primary"],
    extraProviders: { backup: ["backup-model"] },
    plugins: [BUILT_PLUGIN_URL],
    agents: AGENTS,
    env: { OPENCODE_SESSION_FALLBACK_DEBUG: "1" },
  });
  try {
    say(Date.now(), `opencode serve is up (${oc.startup.readyMs} ms), plugin loaded from ${BUILT_PLUGIN_URL}`);
    console.log("           agents: coder (mock/gpt-primary, fallback_agent: backup) -> backup (backup/backup-model)\n");
    const id = await oc.createSession("demo");
    const sent = Date.now();
    await oc.promptAsync(id, { text: "What is 2 + 2?", agent: "coder" });
    say(sent, `prompt sent to session ${id} as agent "coder": "What is 2 + 2?"`);

    const first = await mock.waitForRequest((r) => r.model === "gpt-primary" && r.sessionID === id, 30_000);
    say(first.at, "provider: request for mock/gpt-primary -> answered 429 insufficient_quota (\"You exceeded your current quota…\")");
    const retry = await oc.events.waitFor((e) => e.type === "session.status" && e.properties?.sessionID === id && e.properties?.status?.type === "retry", 30_000);
    say(retry.at, `OpenCode: session.status retry #${retry.properties.status.attempt} ("${String(retry.properties.status.message).slice(0, 60)}…"), next attempt in ${retry.properties.status.next - retry.at} ms`);

    const fallback = await mock.waitForRequest((r) => r.model === "backup-model" && r.sessionID === id, 30_000);
    const decision = readDecision(oc.dir);
    if (decision) {
      say(fallback.at - 1, `plugin: classified ${decision.kind} (rule ${decision.rule}); ${decision.from} -> ${decision.to} via fallback agent "${decision.target}", run as agent "${decision.runAs}"`);
      say(fallback.at - 1, `plugin: aborted the failed turn (${decision.timings.abortMs} ms), prompted the same session (${decision.timings.promptMs} ms); ${decision.timings.totalMs} ms from the retry event`);
    }
    const system = mock.systemTextOf(fallback);
    say(fallback.at, `provider: request for backup/backup-model, same session (x-session-id ${fallback.sessionID}), system prompt carries the backup prompt: ${system.includes("You are the backup lane") ? "yes" : "NO"}`);
    await oc.waitForIdle(id, 30_000);
    const last = await oc.lastAssistant(id);
    say(Date.now(), `session ${id} answered by ${last?.info.providerID}/${last?.info.modelID}: "${textOf(last)}"`);
    console.log(`\nFrom the first 429 to the fallback request: ${fallback.at - first.at} ms. Without the plugin OpenCode would retry the`);
    console.log("exhausted lane five times (about 70 s) and then end the turn with the error.");
  } finally {
    await oc.stop();
    await mock.close();
  }
}

function readDecision(dir: string): Record<string, any> | undefined {
  const file = join(dir, "log", "opencode-session-fallback.debug.log");
  if (!existsSync(file)) return undefined;
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, any>)
    .find((line) => line.outcome === "recovered");
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

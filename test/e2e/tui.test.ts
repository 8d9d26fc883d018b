/**
 * The plugin in the OpenCode TUI (the `opencode` command, its server in-process), driven in tmux the way
 * a user drives it: the BUILT plugin, agent `coder` on an exhausted lane with `fallback_agent: rescue`.
 *
 * 1. The first prompt fails with a real OpenAI quota 429; the screen shows the plugin's toast and the
 *    fallback's answer, in the same session.
 * 2. A second prompt in the same session (the TUI sends the agent's own model, alpha/exhausted, with
 *    every prompt) stays on the fallback lane: no request for the exhausted lane, the lane is still
 *    listed as cooling in the state file, and no contradictory toasts ("should serve again" followed
 *    by a new "out of quota").
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, onTestFailed, test } from "vitest";
import {
  BUILT_PLUGIN_URL,
  OPENAI_INSUFFICIENT_QUOTA,
  frameScreen,
  hasTmux,
  prepareProject,
  startMockProvider,
  startTui,
  toastsOf,
  toastsSeen,
  type MockProvider,
  type PreparedProject,
  type TuiHarness,
} from "./harness/index.js";

const AGENTS: Record<string, string> = {
  coder: "---\ndescription: coder on an exhausted lane\nmode: primary\nmodel: alpha/exhausted\nfallback_agent: rescue\n---\nYou are coder.\n",
  rescue: "---\ndescription: the fallback lane\nmode: primary\nmodel: beta/backup\n---\nYou are rescue.\n",
};
const RECOVERY_TOAST = 'alpha/exhausted: out of quota or credit. Continuing this session on beta/backup (fallback agent "rescue").';
/** The footer while a turn runs. */
const BUSY = "esc interrupt";

let mock: MockProvider;
let project: PreparedProject;
let tui: TuiHarness;
/** When the fallback got the first turn's request: nothing may reach the exhausted lane after it. */
let firstAnswerAt: number | undefined;

const chatRequests = () => mock.requests.filter((r) => r.path.endsWith("/chat/completions") && r.model !== "mock-small");
const describeRequests = () => chatRequests().map((r) => `${r.at} ${r.model} -> ${r.answeredWith}: ${JSON.stringify(mock.lastUserTextOf(r).slice(0, 60))}`).join("\n  ");
const stateFile = () => join(project.root, "home", ".local", "share", "opencode", "opencode-session-fallback", "lanes.json");
const debugLog = () => {
  const file = join(project.dir, "log", "opencode-session-fallback.debug.log");
  return existsSync(file) ? readFileSync(file, "utf8").trimEnd().split("\n").slice(-20).join("\n") : "(no debug log)";
};

/** On failure, print what a reader needs: the screen, the requests, the plugin's decisions, the state file. */
function explainFailure(): void {
  onTestFailed(async () => {
    const screen = await tui?.screen().catch((error: unknown) => `(no screen: ${String(error)})`);
    console.error(
      [
        frameScreen(screen ?? ""),
        `requests:\n  ${describeRequests()}`,
        `plugin decisions (debug log):\n${debugLog()}`,
        `state file: ${existsSync(stateFile()) ? readFileSync(stateFile(), "utf8") : "(missing)"}`,
      ].join("\n"),
    );
  });
}

beforeAll(async () => {
  if (!hasTmux()) throw new Error("tui.test.ts drives the OpenCode TUI in tmux, and tmux is not on PATH: install it (apt-get install tmux; .ci/run does)");
  mock = await startMockProvider();
  project = prepareProject({
    mock,
    models: ["unused"],
    extraProviders: { alpha: ["exhausted"], beta: ["backup"] },
    plugins: [BUILT_PLUGIN_URL],
    agents: AGENTS,
    config: { default_agent: "coder" },
    env: { OPENCODE_SESSION_FALLBACK_DEBUG: "1" },
  });
  mock.script("exhausted", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
  mock.script("backup", [
    { kind: "text", text: "FALLBACK-TUI-ANSWER-1" },
    { kind: "text", text: "FALLBACK-TUI-ANSWER-2" },
  ]);
  tui = await startTui(project, { cols: 120, rows: 40 });
  // default_agent put the TUI on coder, on its own model.
  expect(await tui.screen()).toContain("Coder · exhausted alpha");
});

afterAll(async () => {
  await tui?.stop();
  await mock?.close();
  project?.cleanup();
});

describe("the TUI", () => {
  test("a quota 429 on the first prompt: the plugin's toast and the fallback's answer, in the same session", async () => {
    explainFailure();
    const recorder = tui.record();
    await tui.type("FIRST-TUI-PROMPT: say hello");
    await tui.press("Enter");
    const screen = await tui.waitForScreen((s) => s.includes("FALLBACK-TUI-ANSWER-1") && !s.includes(BUSY), 30_000);
    const frames = await recorder.stop();

    expect(toastsSeen(frames), "the plugin's recovery toast").toContainEqual(expect.stringContaining(RECOVERY_TOAST));
    // The answer's header names the fallback's model; the prompt box still shows the agent's own.
    expect(screen).toMatch(/▣ {2}Coder · backup · \d/);
    expect(mock.requestsFor("exhausted").map((r) => mock.lastUserTextOf(r))).toEqual([expect.stringContaining("FIRST-TUI-PROMPT")]);
    const backup = mock.requestsFor("backup");
    expect(backup).toHaveLength(1);
    expect(backup[0]!.sessionID).toBe(mock.requestsFor("exhausted")[0]!.sessionID);
    firstAnswerAt = backup[0]!.at;
  });

  test("a second prompt in the same session stays on the fallback lane: no request for the exhausted lane, no contradictory toasts", async () => {
    explainFailure();
    expect(firstAnswerAt, "the first test recovered").toBeDefined();
    // Let the first recovery toast go (8 s), so every toast seen from here on belongs to the second prompt.
    await tui.waitForScreen((s) => toastsOf(s).length === 0, 15_000);
    const recorder = tui.record();
    const secondAt = Date.now();
    await tui.type("SECOND-TUI-PROMPT: and again");
    await tui.press("Enter");
    await tui.waitForScreen((s) => s.includes("FALLBACK-TUI-ANSWER-2") && !s.includes(BUSY), 30_000);
    // A toast published at the end of the turn still gets drawn.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const toasts = toastsSeen(await recorder.stop());

    const exhaustedLater = mock.requestsFor("exhausted").filter((r) => r.at > firstAnswerAt!);
    expect.soft(exhaustedLater.map((r) => `${r.model}: ${mock.lastUserTextOf(r).slice(0, 40)}`), "requests for alpha/exhausted after the first answer").toEqual([]);

    const secondTurn = chatRequests().filter((r) => r.at >= secondAt);
    const secondPrompt = secondTurn.find((r) => mock.lastUserTextOf(r).includes("SECOND-TUI-PROMPT"));
    expect.soft(secondPrompt?.model, "the model the second prompt's request went to").toBe("backup");
    expect.soft(secondTurn.map((r) => r.model), "every request of the second turn").toEqual(["backup"]);

    const state = existsSync(stateFile()) ? JSON.parse(readFileSync(stateFile(), "utf8")) : undefined;
    expect.soft(state?.lanes?.map((l: { lane: string }) => l.lane), `the cooling lanes in ${stateFile()}`).toContain("alpha/exhausted");

    const serveAgain = toasts.filter((t) => t.includes("should serve again"));
    const outOfQuota = toasts.filter((t) => t.includes("out of quota"));
    expect.soft(serveAgain.length > 0 && outOfQuota.length > 0, `both "should serve again" and a new "out of quota" toast were shown: ${JSON.stringify(toasts)}`).toBe(false);
  });
});

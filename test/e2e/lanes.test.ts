/**
 * Lanes across turns, sessions and restarts, on the real `opencode serve`: after a recovery the session
 * stays on the fallback lane although the client names the primary model; a new session goes straight
 * to the fallback while the primary cools; the primary comes back when its cooldown ends; chains skip
 * an exhausted fallback; and lane health survives a restart of OpenCode.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BUILT_PLUGIN_URL, OPENAI_INSUFFICIENT_QUOTA, startMockProvider, startOpencode, textOf, type MockProvider, type OpencodeHarness, type SessionMessage } from "./harness/index.js";

const primaryAgent = (name: string, model: string, fallback: string) =>
  `---\ndescription: ${name}\nmode: primary\nmodel: ${model}\nfallback_agent: ${fallback}\n---\nYou are ${name}.\n`;
const AGENTS: Record<string, string> = {
  worker: primaryAgent("worker", "mock/lane-a", "rescuer"),
  brief: primaryAgent("brief", "mock/lane-c", "rescuer"),
  chained: primaryAgent("chained", "mock/lane-d", "first"),
  first: "---\ndescription: first fallback, exhausted too\nmode: primary\nmodel: backup/lane-e\nfallback_agent: second\n---\nFIRST-FALLBACK-PROMPT\n",
  second: "---\ndescription: second fallback\nmode: primary\nmodel: third/lane-f\n---\nSECOND-FALLBACK-PROMPT\n",
  rescuer: "---\ndescription: the fallback lane\nmode: primary\nmodel: backup/lane-b\n---\nRESCUER-PROMPT-MARKER\n",
};
const MODELS = { models: ["lane-a", "lane-c", "lane-d"], extraProviders: { backup: ["lane-b", "lane-e"], third: ["lane-f"] } };
const DEEPSEEK_402 = { error: { message: "Insufficient Balance", type: "unknown_error", param: null, code: "invalid_request_error" } };

let mock: MockProvider;
let oc: OpencodeHarness;

const lastAssistant = (messages: SessionMessage[]) => messages.filter((m) => m.info.role === "assistant").at(-1)!;
const forSession = (id: string, model: string) => mock.requests.filter((r) => r.sessionID === id && r.model === model);

async function turn(id: string, text: string, input: { agent: string; model?: string }) {
  await oc.promptAsync(id, { text, ...input });
  await oc.waitForIdle(id, 30_000, 800);
  return lastAssistant(await oc.messages(id));
}

beforeAll(async () => {
  mock = await startMockProvider();
  oc = await startOpencode({ mock, ...MODELS, plugins: [BUILT_PLUGIN_URL], agents: AGENTS, env: { OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT: "2" } });
});
afterAll(async () => {
  await oc?.stop();
  await mock?.close();
});

describe("lanes across turns and sessions", () => {
  test("(a) after a recovery, a prompt naming the primary model explicitly (as the TUI does) is served by the fallback", async () => {
    mock.script("lane-a", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    mock.script("lane-b", [{ kind: "text", text: "FALLBACK-TURN" }]);
    const id = await oc.createSession("sticky");
    const first = await turn(id, "FIRST", { agent: "worker" });
    expect(first.info.modelID).toBe("lane-b");
    const before = forSession(id, "lane-a").length;
    const second = await turn(id, "SECOND", { agent: "worker", model: "mock/lane-a" });
    expect(second.info.modelID).toBe("lane-b");
    expect(textOf(second)).toContain("FALLBACK-TURN");
    expect(forSession(id, "lane-a")).toHaveLength(before);
    const request = forSession(id, "lane-b").at(-1)!;
    expect(mock.lastUserTextOf(request)).toContain("SECOND");
    expect(mock.systemTextOf(request)).toContain("RESCUER-PROMPT-MARKER");
    expect(mock.systemTextOf(request)).toContain("runs on the fallback lane backup/lane-b");
  });

  test("(b) a new session on the same agent goes straight to the fallback while the primary cools: no request for the primary", async () => {
    const id = await oc.createSession("new session");
    const answer = await turn(id, "NEW-SESSION", { agent: "worker" });
    expect(forSession(id, "lane-a")).toHaveLength(0);
    expect(answer.info.modelID).toBe("lane-b");
    expect(answer.info.error).toBeUndefined();
    expect(mock.systemTextOf(forSession(id, "lane-b")[0]!)).toContain("RESCUER-PROMPT-MARKER");
  });

  test("(d) a chain of two fallbacks, the first also exhausted: the session ends on the second", async () => {
    mock.script("lane-d", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    mock.script("lane-e", [{ kind: "error", status: 402, body: DEEPSEEK_402 }]);
    mock.script("lane-f", [{ kind: "text", text: "SECOND-FALLBACK-ANSWER" }]);
    const id = await oc.createSession("chain");
    await oc.promptAsync(id, { text: "CHAIN", agent: "chained" });
    await mock.waitForRequest((r) => r.model === "lane-f" && r.sessionID === id, 20_000);
    await oc.waitForIdle(id, 30_000, 800);
    const messages = await oc.messages(id);
    const last = lastAssistant(messages);
    expect(last.info.providerID).toBe("third");
    expect(textOf(last)).toContain("SECOND-FALLBACK-ANSWER");
    expect(forSession(id, "lane-e")).toHaveLength(1);
    expect(mock.systemTextOf(forSession(id, "lane-f")[0]!)).toContain("SECOND-FALLBACK-PROMPT");
    // A new session on the same agent skips both the cooling primary and the cooling first fallback.
    const id2 = await oc.createSession("chain, new session");
    const answer = await turn(id2, "CHAIN-2", { agent: "chained" });
    expect(answer.info.modelID).toBe("lane-f");
    expect(forSession(id2, "lane-d")).toHaveLength(0);
    expect(forSession(id2, "lane-e")).toHaveLength(0);
  });
});

describe("cooldowns and restarts (own servers)", () => {
  test("(c) with a short cooldown, the primary is used again after it ends", async () => {
    await oc.stop();
    mock.reset();
    oc = await startOpencode({ mock, ...MODELS, plugins: [BUILT_PLUGIN_URL], agents: AGENTS, env: { OPENCODE_SESSION_FALLBACK_COOLDOWN_MS: "2500" } });
    mock.script("lane-c", [{ kind: "error", status: 402, body: DEEPSEEK_402 }, { kind: "text", text: "PRIMARY-IS-BACK" }]);
    mock.script("lane-b", [{ kind: "text", text: "FALLBACK-WHILE-COOLING" }]);
    const id = await oc.createSession("cooldown");
    expect((await turn(id, "ONE", { agent: "brief" })).info.modelID).toBe("lane-b");
    // The lane was marked cooling when the 402 arrived, just before the fallback request.
    const markedAt = forSession(id, "lane-c")[0]!.at;
    expect((await turn(id, "TWO", { agent: "brief", model: "mock/lane-c" })).info.modelID).toBe("lane-b");
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, markedAt + 3500 - Date.now())));
    const back = await turn(id, "THREE", { agent: "brief", model: "mock/lane-c" });
    expect(back.info.modelID).toBe("lane-c");
    expect(textOf(back)).toContain("PRIMARY-IS-BACK");
    const toasts = oc.events.all.filter((e) => e.type === "tui.toast.show").map((e) => String(e.properties?.message));
    expect(toasts.some((m) => m.includes("back on it"))).toBe(true);
  });

  test("(e) lane health survives a restart of opencode serve", async () => {
    await oc.stop();
    mock.reset();
    const root = mkdtempSync(join(tmpdir(), "opencode-e2e-restart-"));
    try {
      oc = await startOpencode({ mock, ...MODELS, plugins: [BUILT_PLUGIN_URL], agents: AGENTS, reuseRoot: root });
      mock.script("lane-a", [{ kind: "error", status: 402, body: DEEPSEEK_402 }]);
      mock.script("lane-b", [{ kind: "text", text: "FALLBACK" }]);
      const id = await oc.createSession("before restart");
      expect((await turn(id, "BEFORE", { agent: "worker" })).info.modelID).toBe("lane-b");
      await oc.stop();
      const stateFile = join(root, "home", ".local", "share", "opencode", "opencode-session-fallback", "lanes.json");
      expect(existsSync(stateFile)).toBe(true);
      expect(JSON.parse(readFileSync(stateFile, "utf8")).lanes.map((l: { lane: string }) => l.lane)).toContain("mock/lane-a");

      oc = await startOpencode({ mock, ...MODELS, plugins: [BUILT_PLUGIN_URL], agents: AGENTS, reuseRoot: root });
      const id2 = await oc.createSession("after restart");
      const answer = await turn(id2, "AFTER", { agent: "worker" });
      expect(answer.info.modelID).toBe("lane-b");
      expect(forSession(id2, "lane-a")).toHaveLength(0);
    } finally {
      await oc.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

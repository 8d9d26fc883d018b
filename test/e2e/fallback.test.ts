/**
 * The core capability against the real `opencode serve` (opencode-ai pinned in package.json), with the
 * BUILT plugin loaded from opencode.json by `file://` URL as a user loads a local build, agents in
 * `.opencode/agent/`, and a loopback mock provider answering real provider payloads.
 *
 * Each scenario asserts on what the provider received (model, system text, session) and on the
 * session's final messages.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CONTINUE_TEXT } from "../../src/sessions/own-prompt";
import {
  BUILT_PLUGIN_URL,
  OPENAI_INSUFFICIENT_QUOTA,
  startMockProvider,
  startOpencode,
  textOf,
  type MockProvider,
  type OpencodeHarness,
  type SessionMessage,
} from "./harness/index.js";

const RESCUER_MARKER = "RESCUER-PROMPT-MARKER: you are the fallback lane.";

/** Agent markdown as a user writes it. */
const AGENTS: Record<string, string> = {
  worker: "---\ndescription: primary agent on a quota-limited lane\nmode: primary\nmodel: mock/primary-a\nfallback_agent: rescuer\n---\nYou are the worker agent.\n",
  pooled: "---\ndescription: primary agent behind an auth pool\nmode: primary\nmodel: mock/primary-d\nfallback_agent: rescuer\n---\nYou are the pooled agent.\n",
  lonely: "---\ndescription: agent without a fallback\nmode: primary\nmodel: mock/primary-c\n---\nYou are alone.\n",
  doomed: "---\ndescription: agent whose fallback is exhausted too\nmode: primary\nmodel: mock/primary-e\nfallback_agent: doomedfb\n---\nYou are doomed.\n",
  doomedfb: "---\ndescription: an exhausted fallback\nmode: primary\nmodel: backup/fallback-f\n---\nYou are the doomed fallback.\n",
  patient: "---\ndescription: agent whose turn the user aborts\nmode: primary\nmodel: mock/primary-g\nfallback_agent: rescuer\n---\nYou are patient.\n",
  streamer: "---\ndescription: agent whose stream breaks with a quota error\nmode: primary\nmodel: mock/primary-h\nfallback_agent: rescuer\n---\nYou are the streamer.\n",
  rescuer: `---\ndescription: the fallback lane\nmode: primary\nmodel: backup/fallback-b\n---\n${RESCUER_MARKER}\n`,
};

/** DeepSeek's 402 when the balance is gone (not retried by OpenCode: isRetryable false). */
const DEEPSEEK_402 = { error: { message: "Insufficient Balance", type: "unknown_error", param: null, code: "invalid_request_error" } };
/** CLIProxyAPI when every pooled login is cooling down. */
const CLIPROXY_AUTH_UNAVAILABLE = { error: { message: "auth_unavailable: no auth available", type: "server_error", code: "internal_server_error" } };

let mock: MockProvider;
let oc: OpencodeHarness;
let debugLog: string;

beforeAll(async () => {
  mock = await startMockProvider();
  oc = await startOpencode({
    mock,
    models: ["primary-a", "primary-c", "primary-d", "primary-e", "primary-g", "primary-h"],
    extraProviders: { backup: ["fallback-b", "fallback-f"] },
    plugins: [BUILT_PLUGIN_URL],
    agents: AGENTS,
    env: { OPENCODE_SESSION_FALLBACK_DEBUG: "1" },
  });
  debugLog = join(oc.dir, "log", "opencode-session-fallback.debug.log");
});

afterAll(async () => {
  await oc?.stop();
  await mock?.close();
});

function assistants(messages: SessionMessage[]) {
  return messages.filter((m) => m.info.role === "assistant");
}
function userTexts(messages: SessionMessage[]) {
  return messages.filter((m) => m.info.role === "user").map((m) => textOf(m));
}

describe("continue the same session on the fallback lane", () => {
  test("(a) 429 insufficient_quota: the next provider request is the fallback model, with the fallback prompt, same session, answered", async () => {
    mock.script("primary-a", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    mock.script("fallback-b", [{ kind: "text", text: "FALLBACK-ANSWER-A" }]);
    const id = await oc.createSession("scenario a");
    await oc.promptAsync(id, { text: "QUESTION-A: what is 2+2?", agent: "worker" });

    const first429 = await mock.waitForRequest((r) => r.model === "primary-a" && r.sessionID === id, 20_000);
    const fallback = await mock.waitForRequest((r) => r.model === "fallback-b" && r.sessionID === id, 20_000);
    const detectMs = fallback.at - first429.at;
    console.log(`(a) first 429 at the provider → fallback request at the provider: ${detectMs} ms (OpenCode's first retry would come after ~2000 ms)`);
    expect(detectMs).toBeLessThan(2000);

    const system = mock.systemTextOf(fallback);
    expect(system).toContain(RESCUER_MARKER);
    expect(system).toContain("<session-fallback>");
    expect(system).toContain("mock/primary-a");
    expect(system).toContain("You are the worker agent.");
    // The model sees the user's real question in the history.
    expect(JSON.stringify(fallback.body.messages)).toContain("QUESTION-A: what is 2+2?");

    await oc.waitForIdle(id, 30_000);
    const messages = await oc.messages(id);
    const last = assistants(messages).at(-1)!;
    expect(last.info.providerID).toBe("backup");
    expect(last.info.modelID).toBe("fallback-b");
    expect(last.info.error).toBeUndefined();
    expect(last.info.time.completed).toBeGreaterThan(0);
    expect(textOf(last)).toContain("FALLBACK-ANSWER-A");
    // The continuation kept the user's agent (its prompt, tools, permissions), not OpenCode's default.
    expect(last.info.agent ?? last.info.mode).toBe("worker");
    // The user's message is there once, never lost or duplicated; one continuation note.
    expect(userTexts(messages).filter((t) => t.includes("QUESTION-A"))).toHaveLength(1);
    expect(userTexts(messages).filter((t) => t === CONTINUE_TEXT)).toHaveLength(1);
    // The primary was not retried by OpenCode after the abort.
    expect(mock.requestsFor("primary-a").filter((r) => r.sessionID === id).length).toBeLessThanOrEqual(2);
  });

  test("(b) 503 auth_unavailable: no auth available: the same, detected on the first retry", async () => {
    mock.script("primary-d", [{ kind: "error", status: 503, body: CLIPROXY_AUTH_UNAVAILABLE }]);
    mock.script("fallback-b", [{ kind: "text", text: "FALLBACK-ANSWER-B" }]);
    const id = await oc.createSession("scenario b");
    await oc.promptAsync(id, { text: "QUESTION-B", agent: "pooled" });
    const first = await mock.waitForRequest((r) => r.model === "primary-d" && r.sessionID === id, 20_000);
    const fallback = await mock.waitForRequest((r) => r.model === "fallback-b" && r.sessionID === id, 20_000);
    console.log(`(b) first 503 → fallback request: ${fallback.at - first.at} ms`);
    expect(fallback.at - first.at).toBeLessThan(2000);
    expect(mock.systemTextOf(fallback)).toContain(RESCUER_MARKER);
    await oc.waitForIdle(id, 30_000);
    const last = assistants(await oc.messages(id)).at(-1)!;
    expect(last.info.modelID).toBe("fallback-b");
    expect(textOf(last)).toContain("FALLBACK-ANSWER-B");
    expect(last.info.agent ?? last.info.mode).toBe("pooled");
  });

  test("(c) an agent without fallback_agent: the error is left as it is, no extra provider request", async () => {
    mock.script("primary-c", [{ kind: "error", status: 402, body: DEEPSEEK_402 }]);
    const id = await oc.createSession("scenario c");
    const before = mock.requests.length;
    await oc.promptAsync(id, { text: "QUESTION-C", agent: "lonely" });
    await oc.waitForIdle(id, 30_000, 1500);
    const requests = mock.requests.slice(before).filter((r) => r.sessionID === id);
    expect(requests.map((r) => r.model)).toEqual(["primary-c"]);
    const last = assistants(await oc.messages(id)).at(-1)!;
    expect(last.info.error?.name).toBe("APIError");
    expect(last.info.error?.data?.statusCode).toBe(402);
  });

  test("(d) the fallback lane is exhausted too, limit 1: exactly one recovery, the session ends in error", async () => {
    mock.script("primary-e", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    mock.script("fallback-f", [{ kind: "error", status: 402, body: DEEPSEEK_402 }]);
    const id = await oc.createSession("scenario d");
    await oc.promptAsync(id, { text: "QUESTION-D", agent: "doomed" });
    await mock.waitForRequest((r) => r.model === "fallback-f" && r.sessionID === id, 20_000);
    await oc.waitForIdle(id, 30_000, 1500);
    const forSession = mock.requests.filter((r) => r.sessionID === id && r.model !== "mock-small");
    expect(forSession.filter((r) => r.model === "fallback-f")).toHaveLength(1);
    expect(forSession.filter((r) => r.model === "primary-e").length).toBeLessThanOrEqual(2);
    const messages = await oc.messages(id);
    expect(userTexts(messages).filter((t) => t === CONTINUE_TEXT)).toHaveLength(1);
    const last = assistants(messages).at(-1)!;
    expect(last.info.modelID).toBe("fallback-f");
    expect(last.info.error?.data?.statusCode).toBe(402);
  });

  test("(e) the user aborts a turn: no recovery", async () => {
    mock.script("primary-g", [{ kind: "hang" }]);
    const id = await oc.createSession("scenario e");
    await oc.promptAsync(id, { text: "QUESTION-E", agent: "patient" });
    await mock.waitForRequest((r) => r.model === "primary-g" && r.sessionID === id, 20_000);
    expect(await oc.abort(id)).toBe(true);
    await oc.waitForIdle(id, 30_000, 1500);
    expect(mock.requests.filter((r) => r.sessionID === id).map((r) => r.model)).toEqual(["primary-g"]);
    const last = assistants(await oc.messages(id)).at(-1)!;
    expect(last.info.error?.name).toBe("MessageAbortedError");
  });

  test("(g) a quota error in the middle of the stream (UnknownError carrying the provider's JSON, not retried) is recovered too", async () => {
    mock.script("primary-h", [{ kind: "stream-error", afterText: "Let me th", body: OPENAI_INSUFFICIENT_QUOTA }]);
    mock.script("fallback-b", [{ kind: "text", text: "FALLBACK-ANSWER-G" }]);
    const id = await oc.createSession("scenario g");
    await oc.promptAsync(id, { text: "QUESTION-G", agent: "streamer" });
    const fallback = await mock.waitForRequest((r) => r.model === "fallback-b" && r.sessionID === id, 20_000);
    expect(mock.systemTextOf(fallback)).toContain(RESCUER_MARKER);
    await oc.waitForIdle(id, 30_000);
    const messages = await oc.messages(id);
    const failed = assistants(messages).find((m) => m.info.modelID === "primary-h");
    expect(failed?.info.error?.name).toBe("UnknownError");
    const last = assistants(messages).at(-1)!;
    expect(last.info.modelID).toBe("fallback-b");
    expect(textOf(last)).toContain("FALLBACK-ANSWER-G");
    expect(userTexts(messages).filter((t) => t === CONTINUE_TEXT)).toHaveLength(1);
  });

  test("(f) no provider request body ever contains fallback_agent", () => {
    const chat = mock.requests.filter((r) => r.path.endsWith("/chat/completions"));
    expect(chat.length).toBeGreaterThan(5);
    for (const request of chat) expect(JSON.stringify(request.body)).not.toContain("fallback_agent");
  });

  test("the debug log has one JSON line per decision, naming the rule, agent, target and timings", () => {
    expect(existsSync(debugLog)).toBe(true);
    const lines = readFileSync(debugLog, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const recovered = lines.filter((l) => l.outcome === "recovered");
    expect(recovered.length).toBe(4);
    for (const line of recovered) {
      expect(line.rule).not.toBe("none");
      expect(line.target).toMatch(/rescuer|doomedfb/);
      expect(line.timings.totalMs).toBeGreaterThanOrEqual(0);
    }
    expect(lines.some((l) => l.outcome === "unresolved" && l.agent === "lonely")).toBe(true);
    // The doomed fallback failing too: every lane of its chain is out, which the log says before any budget.
    expect(lines.some((l) => l.outcome === "no-lane-left" && l.lanes.length === 2)).toBe(true);
  });
});

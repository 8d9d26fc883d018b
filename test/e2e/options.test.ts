/**
 * Plugin options and the controls that show the fallback scenarios can fail: without the plugin,
 * OpenCode itself leaks `fallback_agent` into the provider request and the quota error kills the turn.
 */
import { pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import {
  BUILT_PLUGIN_URL,
  REPO_ROOT,
  startMockProvider,
  startOpencode,
  textOf,
  type MockProvider,
  type OpencodeHarness,
  type PluginSpec,
} from "./harness/index.js";

const AGENTS = {
  worker: "---\ndescription: primary\nmode: primary\nmodel: mock/primary-a\nfallback_agent: rescuer\n---\nYou are the worker agent.\n",
  rescuer: "---\ndescription: fallback\nmode: primary\nmodel: backup/fallback-b\n---\nRESCUER-PROMPT-MARKER\n",
};
const DEEPSEEK_402 = { error: { message: "Insufficient Balance", type: "unknown_error", param: null, code: "invalid_request_error" } };

let mock: MockProvider;
let oc: OpencodeHarness | undefined;

beforeAll(async () => {
  mock = await startMockProvider();
});
afterEach(async () => {
  await oc?.stop();
  oc = undefined;
  mock.reset();
});
afterAll(async () => {
  await mock?.close();
});

async function run(plugins: PluginSpec[], primary: "quota" | "text") {
  oc = await startOpencode({ mock, models: ["primary-a"], extraProviders: { backup: ["fallback-b"] }, plugins, agents: AGENTS });
  mock.script("primary-a", [primary === "quota" ? { kind: "error", status: 402, body: DEEPSEEK_402 } : { kind: "text", text: "PRIMARY-ANSWER" }]);
  mock.script("fallback-b", [{ kind: "text", text: "FALLBACK-ANSWER" }]);
  const id = await oc.createSession("options");
  await oc.promptAsync(id, { text: "QUESTION", agent: "worker" });
  await oc.waitForIdle(id, 30_000, 1500);
  const messages = await oc.messages(id);
  return { id, messages, last: messages.filter((m) => m.info.role === "assistant").at(-1)! };
}

describe("controls: without the plugin", () => {
  test("OpenCode sends fallback_agent in the provider request body (what the plugin's config hook prevents)", async () => {
    await run([], "text");
    const chat = mock.requestsFor("primary-a");
    expect(chat).toHaveLength(1);
    expect(JSON.stringify(chat[0]!.body)).toContain('"fallback_agent":"rescuer"');
  });

  test("the quota error ends the turn and nothing continues it", async () => {
    const { last } = await run([], "quota");
    expect(last.info.error?.data?.statusCode).toBe(402);
    expect(mock.requestsFor("fallback-b")).toHaveLength(0);
  });
});

describe("plugin options from opencode.json", () => {
  test('["…", { switchAgent: true }]: the continuation runs as the fallback agent, with its own prompt', async () => {
    const { last } = await run([[BUILT_PLUGIN_URL, { switchAgent: true }]], "quota");
    const [fallback] = mock.requestsFor("fallback-b");
    expect(fallback).toBeDefined();
    expect(mock.systemTextOf(fallback!)).toContain("RESCUER-PROMPT-MARKER");
    expect(mock.systemTextOf(fallback!)).not.toContain("You are the worker agent.");
    expect(JSON.stringify(fallback!.body)).not.toContain("fallback_agent");
    expect(last.info.agent ?? last.info.mode).toBe("rescuer");
    expect(textOf(last)).toContain("FALLBACK-ANSWER");
  });

  test('["…", { attemptLimit: 0 }]: automatic recovery is off, the error stays', async () => {
    const { last } = await run([[BUILT_PLUGIN_URL, { attemptLimit: 0 }]], "quota");
    expect(mock.requestsFor("fallback-b")).toHaveLength(0);
    expect(last.info.error?.data?.statusCode).toBe(402);
  });

  test("the package folder itself as a file:// plugin (its package.json exports) loads the same plugin", async () => {
    const { last } = await run([pathToFileURL(REPO_ROOT).href], "quota");
    expect(last.info.modelID).toBe("fallback-b");
    expect(textOf(last)).toContain("FALLBACK-ANSWER");
  });
});

/**
 * Error classes on the real server: rate limits are left to OpenCode's own retry unless the provider
 * announces a wait longer than OPENCODE_SESSION_FALLBACK_MAX_WAIT_MS; quota traps that arrive with a
 * misleading status (Anthropic's credit error is a 400) still fall back.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BUILT_PLUGIN_URL, GOOGLE_PER_MINUTE, LITELLM_MODEL_BUDGET, startMockProvider, startOpencode, textOf, type MockProvider, type OpencodeHarness } from "./harness/index.js";

const agent = (name: string, model: string) =>
  `---\ndescription: ${name}\nmode: primary\nmodel: mock/${model}\nfallback_agent: rescuer\n---\nYou are ${name}.\n`;
const AGENTS = {
  brief: agent("brief", "rl-short"),
  long: agent("long", "rl-long"),
  credit: agent("credit", "anthropic-credit"),
  minute: agent("minute", "google-per-minute"),
  budget: agent("budget", "litellm-budget"),
  rescuer: "---\ndescription: fallback\nmode: primary\nmodel: backup/fallback-b\n---\nRESCUER-PROMPT-MARKER\n",
};
/** OpenAI's per-minute rate limit (a real body). */
const OPENAI_TPM = {
  error: {
    message: "Rate limit reached for gpt-4 in organization org-abc on tokens per min (TPM): Limit 10000, Used 8554, Requested 3082. Please try again in 1s.",
    type: "tokens",
    param: null,
    code: "rate_limit_exceeded",
  },
};
/** Anthropic's credit error: a 400 invalid_request_error, not a 402 or 429. */
const ANTHROPIC_CREDIT = {
  type: "error",
  error: { type: "invalid_request_error", message: "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits." },
};

let mock: MockProvider;
let oc: OpencodeHarness;

beforeAll(async () => {
  mock = await startMockProvider();
  oc = await startOpencode({ mock, models: ["rl-short", "rl-long", "anthropic-credit", "google-per-minute", "litellm-budget"], extraProviders: { backup: ["fallback-b"] }, plugins: [BUILT_PLUGIN_URL], agents: AGENTS });
});
afterAll(async () => {
  await oc?.stop();
  await mock?.close();
});

describe("error classes on the real server", () => {
  test("a rate limit with a short retry-after is left to OpenCode's own retry: no fallback, the primary answers", async () => {
    mock.script("rl-short", [{ kind: "error", status: 429, body: OPENAI_TPM, headers: { "retry-after": "1" } }, { kind: "text", text: "PRIMARY-AFTER-RETRY" }]);
    const id = await oc.createSession("short rate limit");
    await oc.promptAsync(id, { text: "Q", agent: "brief" });
    await oc.waitForIdle(id, 30_000, 1000);
    expect(mock.requestsFor("rl-short").filter((r) => r.sessionID === id)).toHaveLength(2);
    expect(mock.requestsFor("fallback-b").filter((r) => r.sessionID === id)).toHaveLength(0);
    const last = (await oc.messages(id)).filter((m) => m.info.role === "assistant").at(-1)!;
    expect(last.info.modelID).toBe("rl-short");
    expect(textOf(last)).toContain("PRIMARY-AFTER-RETRY");
  });

  test("a rate limit with a retry-after of hours falls back at once", async () => {
    mock.script("rl-long", [{ kind: "error", status: 429, body: OPENAI_TPM, headers: { "retry-after": "7200" } }]);
    mock.script("fallback-b", [{ kind: "text", text: "FALLBACK-ANSWER" }]);
    const id = await oc.createSession("long rate limit");
    await oc.promptAsync(id, { text: "Q", agent: "long" });
    const first = await mock.waitForRequest((r) => r.model === "rl-long" && r.sessionID === id, 20_000);
    const fallback = await mock.waitForRequest((r) => r.model === "fallback-b" && r.sessionID === id, 20_000);
    console.log(`retry-after 7200 s → fallback request after ${fallback.at - first.at} ms`);
    expect(fallback.at - first.at).toBeLessThan(2000);
    await oc.waitForIdle(id, 30_000);
    const last = (await oc.messages(id)).filter((m) => m.info.role === "assistant").at(-1)!;
    expect(textOf(last)).toContain("FALLBACK-ANSWER");
  });

  test("Anthropic's credit error (a 400 invalid_request_error) is quota and falls back", async () => {
    mock.script("anthropic-credit", [{ kind: "error", status: 400, body: ANTHROPIC_CREDIT }]);
    mock.script("fallback-b", [{ kind: "text", text: "FALLBACK-AFTER-CREDIT" }]);
    const id = await oc.createSession("anthropic credit");
    await oc.promptAsync(id, { text: "Q", agent: "credit" });
    await mock.waitForRequest((r) => r.model === "fallback-b" && r.sessionID === id, 20_000);
    await oc.waitForIdle(id, 30_000);
    const last = (await oc.messages(id)).filter((m) => m.info.role === "assistant").at(-1)!;
    expect(textOf(last)).toContain("FALLBACK-AFTER-CREDIT");
  });

  test("Google's per-minute limit in quota words (a 429 RESOURCE_EXHAUSTED 'Quota exceeded … per minute') is left to OpenCode's retry: no fallback, the primary answers", async () => {
    mock.script("google-per-minute", [{ kind: "error", status: 429, body: GOOGLE_PER_MINUTE }, { kind: "text", text: "PRIMARY-AFTER-MINUTE" }]);
    const id = await oc.createSession("google per-minute");
    await oc.promptAsync(id, { text: "Q", agent: "minute" });
    await oc.waitForIdle(id, 30_000, 1000);
    const primary = mock.requestsFor("google-per-minute").filter((r) => r.sessionID === id);
    expect(primary.map((r) => r.answeredWith)).toEqual(["error 429", "text"]);
    expect(mock.requestsFor("fallback-b").filter((r) => r.sessionID === id)).toHaveLength(0);
    const last = (await oc.messages(id)).filter((m) => m.info.role === "assistant").at(-1)!;
    expect(last.info.modelID).toBe("google-per-minute");
    expect(textOf(last)).toContain("PRIMARY-AFTER-MINUTE");
  });

  test("a LiteLLM budget_exceeded (a 429) is quota: falls back at once, the primary asked once", async () => {
    mock.script("litellm-budget", [{ kind: "error", status: 429, body: LITELLM_MODEL_BUDGET }]);
    mock.script("fallback-b", [{ kind: "text", text: "FALLBACK-AFTER-BUDGET" }]);
    const id = await oc.createSession("litellm budget");
    await oc.promptAsync(id, { text: "Q", agent: "budget" });
    const first = await mock.waitForRequest((r) => r.model === "litellm-budget" && r.sessionID === id, 20_000);
    const fallback = await mock.waitForRequest((r) => r.model === "fallback-b" && r.sessionID === id, 20_000);
    console.log(`budget_exceeded → fallback request after ${fallback.at - first.at} ms`);
    expect(fallback.at - first.at).toBeLessThan(2000);
    await oc.waitForIdle(id, 30_000);
    expect(mock.requestsFor("litellm-budget").filter((r) => r.sessionID === id)).toHaveLength(1);
    const last = (await oc.messages(id)).filter((m) => m.info.role === "assistant").at(-1)!;
    expect(textOf(last)).toContain("FALLBACK-AFTER-BUDGET");
  });
});

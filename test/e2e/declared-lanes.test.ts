/**
 * Lanes as the user declared them and as the provider said, on the real `opencode serve` and `opencode
 * run`: a fallback on the same provider ID is honoured; an error whose scope is the whole account sends
 * the turn to a lane outside it first, and still to the same-provider lane when it is the only one; a
 * `retry-after: 12` brings the session back to its primary after about 12 s, not 15 minutes; and when
 * no lane is left the user is told within seconds, with no minute of futile retries.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  BUILT_PLUGIN_URL,
  OPENAI_INSUFFICIENT_QUOTA,
  prepareProject,
  runOpencode,
  startMockProvider,
  startOpencode,
  textOf,
  type MockProvider,
  type OpencodeHarness,
  type PreparedProject,
  type RunResult,
  type SessionMessage,
} from "./harness/index.js";

const agent = (name: string, model: string, fallback?: string, body = `You are ${name}.`) =>
  `---\ndescription: ${name}\nmode: primary\nmodel: ${model}\n${fallback ? `fallback_agent: ${fallback}\n` : ""}---\n${body}\n`;
const AGENTS: Record<string, string> = {
  // One provider ID, separate quotas (a proxy's upstream accounts): the declared fallback is honoured.
  lab: agent("lab", "lab/exhausted", "steady"),
  pool: agent("pool", "lab/pooled", "steady"),
  solo: agent("solo", "lab/solo", "steady"),
  steady: agent("steady", "lab/steady", undefined, "STEADY-PROMPT-MARKER"),
  // A chain whose first fallback is on the failed provider: an account-wide failure goes to the next lane first.
  chained: agent("chained", "lab/chain-head", "sibling"),
  sibling: agent("sibling", "lab/sibling", "outside"),
  outside: agent("outside", "far/outside", undefined, "OUTSIDE-PROMPT-MARKER"),
  // The provider asks for 12 s.
  brief: agent("brief", "lab/brief", "outside"),
  // Nothing left: the fallback is out too.
  doomed: agent("doomed", "lab/doomed", "alsodoomed"),
  alsodoomed: agent("alsodoomed", "far/alsodoomed"),
};
/** CLIProxyAPI when every pooled login is cooling down (a 503 OpenCode retries). */
const CLIPROXY_AUTH_UNAVAILABLE = { error: { message: "auth_unavailable: no auth available", type: "server_error", code: "internal_server_error" } };
/** DeepSeek when the account's balance is gone: the whole account is out (corpus: deepseek-402-insufficient-balance). */
const DEEPSEEK_402 = { error: { message: "Insufficient Balance", type: "unknown_error", param: null, code: "invalid_request_error" } };
const PROVIDERS = { models: ["unused"], extraProviders: { lab: ["exhausted", "pooled", "solo", "steady", "chain-head", "sibling", "brief", "doomed"], far: ["outside", "alsodoomed"] } };

let mock: MockProvider;
let oc: OpencodeHarness;
const projects: PreparedProject[] = [];

const lastAssistant = (messages: SessionMessage[]) => messages.filter((m) => m.info.role === "assistant").at(-1)!;
const forSession = (id: string, model: string) => mock.requests.filter((r) => r.sessionID === id && r.model === model);
const toasts = () => oc.events.all.filter((e) => e.type === "tui.toast.show").map((e) => ({ at: e.at, message: String(e.properties?.message) }));
const explain = (run: RunResult) => `exit ${run.code} after ${run.ms} ms\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;

async function turn(id: string, text: string, input: { agent: string; model?: string }) {
  await oc.promptAsync(id, { text, ...input });
  await oc.waitForIdle(id, 30_000, 800);
  return lastAssistant(await oc.messages(id));
}

beforeAll(async () => {
  mock = await startMockProvider();
  oc = await startOpencode({ mock, ...PROVIDERS, plugins: [BUILT_PLUGIN_URL], agents: AGENTS });
});
afterAll(async () => {
  await oc?.stop();
  for (const p of projects) p.cleanup();
  await mock?.close();
});

describe("a declared fallback on the same provider ID", () => {
  test("quota (OpenAI 429 insufficient_quota, seen on the retry status): the same provider's other model takes the turn", async () => {
    mock.script("exhausted", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    mock.script("steady", [{ kind: "text", text: "SAME-PROVIDER-ANSWER" }]);
    const id = await oc.createSession("same provider, quota");
    const answer = await turn(id, "QUOTA-QUESTION", { agent: "lab" });
    expect(answer.info.providerID).toBe("lab");
    expect(answer.info.modelID).toBe("steady");
    expect(textOf(answer)).toContain("SAME-PROVIDER-ANSWER");
    expect(forSession(id, "exhausted")).toHaveLength(1);
    expect(mock.systemTextOf(forSession(id, "steady")[0]!)).toContain("STEADY-PROMPT-MARKER");
    expect(toasts().some((t) => t.message.includes("Continuing this session on lab/steady"))).toBe(true);
  });

  test("auth pool (CLIProxyAPI 503 auth_unavailable): recovers onto the same provider's other model", async () => {
    mock.script("pooled", [{ kind: "error", status: 503, body: CLIPROXY_AUTH_UNAVAILABLE }]);
    mock.script("steady", [{ kind: "text", text: "POOL-FALLBACK-ANSWER" }]);
    const id = await oc.createSession("same provider, auth pool");
    const answer = await turn(id, "POOL-QUESTION", { agent: "pool" });
    expect(answer.info.modelID).toBe("steady");
    expect(textOf(answer)).toContain("POOL-FALLBACK-ANSWER");
    expect(forSession(id, "pooled")).toHaveLength(1);
  });

  test("an account-wide failure (DeepSeek 402 Insufficient Balance) whose only lane is on the same provider still tries it, and says why", async () => {
    mock.script("solo", [{ kind: "error", status: 402, body: DEEPSEEK_402 }]);
    mock.script("steady", [{ kind: "text", text: "LAST-LANE-ANSWER" }]);
    const id = await oc.createSession("only lane in the failed account");
    const answer = await turn(id, "SOLO-QUESTION", { agent: "solo" });
    expect(answer.info.modelID).toBe("steady");
    expect(textOf(answer)).toContain("LAST-LANE-ANSWER");
    expect(toasts().some((t) => t.message.includes("Continuing this session on lab/steady") && t.message.includes("taken as the last lane left (it shares the lab account"))).toBe(true);
  });

  test("an account-wide failure (DeepSeek 402) goes past a first fallback on the failed provider to the next lane, and says why", async () => {
    mock.script("chain-head", [{ kind: "error", status: 402, body: DEEPSEEK_402 }]);
    mock.script("sibling", [{ kind: "text", text: "SIBLING-SHOULD-NOT-ANSWER" }]);
    mock.script("outside", [{ kind: "text", text: "OUTSIDE-ANSWER" }]);
    const id = await oc.createSession("chain past the failed account");
    const answer = await turn(id, "CHAIN-QUESTION", { agent: "chained" });
    expect(answer.info.providerID).toBe("far");
    expect(textOf(answer)).toContain("OUTSIDE-ANSWER");
    expect(forSession(id, "sibling")).toHaveLength(0);
    expect(mock.systemTextOf(forSession(id, "outside")[0]!)).toContain("OUTSIDE-PROMPT-MARKER");
    expect(oc.logs(), "the log says why the sibling lane was passed over").toContain("passed over sibling (lab/sibling: shares the lab account");
    expect(toasts().some((t) => t.message.includes("passed over sibling (lab/sibling: shares the lab account"))).toBe(true);
  });
});

describe("cooling follows the provider's word", () => {
  test("retry-after: 12 on OpenCode's first retry status: on the fallback meanwhile, back on the primary after about 12 s", async () => {
    mock.script("brief", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA, headers: { "retry-after": "12" } }, { kind: "text", text: "PRIMARY-BACK" }]);
    mock.script("outside", [{ kind: "text", text: "WHILE-COOLING" }]);
    const id = await oc.createSession("retry-after 12");
    expect((await turn(id, "ONE", { agent: "brief" })).info.modelID).toBe("outside");
    const failedAt = forSession(id, "brief")[0]!.at;
    expect((await turn(id, "TWO", { agent: "brief", model: "lab/brief" })).info.modelID, "still cooling a few seconds later").toBe("outside");
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, failedAt + 13_000 - Date.now())));
    const back = await turn(id, "THREE", { agent: "brief", model: "lab/brief" });
    expect(back.info.modelID).toBe("brief");
    expect(textOf(back)).toContain("PRIMARY-BACK");
    expect(forSession(id, "brief")[1]!.at - failedAt).toBeLessThan(20_000);
    expect(toasts().some((t) => t.message.includes("lab/brief should serve again"))).toBe(true);
  }, 60_000);
});

describe("nothing left", () => {
  test("serve: the fallback is out too: a toast naming both lanes within 5 s, one request to the fallback, the turn stopped", async () => {
    mock.script("doomed", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    mock.script("alsodoomed", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    const id = await oc.createSession("nothing left");
    await oc.promptAsync(id, { text: "DOOMED", agent: "doomed" });
    const first = await mock.waitForRequest((r) => r.sessionID === id && r.model === "doomed", 20_000);
    await oc.waitForIdle(id, 30_000, 800);
    const told = toasts().find((t) => t.message.startsWith("No lane left"));
    expect(told, JSON.stringify(toasts())).toBeDefined();
    expect(told!.at - first.at, "told within 5 s of the first failed request").toBeLessThan(5000);
    expect(told!.message).toMatch(/far\/alsodoomed: quota, back in 1[45]m \d+s/);
    expect(told!.message).toMatch(/lab\/doomed: quota, back in 1[45]m \d+s/);
    expect(forSession(id, "alsodoomed"), "no futile retries on the exhausted fallback").toHaveLength(1);
    const idleAt = Date.now();
    expect(idleAt - first.at, "the turn stopped, not a minute of retries").toBeLessThan(15_000);
  }, 60_000);

  test("opencode run: exits 1 with the provider's error within seconds", async () => {
    const p = prepareProject({ mock, ...PROVIDERS, plugins: [BUILT_PLUGIN_URL], agents: AGENTS });
    projects.push(p);
    mock.script("doomed", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    mock.script("alsodoomed", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    const since = Date.now();
    const run = await runOpencode(p, ["--agent", "doomed", "DOOMED-RUN"]);
    expect(run.code, explain(run)).toBe(1);
    expect(run.stderr, explain(run)).toContain("No lane left");
    expect(run.stderr, explain(run)).toMatch(/Error: .*exceeded your current quota/);
    expect(mock.requests.filter((r) => r.model === "alsodoomed" && r.at >= since), "one request to the exhausted fallback").toHaveLength(1);
    expect(run.ms, explain(run)).toBeLessThan(25_000);
  }, 60_000);
});

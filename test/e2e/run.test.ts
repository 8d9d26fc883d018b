/**
 * `opencode run`, the headless client of scripts and CI, driven as a child process with the BUILT plugin
 * loaded from opencode.json: what it prints on stdout, what it exits with, and what the provider got.
 *
 * OpenCode 1.18.33's `run` ends its event loop at the first idle of its session (the plugin's abort of
 * the failed turn) and disposes the instance; the plugin sends the continuation from its `dispose` hook
 * and prints the answer (src/host/headless-run.ts). These tests fail on the plugin before that: exit 0 and
 * nothing printed.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  BUILT_PLUGIN_URL,
  GOOGLE_PER_MINUTE,
  LITELLM_MODEL_BUDGET,
  OPENAI_INSUFFICIENT_QUOTA,
  jsonEvents,
  prepareProject,
  runOpencode,
  startMockProvider,
  startOpencode,
  type MockProvider,
  type PreparedProject,
  type RunResult,
} from "./harness/index.js";

const AGENTS: Record<string, string> = {
  coder: "---\ndescription: coder on a quota-limited lane\nmode: primary\nmodel: alpha/exhausted\nfallback_agent: rescue\n---\nYou are coder.\n",
  broke: "---\ndescription: coder on a lane whose credit is gone\nmode: primary\nmodel: alpha/broke\nfallback_agent: rescue\n---\nYou are broke.\n",
  pooled: "---\ndescription: coder behind an auth pool\nmode: primary\nmodel: alpha/pooled\nfallback_agent: rescue\n---\nYou are pooled.\n",
  minute: "---\ndescription: coder on a lane with a per-minute limit\nmode: primary\nmodel: alpha/minute\nfallback_agent: rescue\n---\nYou are minute.\n",
  budget: "---\ndescription: coder behind a LiteLLM budget\nmode: primary\nmodel: alpha/budget\nfallback_agent: rescue\n---\nYou are budget.\n",
  rescue: "---\ndescription: the fallback lane\nmode: primary\nmodel: beta/backup\n---\nRESCUE-PROMPT-MARKER\n",
  lead: "---\ndescription: delegates to helper\nmode: primary\nmodel: beta/lead\n---\nYou are lead.\n",
  helper: "---\ndescription: a sub-agent on the exhausted lane\nmode: subagent\nmodel: alpha/sub\nfallback_agent: rescue\n---\nYou are helper.\n",
  // The continuation runs as the failed turn's agent (its permissions), on the fallback's model and prompt.
  asker: "---\ndescription: coder that asks before running commands\nmode: primary\nmodel: alpha/exhausted\nfallback_agent: rescue\npermission:\n  bash: ask\n---\nYou are asker.\n",
};
/** CLIProxyAPI when every pooled login is cooling down (a 503 OpenCode retries). */
const CLIPROXY_AUTH_UNAVAILABLE = { error: { message: "auth_unavailable: no auth available", type: "server_error", code: "internal_server_error" } };
const PROVIDERS = { models: ["unused"], extraProviders: { alpha: ["exhausted", "pooled", "sub", "broke", "minute", "budget"], beta: ["backup", "lead"] } };

let mock: MockProvider;
const projects: PreparedProject[] = [];

/** A new project (its own home, so its own lane state file) with the plugin. */
function project(withPlugin = true): PreparedProject {
  const made = prepareProject({ mock, ...PROVIDERS, plugins: withPlugin ? [BUILT_PLUGIN_URL] : [], agents: AGENTS, env: { OPENCODE_SESSION_FALLBACK_DEBUG: "1" } });
  projects.push(made);
  return made;
}

const chat = (model: string, since: number) => mock.requests.filter((r) => r.model === model && r.at >= since);
const explain = (run: RunResult) => `exit ${run.code} after ${run.ms} ms\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
const lanesOf = (p: PreparedProject) => {
  const file = join(p.root, "home", ".local", "share", "opencode", "opencode-session-fallback", "lanes.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")).lanes as Array<{ lane: string }>).map((l) => l.lane) : [];
};

beforeAll(async () => {
  mock = await startMockProvider();
});
afterAll(async () => {
  for (const p of projects) p.cleanup();
  await mock?.close();
});

describe("opencode run, default format", () => {
  test("quota (OpenAI 429 insufficient_quota): prints the fallback's answer, exits 0, same session; the next run goes straight to the fallback", async () => {
    const p = project();
    mock.script("exhausted", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    mock.script("backup", [{ kind: "text", text: "RUN-FALLBACK-ANSWER-1" }, { kind: "text", text: "RUN-FALLBACK-ANSWER-2" }]);
    const since = Date.now();
    const first = await runOpencode(p, ["--agent", "coder", "QUESTION-ONE"]);
    expect(first.code, explain(first)).toBe(0);
    expect(first.stdout.trim(), explain(first)).toBe("RUN-FALLBACK-ANSWER-1");
    expect(first.stderr).toContain("continuing this session on beta/backup".replace("continuing", "Continuing"));
    const [failed] = chat("exhausted", since);
    const [fallback] = chat("backup", since);
    expect(failed?.answeredWith).toBe("error 429");
    expect(fallback?.sessionID, "the fallback continues the same session").toBe(failed?.sessionID);
    expect(mock.systemTextOf(fallback!)).toContain("RESCUE-PROMPT-MARKER");
    expect(mock.lastUserTextOf(fallback!) + JSON.stringify(fallback!.body.messages)).toContain("QUESTION-ONE");
    expect(lanesOf(p)).toContain("alpha/exhausted");

    const secondSince = Date.now();
    const second = await runOpencode(p, ["--agent", "coder", "QUESTION-TWO"]);
    expect(second.code, explain(second)).toBe(0);
    expect(second.stdout.trim()).toBe("RUN-FALLBACK-ANSWER-2");
    expect(chat("exhausted", secondSince), "the second run never asks the exhausted lane").toHaveLength(0);
    expect(chat("backup", secondSince)).toHaveLength(1);
  });

  test("auth pool (CLIProxyAPI 503 auth_unavailable): prints the fallback's answer and exits 0", async () => {
    const p = project();
    mock.script("pooled", [{ kind: "error", status: 503, body: CLIPROXY_AUTH_UNAVAILABLE }]);
    mock.script("backup", [{ kind: "text", text: "RUN-POOL-ANSWER" }]);
    const since = Date.now();
    const run = await runOpencode(p, ["--agent", "pooled", "POOL-QUESTION"]);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout.trim(), explain(run)).toBe("RUN-POOL-ANSWER");
    expect(chat("backup", since)[0]?.sessionID).toBe(chat("pooled", since)[0]?.sessionID);
  });

  test("credit gone (DeepSeek 402, not retried: run prints OpenCode's error first): the fallback's answer follows, exit 0", async () => {
    const p = project();
    mock.script("broke", [{ kind: "error", status: 402, body: { error: { message: "Insufficient Balance", type: "unknown_error", param: null, code: "invalid_request_error" } } }]);
    mock.script("backup", [{ kind: "text", text: "RUN-CREDIT-ANSWER" }]);
    const run = await runOpencode(p, ["--agent", "broke", "CREDIT-QUESTION"]);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout.trim(), explain(run)).toBe("RUN-CREDIT-ANSWER");
    expect(run.stderr).toContain("Insufficient Balance");
    expect(run.stderr).toContain("Continuing this session on beta/backup");
  });

  test("Google's per-minute limit in quota words (issue 11): no fallback, OpenCode's retry gets the primary's answer, exit 0", async () => {
    const p = project();
    mock.script("minute", [{ kind: "error", status: 429, body: GOOGLE_PER_MINUTE }, { kind: "text", text: "RUN-PRIMARY-AFTER-MINUTE" }]);
    const since = Date.now();
    const run = await runOpencode(p, ["--agent", "minute", "MINUTE-QUESTION"]);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout.trim(), explain(run)).toBe("RUN-PRIMARY-AFTER-MINUTE");
    expect(chat("minute", since).map((r) => r.answeredWith)).toEqual(["error 429", "text"]);
    expect(chat("backup", since), "the per-minute limit is not a reason to leave the lane").toHaveLength(0);
    expect(run.stderr).not.toContain("Continuing this session");
    expect(lanesOf(p)).not.toContain("alpha/minute");
  });

  test("a LiteLLM budget_exceeded (a 429, issue 11): falls back at once, prints the fallback's answer, exit 0", async () => {
    const p = project();
    mock.script("budget", [{ kind: "error", status: 429, body: LITELLM_MODEL_BUDGET }]);
    mock.script("backup", [{ kind: "text", text: "RUN-BUDGET-ANSWER" }]);
    const since = Date.now();
    const run = await runOpencode(p, ["--agent", "budget", "BUDGET-QUESTION"]);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout.trim(), explain(run)).toBe("RUN-BUDGET-ANSWER");
    expect(chat("budget", since), "asked once: no minute of OpenCode retries").toHaveLength(1);
    expect(chat("backup", since)[0]?.sessionID).toBe(chat("budget", since)[0]?.sessionID);
    expect(run.stderr).toContain("Continuing this session on beta/backup");
    expect(lanesOf(p)).toContain("alpha/budget");
  });

  test("control, without the plugin: the same quota error ends the run with exit 1 and the provider's message", async () => {
    const p = project(false);
    // retry-after-ms keeps OpenCode's five retries short (it honours the header); without it they take ~70 s.
    mock.script("exhausted", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA, headers: { "retry-after-ms": "20" } }]);
    const since = Date.now();
    const run = await runOpencode(p, ["--agent", "coder", "QUESTION"]);
    expect(run.code, explain(run)).toBe(1);
    expect(run.stderr).toContain("You exceeded your current quota");
    expect(run.stdout.trim()).toBe("");
    expect(chat("backup", since)).toHaveLength(0);
  });
});

describe("opencode run: a sub-agent's session fails", () => {
  test("the child continues at once (not at the run's end), the parent's task gets its answer, the run prints the parent's answer", async () => {
    const p = project();
    mock.script("lead", [{ kind: "tool-call", name: "task", args: { description: "compute", prompt: "SUBTASK", subagent_type: "helper" } }, { kind: "text", text: "LEAD-DONE-IN-RUN" }]);
    mock.script("sub", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    mock.script("backup", [{ kind: "text", text: "CHILD-ANSWER-IN-RUN" }]);
    const since = Date.now();
    const run = await runOpencode(p, ["--agent", "lead", "DELEGATE"]);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout.trim(), explain(run)).toBe("LEAD-DONE-IN-RUN");
    const [child] = chat("backup", since);
    expect(child?.sessionID).toBe(chat("sub", since)[0]?.sessionID);
    const [, step2] = chat("lead", since);
    expect(JSON.stringify(step2?.body.messages)).toContain("CHILD-ANSWER-IN-RUN");
  });
});

describe("opencode run: the continuation asks for a permission", () => {
  test("rejected as run rejects it (no TTY, no --dangerously-skip-permissions), the run ends instead of waiting", async () => {
    const p = project();
    mock.script("exhausted", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    mock.script("backup", [{ kind: "tool-call", name: "bash", args: { command: "touch PERMISSION-PROBE", description: "probe" } }, { kind: "text", text: "AFTER-THE-TOOL" }]);
    const run = await runOpencode(p, ["--agent", "asker", "DO IT"], { timeoutMs: 60_000 });
    expect(run.timedOut, explain(run)).toBe(false);
    expect(run.stderr, explain(run)).toContain("permission requested: bash");
    expect(run.stderr).toContain("auto-rejecting");
    expect(existsSync(join(p.dir, "PERMISSION-PROBE")), "the command never ran").toBe(false);
    expect(run.ms).toBeLessThan(30_000);
  });
});

describe("opencode run --format json", () => {
  test("quota: the JSON events carry the fallback's answer, all in one session, exit 0", async () => {
    const p = project();
    mock.script("exhausted", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    mock.script("backup", [{ kind: "text", text: "JSON-FALLBACK-ANSWER" }]);
    const since = Date.now();
    const run = await runOpencode(p, ["--agent", "coder", "--format", "json", "JSON-QUESTION"]);
    expect(run.code, explain(run)).toBe(0);
    const events = jsonEvents(run.stdout);
    const texts = events.filter((e) => e.type === "text").map((e) => e.part?.text);
    expect(texts, explain(run)).toEqual(["JSON-FALLBACK-ANSWER"]);
    expect(events.some((e) => e.type === "error")).toBe(false);
    const sessions = new Set(events.map((e) => e.sessionID));
    expect(sessions.size).toBe(1);
    expect([...sessions][0]).toBe(chat("exhausted", since)[0]?.sessionID);
    expect(chat("backup", since)[0]?.sessionID).toBe([...sessions][0]);
  });

  test("auth pool: the JSON events carry the fallback's answer, exit 0", async () => {
    const p = project();
    mock.script("pooled", [{ kind: "error", status: 503, body: CLIPROXY_AUTH_UNAVAILABLE }]);
    mock.script("backup", [{ kind: "text", text: "JSON-POOL-ANSWER" }]);
    const run = await runOpencode(p, ["--agent", "pooled", "--format", "json", "JSON-POOL-QUESTION"]);
    expect(run.code, explain(run)).toBe(0);
    expect(jsonEvents(run.stdout).filter((e) => e.type === "text").map((e) => e.part?.text)).toEqual(["JSON-POOL-ANSWER"]);
  });

  test("the fallback lane fails too: the run ends non-zero with an error event, never exit 0 without an answer", async () => {
    const p = project();
    mock.script("exhausted", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    // The fallback's own failure is not one the plugin recovers (a 400), so the continuation ends with it.
    mock.script("backup", [{ kind: "error", status: 400, body: { error: { message: "BACKUP-REFUSED: invalid request", type: "invalid_request_error" } } }]);
    const run = await runOpencode(p, ["--agent", "coder", "--format", "json", "DOOMED"]);
    expect(run.code, explain(run)).toBe(1);
    const errors = jsonEvents(run.stdout).filter((e) => e.type === "error");
    expect(JSON.stringify(errors), explain(run)).toContain("BACKUP-REFUSED");
    expect(run.stderr).toContain("BACKUP-REFUSED");
  });
});

describe("opencode run --attach", () => {
  test("control, without the plugin: 1.18.33's attached run exits 0 although the turn died of the provider's error", async () => {
    const oc = await startOpencode({ mock, ...PROVIDERS, plugins: [], agents: AGENTS });
    try {
      mock.script("exhausted", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA, headers: { "retry-after-ms": "20" } }]);
      const run = await runOpencode({ dir: oc.dir, env: oc.env }, ["--attach", oc.url, "--agent", "coder", "ATTACH-CONTROL"]);
      // The attached client sets a non-zero exit code only when its prompt request itself fails; a turn
      // that ends in a provider error answers that request normally. Nothing a server plugin does changes it.
      expect(run.code, explain(run)).toBe(0);
      // The turn did die of the provider's error (whether the client printed it before exiting is a race:
      // its event loop is not awaited).
      const sessionID = chat("exhausted", 0).at(-1)!.sessionID!;
      const last = (await oc.messages(sessionID)).filter((m) => m.info.role === "assistant").at(-1);
      expect(last?.info.error?.data?.message ?? "").toContain("You exceeded your current quota");
    } finally {
      await oc.stop();
    }
  });

  test("against a serve: the server carries the session on the fallback lane", async () => {
    const oc = await startOpencode({ mock, ...PROVIDERS, plugins: [BUILT_PLUGIN_URL], agents: AGENTS });
    try {
      mock.script("exhausted", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
      mock.script("backup", [{ kind: "text", text: "ATTACH-FALLBACK-ANSWER" }]);
      const since = Date.now();
      const run = await runOpencode({ dir: oc.dir, env: oc.env }, ["--attach", oc.url, "--agent", "coder", "ATTACH-QUESTION"]);
      const fallback = await mock.waitForRequest((r) => r.model === "backup" && r.at >= since, 20_000);
      expect(fallback.sessionID).toBe(chat("exhausted", since)[0]?.sessionID);
      // 1.18.33's attached run returns when its prompt request returns, and the server answers that
      // request at the abort: the attached client exits before the continuation (see README, "run --attach").
      expect(run.code, explain(run)).toBe(0);
      const messages = await oc.messages(fallback.sessionID!);
      await expect
        .poll(async () => (await oc.messages(fallback.sessionID!)).some((m) => m.info.role === "assistant" && m.parts.some((part) => part.text === "ATTACH-FALLBACK-ANSWER")), { timeout: 15_000 })
        .toBe(true);
      expect(messages.length).toBeGreaterThan(0);
    } finally {
      await oc.stop();
    }
  });
});

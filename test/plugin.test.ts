import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Hooks } from "@opencode-ai/plugin";
import { createHooks } from "../src/plugin";
import { CONTINUATION_TAG } from "../src/sessions/own-prompt";
import type { DecisionRecord } from "../src/support/debug-log";
import { ABORTED, AUTH_POOL_ERROR, FakeOpencode, QUOTA_ERROR, ev, settle as flush, tempProject } from "./helpers/fake-opencode";

const SOURCE = `---
description: the user's agent
fallback_agent: metis
---
You are the primary agent.
`;
const TARGET = `---
model: backup/model-b
---
You are Metis, the fallback lane. Be brief.
`;

describe("the plugin's hooks, driven by OpenCode event sequences", () => {
  let project: ReturnType<typeof tempProject>;
  let fake: FakeOpencode;
  let decisions: DecisionRecord[];
  let hooks: Hooks;
  let work: Promise<unknown>[] = [];
  /** Waits for every piece of work the events started, including work started by that work. */
  async function settle() {
    for (let seen = -1; seen !== work.length; ) {
      seen = work.length;
      await Promise.all(work);
      await flush();
    }
  }
  const send = (event: unknown) => hooks.event!({ event } as never);

  function start(env: Record<string, string> = {}, options?: unknown) {
    hooks = createHooks({ directory: project.dir, worktree: project.dir, client: {} }, options, {
      env: { OPENCODE_SESSION_FALLBACK_STATE_FILE: `${project.home}/lanes.json`, ...env },
      port: fake,
      home: project.home,
      decisions: { write: (r) => decisions.push(r) },
      track: (w) => void work.push(w),
    });
  }

  beforeEach(() => {
    project = tempProject({ build: SOURCE, metis: TARGET });
    fake = new FakeOpencode();
    decisions = [];
    work = [];
    start();
  });
  afterEach(async () => {
    // The last lane write ends before the project's files are removed (dispose waits for it; bounded for hooks left mid-recovery).
    await Promise.race([hooks.dispose?.(), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
    project.cleanup();
  });

  it("recovers on the first quota retry status: abort, then a prompt on the fallback model with the fallback prompt, agent kept", async () => {
    fake.failedTurn("ses_1", "build");
    send(ev.retry("ses_1"));
    await settle();
    const order = fake.calls.filter((c) => c.call === "abort" || c.call === "promptAsync").map((c) => c.call);
    expect(order).toEqual(["abort", "promptAsync"]);
    const [prompt] = fake.prompts();
    expect(prompt?.sessionID).toBe("ses_1");
    expect(prompt?.body.model).toEqual({ providerID: "backup", modelID: "model-b" });
    expect(prompt?.body.agent).toBe("build");
    expect(prompt?.body.system).toContain(`<${CONTINUATION_TAG}>`);
    expect(prompt?.body.system).toContain("You are Metis, the fallback lane.");
    expect(prompt?.body.system).toContain("primary/model-a");
    expect(prompt?.body.parts).toHaveLength(1);
    expect(prompt?.body.parts[0]?.synthetic).toBe(true);
    const toast = fake.calls.find((c) => c.call === "toast");
    expect(toast && toast.call === "toast" && toast.toast.message).toMatch(/backup\/model-b/);
    expect(decisions.find((d) => d.outcome === "recovered")?.rule).toMatch(/quota/);
  });

  it("recovers on session.error for an auth pool exhausted (auth_unavailable: no auth available)", async () => {
    fake.failedTurn("ses_2", "build");
    send(ev.error("ses_2", AUTH_POOL_ERROR));
    await settle();
    expect(fake.prompts()).toHaveLength(1);
    expect(decisions.find((d) => d.outcome === "recovered")?.kind).toBe("auth-pool");
  });

  it("duplicate announcements (several retry statuses, the error, two idle pairs, interleaved) lead to exactly one recovery", async () => {
    fake.failedTurn("ses_3", "build", "primary/model-a", QUOTA_ERROR);
    send(ev.retry("ses_3"));
    send(ev.retry("ses_3", { type: "retry", attempt: 2, message: "You exceeded your current quota", next: 0 }));
    send(ev.error("ses_3"));
    send(ev.statusIdle("ses_3"));
    send(ev.idle("ses_3"));
    send(ev.part("ses_3"));
    send(ev.statusIdle("ses_3"));
    send(ev.idle("ses_3"));
    await settle();
    expect(fake.prompts()).toHaveLength(1);
    expect(fake.count("abort")).toBe(1);
  });

  it("own abort: the MessageAbortedError caused by the plugin's abort is not read as a new failure, nor as a user abort", async () => {
    fake.failedTurn("ses_4", "build");
    start({ OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT: "3" });
    fake.onAbort = (id) => void send(ev.error(id, ABORTED));
    send(ev.retry("ses_4"));
    await settle();
    send(ev.error("ses_4", ABORTED));
    await settle();
    expect(fake.prompts()).toHaveLength(1);
    expect(decisions.filter((d) => d.outcome === "own-abort").length).toBeGreaterThanOrEqual(1);
    expect(decisions.some((d) => d.outcome === "user-abort")).toBe(false);
  });

  it("user abort: an ESC (MessageAbortedError) never triggers a recovery, and the idle watchdog leaves it too", async () => {
    fake.failedTurn("ses_5", "build", "primary/model-a", ABORTED);
    send(ev.error("ses_5", ABORTED));
    send(ev.idle("ses_5"));
    await settle();
    expect(fake.prompts()).toHaveLength(0);
    expect(fake.count("abort")).toBe(0);
    expect(decisions.some((d) => d.outcome === "user-abort")).toBe(true);
  });

  it("budget: with the default limit of 1, a second failure (the fallback lane on another model) is left as it is, with a log line", async () => {
    fake.failedTurn("ses_6", "build");
    send(ev.retry("ses_6"));
    await settle();
    expect(fake.prompts()).toHaveLength(1);
    // The next turn fails too, on a third model: a new assistant message.
    fake.sessions.get("ses_6")!.push(
      { id: "msg_user_2", role: "user", agent: "build" },
      { id: "msg_asst_2", role: "assistant", mode: "build", providerID: "other", modelID: "model-c", parentID: "msg_user_2" },
    );
    send(ev.retry("ses_6"));
    send(ev.error("ses_6"));
    await settle();
    expect(fake.prompts()).toHaveLength(1);
    expect(decisions.filter((d) => d.outcome === "budget-spent")).toHaveLength(1);
    expect(fake.calls.some((c) => c.call === "log" && c.level === "warn" && /budget is spent/.test(c.message))).toBe(true);
  });

  it("limit 0 turns automatic recovery off", async () => {
    start({ OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT: "0" });
    fake.failedTurn("ses_7", "build");
    send(ev.retry("ses_7"));
    await settle();
    expect(fake.prompts()).toHaveLength(0);
    expect(decisions.some((d) => d.outcome === "budget-spent")).toBe(true);
  });

  it("the fallback lane failing is never recovered onto itself, whatever the limit: no lane left, said at once, the retries stopped", async () => {
    start({ OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT: "5" });
    fake.failedTurn("ses_8", "build", "backup/model-b");
    send(ev.retry("ses_8"));
    await settle();
    expect(fake.prompts()).toHaveLength(0);
    const left = decisions.find((d) => d.outcome === "no-lane-left");
    expect(left?.stopped).toBe(true);
    expect(left?.lanes).toEqual([expect.stringMatching(/^backup\/model-b: quota, back in 15m 0s/)]);
    expect(fake.count("abort")).toBe(1);
    const toast = fake.calls.flatMap((c) => (c.call === "toast" ? [c.toast] : [])).find((t) => /No lane left/.test(t.message));
    expect(toast?.message).toMatch(/backup\/model-b: quota, back in 15m.*The turn is stopped instead of retrying/);
  });

  it("unresolvable target: an agent without fallback_agent leaves the error untouched and says why", async () => {
    project.write("plain", "---\ndescription: no fallback here\n---\nHello");
    fake.failedTurn("ses_9", "plain");
    send(ev.retry("ses_9"));
    send(ev.error("ses_9"));
    await settle();
    expect(fake.count("abort")).toBe(0);
    expect(fake.prompts()).toHaveLength(0);
    const left = fake.calls.find((c) => c.call === "log" && /declares no fallback_agent/.test(c.message));
    expect(left).toBeDefined();
    // One log line for the failed turn, not one per announcement.
    expect(fake.calls.filter((c) => c.call === "log" && /declares no fallback_agent/.test(c.message))).toHaveLength(1);
  });

  it.each([
    ["a missing fallback agent file", "ghost", undefined, /fallback_agent "ghost".*no markdown file/],
    ["a fallback agent without model", "nomodel", "---\ndescription: x\n---\nbody", /declares no model/],
    ["a fallback agent with broken YAML", "broken", "---\nmodel: [unclosed\n---\nbody", /cannot be parsed/],
    ["a fallback agent with a ---js block", "evil", "---js\n{ model: (globalThis.__pwned = 1, 'x/y') }\n---\nbody", /executable frontmatter/],
    ["a traversal name", "../../etc/passwd", undefined, /is refused/],
  ])("unresolvable target: %s", async (_label, name, text, message) => {
    project.write("src", `---\nfallback_agent: ${JSON.stringify(name)}\n---\nbody`);
    if (text) project.write(name, text);
    fake.failedTurn("ses_10", "src");
    send(ev.error("ses_10"));
    await settle();
    expect(fake.prompts()).toHaveLength(0);
    expect((globalThis as { __pwned?: number }).__pwned).toBeUndefined();
    expect(fake.calls.some((c) => c.call === "log" && message.test(c.message))).toBe(true);
  });

  it("idle watchdog: a turn that ended with a quota error and no session.error is recovered when the session goes idle", async () => {
    fake.failedTurn("ses_11", "build", "primary/model-a", QUOTA_ERROR);
    send(ev.idle("ses_11"));
    await settle();
    expect(fake.prompts()).toHaveLength(1);
    expect(decisions.find((d) => d.outcome === "recovered")?.event).toBe("idle");
  });

  it("idle watchdog: a turn that ended well costs one read and nothing else", async () => {
    fake.failedTurn("ses_12", "build");
    send(ev.idle("ses_12"));
    await settle();
    expect(fake.count("messages")).toBe(1);
    expect(fake.calls.filter((c) => c.call !== "messages")).toEqual([]);
  });

  it("switchAgent option: the continuation runs as the fallback agent, its prompt left to OpenCode", async () => {
    start({}, { switchAgent: true });
    fake.failedTurn("ses_13", "build");
    send(ev.retry("ses_13"));
    await settle();
    const [prompt] = fake.prompts();
    expect(prompt?.body.agent).toBe("metis");
    expect(prompt?.body.system).not.toContain("You are Metis");
  });

  it("a retry status the policy leaves to OpenCode (short rate limit) can still fall back when OpenCode gives up", async () => {
    fake.failedTurn("ses_14", "build");
    const rateLimit = { name: "APIError", data: { message: "Rate limit exceeded", statusCode: 429, isRetryable: true, responseBody: '{"object":"error","message":"Rate limit exceeded","type":"rate_limited","param":null,"code":"1300"}' } };
    send(ev.retry("ses_14", { type: "retry", attempt: 1, message: "Rate limit exceeded", next: Date.now() + 2000 }));
    await settle();
    expect(fake.prompts()).toHaveLength(0);
    send(ev.error("ses_14", rateLimit));
    await settle();
    expect(fake.prompts()).toHaveLength(1);
  });

  it("failing OpenCode calls are logged and leave the session usable: messages, abort, prompt", async () => {
    fake.failedTurn("ses_15", "build");
    fake.failures.messages = () => Promise.reject(new Error("HTTP 500"));
    send(ev.retry("ses_15"));
    await settle();
    expect(fake.prompts()).toHaveLength(0);
    expect(fake.calls.some((c) => c.call === "log" && c.level === "error" && /could not be read/.test(c.message))).toBe(true);

    fake.failures = { abort: () => Promise.reject(new Error("abort exploded")) };
    fake.failedTurn("ses_16", "build");
    send(ev.retry("ses_16"));
    await settle();
    expect(fake.prompts()).toHaveLength(1);

    fake.failures = { promptAsync: () => Promise.reject(new Error("prompt refused")) };
    fake.failedTurn("ses_17", "build");
    send(ev.retry("ses_17"));
    await settle();
    expect(fake.calls.some((c) => c.call === "toast" && c.toast.variant === "error" && /prompt refused/.test(c.toast.message))).toBe(true);
  });

  it("irrelevant and malformed events never touch OpenCode and never throw", async () => {
    const junk: unknown[] = [undefined, null, 42, "x", {}, { type: "session.error" }, { type: "session.error", properties: null }, { type: "session.status", properties: { sessionID: "s", status: null } }, { type: "session.status", properties: { sessionID: "s", status: { type: "busy" } } }, ev.part("s"), { type: "session.idle", properties: { sessionID: 7 } }];
    for (const event of junk) {
      expect(() => send(event)).not.toThrow();
      expect(() => hooks.event!(undefined as never)).not.toThrow();
    }
    await settle();
    expect(fake.calls).toEqual([]);
  });

  it("config hook: fallback_agent is taken out of every agent's options (and top level) so it never reaches a provider", async () => {
    const config = {
      agent: {
        build: { prompt: "p", options: { fallback_agent: "metis", reasoningEffort: "high" } },
        other: { fallback_agent: "metis", model: "x/y" },
      },
    };
    await hooks.config!(config as never);
    expect(config.agent.build.options).toEqual({ reasoningEffort: "high" });
    expect("fallback_agent" in config.agent.other).toBe(false);
  });

  it("an agent declared only in opencode.json (no markdown) still resolves through what the config hook saw", async () => {
    await hooks.config!({ agent: { jsononly: { options: { fallback_agent: "metis" } } } } as never);
    fake.failedTurn("ses_18", "jsononly");
    send(ev.retry("ses_18"));
    await settle();
    expect(fake.prompts()[0]?.body.model).toEqual({ providerID: "backup", modelID: "model-b" });
  });

  it("an edited agent file is re-read: the new model is used on the next failure", async () => {
    start({ OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT: "5" });
    fake.failedTurn("ses_19", "build");
    send(ev.retry("ses_19"));
    await settle();
    project.write("metis", "---\nmodel: backup/model-z\n---\nNew prompt, longer than before.");
    fake.failedTurn("ses_20", "build");
    send(ev.retry("ses_20"));
    await settle();
    expect(fake.prompts().map((p) => p.body.model.modelID)).toEqual(["model-b", "model-z"]);
  });

  it("bad env values are reported by name and replaced by defaults", async () => {
    start({ OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT: "lots", OPENCODE_SESSION_FALLBACK_DEBUG: "maybe" });
    await settle();
    const warnings = fake.calls.filter((c) => c.call === "log" && c.level === "warn").map((c) => (c.call === "log" ? c.message : ""));
    expect(warnings.some((w) => w.includes("OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT") && w.includes("using 1"))).toBe(true);
    expect(warnings.some((w) => w.includes("OPENCODE_SESSION_FALLBACK_DEBUG") && w.includes("using false"))).toBe(true);
    fake.failedTurn("ses_21", "build");
    send(ev.retry("ses_21"));
    await settle();
    expect(fake.prompts()).toHaveLength(1);
  });

  it("drill: the Anthropic SDK's \"Connection error.\" falls back on the cliproxy_fault provider only", async () => {
    start({ OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT: "5" });
    const connection = { name: "APIError", data: { message: "Connection error.", isRetryable: true } };
    fake.failedTurn("ses_drill", "build", "cliproxy_fault/claude-opus", connection);
    send(ev.error("ses_drill", connection));
    fake.failedTurn("ses_real", "build", "anthropic/claude-opus", connection);
    send(ev.error("ses_real", connection));
    await settle();
    expect(fake.prompts().map((p) => p.sessionID)).toEqual(["ses_drill"]);
    expect(decisions.find((d) => d.sessionID === "ses_real" && d.outcome === "not-eligible")?.why).toMatch(/only on the drill provider/);
  });
});

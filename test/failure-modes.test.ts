/**
 * Failure modes of the plugin as a whole: one named test per way things go wrong around a recovery
 * (OpenCode's own announcements, failing or hanging API calls, hostile events, files and settings).
 * Each drives the real hooks object (`createHooks`) with a fake OpenCode port, or the real SDK adapter
 * (`opencodePort`) over a fake SDK client.
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { nodeFileSystem, type FileSystemPort } from "../src/agents/agent-files";
import { fileDecisionLog, type DecisionLog } from "../src/support/debug-log";
import { opencodePort, type PromptBody } from "../src/host/opencode-port";
import { ENV_VARIABLES } from "../src/settings/settings";
import { AUTH_POOL_ERROR as AUTH_POOL, FakeOpencode, QUOTA_ERROR, ev, settle as flush, tempProject } from "./helpers/fake-opencode";
import {
  SOURCE,
  TARGET,
  ScriptedOpencode,
  abortAnnouncements,
  closeAllHooks,
  deferred,
  fakeSdkClient,
  memoryAppend,
  safeEnv,
  startHooks,
  until,
  type Harness,
  type Project,
} from "./helpers/hooks-harness";

/** Log lines the plugin wrote to OpenCode's log through the fake port. */
function logLines(fake: FakeOpencode, level?: string): string[] {
  return fake.calls.flatMap((c) => (c.call === "log" && (level === undefined || c.level === level) ? [c.message] : []));
}

function toasts(fake: FakeOpencode): Array<{ variant: string; message: string; title: string }> {
  return fake.calls.flatMap((c) => (c.call === "toast" ? [c.toast] : []));
}

/** Sends the full set of announcements OpenCode publishes for one failed turn (see OPENCODE.md). */
function announceFailure(h: Harness, sessionID: string, error: unknown = QUOTA_ERROR): void {
  h.send(ev.retry(sessionID));
  h.send(ev.error(sessionID, error));
  h.send(ev.statusIdle(sessionID));
  h.send(ev.idle(sessionID));
  h.send(ev.statusIdle(sessionID));
  h.send(ev.idle(sessionID));
}

describe("failure modes", () => {
  let project: Project;
  let fake: FakeOpencode;

  beforeEach(() => {
    project = tempProject({ build: SOURCE, metis: TARGET });
    fake = new FakeOpencode();
  });
  afterEach(async () => {
    vi.useRealTimers();
    // Recoveries and lane writes still running end before the project's files are removed.
    await closeAllHooks();
    project.cleanup();
    delete (globalThis as { __pwned?: unknown }).__pwned;
  });

  it("own abort read as a new failure (oh-my-openagent #4006): the plugin's abort and its announcements cause exactly one abort and one prompt", async () => {
    const scripted = new ScriptedOpencode();
    const h = startHooks({ project, port: scripted, env: { OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT: "5" } });
    scripted.failedTurn("ses_own", "build");
    // What OpenCode publishes while our abort runs: the MessageAbortedError, then an idle pair.
    scripted.onAbort = (id) => {
      for (const event of abortAnnouncements(id)) h.send(event);
    };
    h.send(ev.retry("ses_own"));
    await h.settle();
    // … and once more just after the abort returned (the second idle pair of a turn's end).
    for (const event of abortAnnouncements("ses_own")) h.send(event);
    await h.settle();

    expect(scripted.count("abort")).toBe(1);
    expect(scripted.prompts()).toHaveLength(1);
    expect(h.decisions.filter((d) => d.outcome === "own-abort").length).toBeGreaterThanOrEqual(2);
    expect(h.decisions.some((d) => d.outcome === "user-abort")).toBe(false);
    expect(h.decisions.filter((d) => d.outcome === "recovered")).toHaveLength(1);
  });

  it("duplicate announcements: 4 retry statuses, the session.error and two idle pairs, interleaved with streamed parts, make exactly one recovery", async () => {
    const h = startHooks({ project, port: fake });
    fake.failedTurn("ses_dup", "build", "primary/model-a", QUOTA_ERROR);
    for (let attempt = 1; attempt <= 4; attempt++) {
      h.send(ev.part("ses_dup"));
      h.send(ev.retry("ses_dup", { type: "retry", attempt, message: "You exceeded your current quota, please check your plan and billing details.", next: Date.now() + 2000 * attempt }));
      h.send(ev.part("ses_dup"));
    }
    h.send(ev.error("ses_dup"));
    h.send(ev.part("ses_dup"));
    h.send(ev.statusIdle("ses_dup"));
    h.send(ev.idle("ses_dup"));
    h.send(ev.part("ses_dup"));
    h.send(ev.statusIdle("ses_dup"));
    h.send(ev.idle("ses_dup"));
    await h.settle();

    expect(fake.count("abort")).toBe(1);
    expect(fake.prompts()).toHaveLength(1);
    expect(h.decisions.filter((d) => d.outcome === "recovered")).toHaveLength(1);
    expect(h.decisions.some((d) => d.outcome === "budget-spent")).toBe(false);
    expect(toasts(fake).filter((t) => t.variant === "error")).toEqual([]);
  });

  it("duplicate announcements handled after the continuation started: a stale retry/error of the failed turn must not count as a failure of the fallback lane", async () => {
    // Same announcements, but OpenCode behaves as it does: the continuation prompt creates a new user
    // message and a running assistant message on the fallback lane before the queued duplicates run.
    const scripted = new ScriptedOpencode();
    const h = startHooks({ project, port: scripted });
    scripted.failedTurn("ses_stale", "build");
    for (let attempt = 1; attempt <= 4; attempt++) {
      h.send(ev.retry("ses_stale", { type: "retry", attempt, message: "You exceeded your current quota, please check your plan and billing details.", next: Date.now() + 2000 * attempt }));
    }
    h.send(ev.error("ses_stale"));
    h.send(ev.statusIdle("ses_stale"));
    h.send(ev.idle("ses_stale"));
    await h.settle();

    expect(scripted.prompts()).toHaveLength(1);
    // Each of these fails on src as of writing: every queued duplicate reads the new turn, takes its
    // assistant message (backup/model-b, still running, no error) as the failed turn, marks the FALLBACK
    // lane as cooling and reports the budget spent with an error toast.
    expect.soft(h.decisions.filter((d) => d.outcome === "budget-spent"), "budget-spent decisions for stale duplicates").toEqual([]);
    expect.soft(
      h.decisions.filter((d) => d.outcome === "lane-cooling").map((d) => d.lane),
      "lanes marked cooling",
    ).toEqual(["primary/model-a"]);
    expect.soft(toasts(scripted).filter((t) => t.variant === "error"), "error toasts").toEqual([]);
  });

  it("the user aborts while a recovery is under way: no prompt is ever sent", async () => {
    const h = startHooks({ project, port: fake });
    fake.failedTurn("ses_user", "build");
    const gate = deferred<readonly unknown[]>();
    fake.failures.messages = () => gate.promise as Promise<never>;
    h.send(ev.retry("ses_user"));
    await flush();
    expect(fake.count("messages")).toBe(1);
    // ESC: OpenCode publishes the MessageAbortedError and an idle pair.
    for (const event of abortAnnouncements("ses_user")) h.send(event);
    await flush();
    gate.resolve(fake.sessions.get("ses_user")!);
    await h.settle();

    expect(fake.count("promptAsync")).toBe(0);
    expect(fake.count("abort")).toBe(0);
    expect(h.decisions.some((d) => d.outcome === "user-abort")).toBe(true);
    expect(h.decisions.some((d) => d.outcome === "aborted-by-user")).toBe(true);
  });

  describe("OpenCode API calls that fail", () => {
    /** After a failure in one session, a quota failure in another session still recovers. */
    async function anotherSessionRecovers(h: Harness, port: FakeOpencode) {
      port.failures = {};
      port.failedTurn("ses_next", "build");
      h.send(ev.retry("ses_next"));
      await h.settle();
      expect(port.prompts().filter((p) => p.sessionID === "ses_next")).toHaveLength(1);
    }

    it("abort fails: logged, the continuation is still sent, and the plugin stays usable", async () => {
      const h = startHooks({ project, port: fake });
      fake.failedTurn("ses_abort", "build");
      fake.failures.abort = () => Promise.reject(new Error("aborting session ses_abort failed (HTTP 500): ECONNRESET"));
      announceFailure(h, "ses_abort");
      await h.settle();
      expect(fake.prompts().filter((p) => p.sessionID === "ses_abort")).toHaveLength(1);
      expect(logLines(fake).some((l) => l.includes("ses_abort") && /abort failed .*ECONNRESET/.test(l))).toBe(true);
      await anotherSessionRecovers(h, fake);
    });

    it("prompt fails: an error log line and an error toast, one attempt only, and the plugin stays usable", async () => {
      const h = startHooks({ project, port: fake });
      fake.failedTurn("ses_prompt", "build");
      fake.failures.promptAsync = () => Promise.reject(new Error("prompting session ses_prompt failed (HTTP 500): upstream exploded"));
      announceFailure(h, "ses_prompt");
      await h.settle();
      expect(fake.count("promptAsync")).toBe(1);
      expect(logLines(fake, "error").some((l) => l.includes("ses_prompt") && l.includes("upstream exploded"))).toBe(true);
      expect(toasts(fake).some((t) => t.variant === "error" && t.message.includes("upstream exploded"))).toBe(true);
      await anotherSessionRecovers(h, fake);
    });

    it("prompt hangs (timeout): the real adapter gives up after apiTimeoutMs, logs it, and the plugin stays usable", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const sessions = new FakeOpencode();
      sessions.failedTurn("ses_hang", "build");
      sessions.failedTurn("ses_after", "build");
      const sdk = fakeSdkClient(sessions.sessions);
      const answer = sdk.session.promptAsync;
      sdk.session.promptAsync = (options) => {
        if (options.path.id !== "ses_hang") return answer(options);
        sdk.calls.push({ call: "session.promptAsync", options });
        return new Promise<never>(() => {});
      };
      const port = opencodePort(sdk, 100);

      // The rejection itself names the call and the limit.
      const body: PromptBody = { agent: "build", model: { providerID: "backup", modelID: "model-b" }, system: "", parts: [] };
      const direct = expect(port.promptAsync("ses_hang", body)).rejects.toThrow(/^prompting session ses_hang timed out after 100 ms$/);
      await vi.advanceTimersByTimeAsync(150);
      await direct;

      // Through the hooks.
      const h = startHooks({ project, port });
      h.send(ev.retry("ses_hang"));
      // Real file reads (the agent files) run before the prompt: wait on real time, not on timers (faked).
      for (const t0 = performance.now(); sdk.count("session.promptAsync") < 2 && performance.now() - t0 < 5000; ) await flush(1);
      expect(sdk.count("session.promptAsync")).toBe(2);
      await vi.advanceTimersByTimeAsync(150);
      await h.settle();
      const errors = sdk.logs().filter((l) => l.level === "error");
      expect(errors.some((l) => l.message.includes("ses_hang") && l.message.includes("prompting session ses_hang timed out after 100 ms"))).toBe(true);
      expect(sdk.toasts().some((t) => t.variant === "error" && t.message.includes("timed out after 100 ms"))).toBe(true);

      h.send(ev.retry("ses_after"));
      await h.settle();
      const prompted = sdk.calls.filter((c) => c.call === "session.promptAsync").map((c) => (c.options as { path: { id: string } }).path.id);
      expect(prompted).toEqual(["ses_hang", "ses_hang", "ses_after"]);
      expect(h.decisions.some((d) => d.outcome === "recovered" && d.sessionID === "ses_after")).toBe(true);
    });

    it("messages fails: an error log line naming the session, no abort or prompt, and the session itself recovers on a later announcement", async () => {
      const h = startHooks({ project, port: fake });
      fake.failedTurn("ses_read", "build");
      fake.failures.messages = () => Promise.reject(new Error("reading the messages of session ses_read failed (HTTP 500): boom"));
      h.send(ev.retry("ses_read"));
      await h.settle();
      expect(fake.count("abort")).toBe(0);
      expect(fake.count("promptAsync")).toBe(0);
      expect(logLines(fake, "error").some((l) => l.includes("ses_read") && /could not be read: .*HTTP 500/.test(l))).toBe(true);
      // The read failure spent nothing: the session.error of the same turn still recovers.
      fake.failures = {};
      h.send(ev.error("ses_read"));
      await h.settle();
      expect(fake.prompts().filter((p) => p.sessionID === "ses_read")).toHaveLength(1);
      await anotherSessionRecovers(h, fake);
    });
  });

  it("the session is deleted mid-recovery: a 404 from promptAsync gives an error log and an error toast, no throw, no retry loop", async () => {
    const sessions = new FakeOpencode();
    sessions.failedTurn("ses_gone", "build");
    const sdk = fakeSdkClient(sessions.sessions);
    const notFound = { error: { name: "NotFoundError", data: { message: "Session not found: ses_gone" } }, response: { status: 404 } };
    sdk.session.promptAsync = async (options) => {
      sdk.calls.push({ call: "session.promptAsync", options });
      sessions.sessions.delete("ses_gone");
      return notFound;
    };
    const read = sdk.session.messages;
    sdk.session.messages = async (options) => (sessions.sessions.has(options.path.id) ? read(options) : (sdk.calls.push({ call: "session.messages", options }), notFound));
    const h = startHooks({ project, port: opencodePort(sdk, 1000) });
    expect(() => announceFailure(h, "ses_gone")).not.toThrow();
    await h.settle();
    // OpenCode goes on publishing for the dead session.
    expect(() => announceFailure(h, "ses_gone")).not.toThrow();
    h.send({ type: "session.deleted", properties: { info: { id: "ses_gone" } } });
    await h.settle();

    expect(sdk.count("session.promptAsync")).toBe(1);
    expect(sdk.count("session.abort")).toBe(1);
    const errors = sdk.logs().filter((l) => l.level === "error").map((l) => l.message);
    expect(errors.some((m) => m.includes("prompting session ses_gone failed (HTTP 404)") && m.includes("Session not found"))).toBe(true);
    expect(sdk.toasts().some((t) => t.variant === "error" && t.message.includes("HTTP 404"))).toBe(true);
  });

  it("the plugin is disposed and re-initialized (client.config.update): the new hooks recover; the old ones take no new event, and a recovery cut short by the disposal tells the user", async () => {
    const oldPort = new FakeOpencode();
    const old = startHooks({ project, port: oldPort, env: { OPENCODE_SESSION_FALLBACK_API_TIMEOUT_MS: "200" } });
    // A recovery of the old instance is waiting on OpenCode when the instance is disposed.
    oldPort.failedTurn("ses_inflight", "build");
    const gate = deferred<readonly unknown[]>();
    oldPort.failures.messages = () => gate.promise as Promise<never>;
    old.send(ev.retry("ses_inflight"));
    await flush();
    // Dispose waits for work in flight, bounded by the API timeout.
    await old.hooks.dispose?.();

    const newPort = new FakeOpencode();
    const fresh = startHooks({ project, port: newPort });
    newPort.failedTurn("ses_new", "build");
    fresh.send(ev.retry("ses_new"));
    await fresh.settle();
    expect(newPort.prompts().map((p) => p.sessionID)).toEqual(["ses_new"]);

    // Events that still reach the old hooks after dispose belong to the new instance: no call at all.
    const before = oldPort.calls.length;
    oldPort.failures = {};
    oldPort.failedTurn("ses_old", "build");
    expect(() => announceFailure(old, "ses_old")).not.toThrow();
    await flush();
    expect(oldPort.calls.slice(before), "client calls made by the disposed hooks for events after dispose").toEqual([]);

    // The recovery in flight resumes after the bound: it cannot act any more, and says so.
    gate.resolve(oldPort.sessions.get("ses_inflight")!);
    await old.settle();
    expect(oldPort.prompts(), "prompts sent by the disposed hooks").toEqual([]);
    const toasts = oldPort.calls.flatMap((c) => (c.call === "toast" ? [c.toast] : []));
    expect(toasts.map((t) => t.message).join("\n")).toMatch(/could not continue on backup\/model-b: .*disposed.*send it again/);
  });

  it("a reload between the abort and the prompt: the disposing instance finishes the recovery (the continuation goes out)", async () => {
    const port = new FakeOpencode();
    const h = startHooks({ project, port });
    port.failedTurn("ses_reload", "build");
    const aborting = deferred<boolean>();
    port.failures.abort = () => aborting.promise as Promise<never>;
    h.send(ev.retry("ses_reload"));
    await until(() => port.count("abort") === 1);
    // OpenCode disposes the instance while the plugin's abort is under way.
    const disposing = h.hooks.dispose!();
    aborting.resolve(true);
    await disposing;
    expect(port.prompts().map((p) => p.sessionID)).toEqual(["ses_reload"]);
    expect(h.decisions.some((d) => d.outcome === "recovered")).toBe(true);
  });

  it("a late session.error after the user's ESC does not revive the aborted turn (found by the recovery fuzzer)", async () => {
    const h = startHooks({ project, port: fake });
    fake.failedTurn("ses_esc", "build", "primary/model-a", AUTH_POOL);
    // The user aborts; OpenCode stores the turn as aborted and announces it.
    const messages = fake.sessions.get("ses_esc")!;
    messages[messages.length - 1] = { ...messages[messages.length - 1]!, error: { name: "MessageAbortedError", data: { message: "The operation was aborted." } } };
    h.send(ev.error("ses_esc", { name: "MessageAbortedError", data: { message: "The operation was aborted." } }));
    h.send(ev.idle("ses_esc"));
    await h.settle();
    // A late announcement of the error the turn had before the abort.
    h.send(ev.error("ses_esc", AUTH_POOL));
    h.send(ev.idle("ses_esc"));
    await h.settle();
    expect(fake.prompts()).toEqual([]);
    expect(h.decisions.map((d) => d.outcome)).toContain("aborted-by-user");
  });

  it("an error thrown inside a session's queued work reaches the log once, naming the session and the step (issue 12)", async () => {
    const h = startHooks({ project, port: fake });
    fake.failedTurn("ses_throw", "build");
    // A stored message whose every field throws when read: the queued step fails outside any handler's own try.
    const boom = new Proxy({}, { get: (_t, key) => (key === "then" ? undefined : (() => { throw new Error(`exploding ${String(key)} sk-proj-AbCdEf0123456789`); })()) });
    fake.messages = async () => [{ id: "msg_u", role: "user", agent: "build" }, boom] as never;
    h.send(ev.idle("ses_throw"));
    h.send(ev.error("ses_throw"));
    await h.settle();
    const errors = logLines(fake, "error").filter((l) => l.startsWith("internal error in session ses_throw"));
    expect(errors).toEqual([
      expect.stringMatching(/^internal error in session ses_throw while checking the idle session: exploding \w+ sk-\[redacted\]; this step is dropped/),
      expect.stringMatching(/^internal error in session ses_throw while recovering from a session\.error: exploding/),
    ]);
    expect(h.decisions.filter((d) => d.outcome === "internal-error")).toHaveLength(2);
    // The queue is not jammed: the session's next failure is recovered.
    fake.messages = FakeOpencode.prototype.messages.bind(fake);
    fake.failedTurn("ses_throw", "build");
    h.send(ev.error("ses_throw"));
    await h.settle();
    expect(fake.prompts().map((p) => p.sessionID)).toEqual(["ses_throw"]);
  });

  it("500 sessions failing at once: exactly 500 prompts, one per session", async () => {
    const h = startHooks({ project, port: fake });
    const ids = Array.from({ length: 500 }, (_, i) => `ses_many_${i}`);
    for (const id of ids) fake.failedTurn(id, "build");
    const started = performance.now();
    for (const id of ids) {
      h.send(ev.retry(id));
      h.send(ev.error(id));
      h.send(ev.idle(id));
    }
    await h.settle();
    const elapsed = performance.now() - started;
    const prompted = fake.prompts().map((p) => p.sessionID);
    expect(prompted).toHaveLength(500);
    expect(new Set(prompted).size).toBe(500);
    expect(fake.count("abort")).toBe(500);
    expect(h.decisions.filter((d) => d.outcome === "recovered")).toHaveLength(500);
    expect(elapsed).toBeLessThan(10_000);
  });

  it("events with missing, null or wrongly typed fields: no throw, no client call except for well-formed session events", async () => {
    const h = startHooks({ project, port: fake });
    const thrower = (): never => {
      throw new Error("getter exploded");
    };
    const hostile = new Proxy({}, { get: thrower, has: thrower, ownKeys: thrower, getOwnPropertyDescriptor: thrower, getPrototypeOf: thrower });
    const cyclicEvent: Record<string, unknown> = { type: "session.error", properties: { sessionID: "ses_cyc1" } };
    (cyclicEvent.properties as Record<string, unknown>).error = cyclicEvent;
    const cyclicError: Record<string, unknown> = { name: "APIError", data: {} };
    (cyclicError.data as Record<string, unknown>).self = cyclicError;
    (cyclicError.data as Record<string, unknown>).message = cyclicError;
    (cyclicError.data as Record<string, unknown>).responseBody = cyclicError;
    const huge = "x".repeat(10 * 1024 * 1024);
    const nullProto = Object.assign(Object.create(null) as object, { type: "session.idle", properties: Object.assign(Object.create(null) as object, { sessionID: 5 }) });

    // [label, event, well-formed session event: the session it names, else undefined]
    const table: Array<readonly [string, unknown, string | undefined]> = [
      ["undefined", undefined, undefined],
      ["null", null, undefined],
      ["a number", 42, undefined],
      ["a string", "session.error", undefined],
      ["an array", ["session.error", { sessionID: "ses_arr" }], undefined],
      ["type only", { type: "session.error" }, undefined],
      ["type a number", { type: 42, properties: { sessionID: "ses_t" } }, undefined],
      ["type an object with toString", { type: { toString: () => "session.error" }, properties: { sessionID: "ses_t" } }, undefined],
      ["type getter throws", { get type() { return thrower(); } }, undefined],
      ["properties null", { type: "session.error", properties: null }, undefined],
      ["properties an array", { type: "session.idle", properties: ["ses_arr"] }, undefined],
      ["properties getter throws", { type: "session.idle", get properties() { return thrower(); } }, undefined],
      ["properties a throwing Proxy", { type: "session.idle", properties: hostile }, undefined],
      ["the event a throwing Proxy", hostile, undefined],
      ["sessionID a number", { type: "session.idle", properties: { sessionID: 42 } }, undefined],
      ["sessionID null", { type: "session.error", properties: { sessionID: null, error: QUOTA_ERROR } }, undefined],
      ["sessionID an object with toString", { type: "session.idle", properties: { sessionID: { toString: () => "ses_obj" } } }, undefined],
      ["sessionID empty", { type: "session.idle", properties: { sessionID: "" } }, undefined],
      ["sessionID 10 MB", { type: "session.error", properties: { sessionID: huge, error: QUOTA_ERROR } }, undefined],
      ["sessionID a symbol", { type: "session.idle", properties: { sessionID: Symbol("ses") } }, undefined],
      ["null prototype, sessionID a number", nullProto, undefined],
      ["status a string", { type: "session.status", properties: { sessionID: "ses_st", status: "retry" } }, undefined],
      ["status null", { type: "session.status", properties: { sessionID: "ses_st", status: null } }, undefined],
      ["status busy", { type: "session.status", properties: { sessionID: "ses_st", status: { type: "busy" } } }, undefined],
      ["session.error without sessionID (plugin load failure)", { type: "session.error", properties: { error: QUOTA_ERROR } }, undefined],
      ["retry status with wrongly typed fields", { type: "session.status", properties: { sessionID: "ses_rt", status: { type: "retry", attempt: "1", message: 42, next: "soon" } } }, "ses_rt"],
      ["retry status whose message getter throws", { type: "session.status", properties: { sessionID: "ses_rg", status: { type: "retry", get message() { return thrower(); } } } }, "ses_rg"],
      ["error null", { type: "session.error", properties: { sessionID: "ses_en", error: null } }, "ses_en"],
      ["error a number", { type: "session.error", properties: { sessionID: "ses_enum", error: 429 } }, "ses_enum"],
      ["error with getters that throw", { type: "session.error", properties: { sessionID: "ses_eg", error: { get name() { return thrower(); }, get data() { return thrower(); } } } }, "ses_eg"],
      ["error a throwing Proxy", { type: "session.error", properties: { sessionID: "ses_ep", error: hostile } }, "ses_ep"],
      ["error data a throwing Proxy", { type: "session.error", properties: { sessionID: "ses_edp", error: { name: "APIError", data: hostile } } }, "ses_edp"],
      ["a cyclic event", cyclicEvent, "ses_cyc1"],
      ["a cyclic error", { type: "session.error", properties: { sessionID: "ses_cyc2", error: cyclicError } }, "ses_cyc2"],
      ["error a 10 MB string", { type: "session.error", properties: { sessionID: "ses_huge1", error: huge } }, "ses_huge1"],
      ["error message and body of 10 MB", { type: "session.error", properties: { sessionID: "ses_huge2", error: { name: "APIError", data: { message: huge, responseBody: huge, statusCode: 418 } } } }, "ses_huge2"],
      ["error with bigint and symbol fields", { type: "session.error", properties: { sessionID: "ses_big", error: { name: Symbol("x"), data: { statusCode: 429n, message: Symbol("m") } } } }, "ses_big"],
      ["idle of an unknown session", { type: "session.idle", properties: { sessionID: "ses_idle" } }, "ses_idle"],
      ["a frozen idle event", Object.freeze({ type: "session.idle", properties: Object.freeze({ sessionID: "ses_frozen" }) }), "ses_frozen"],
    ];
    expect(table.length).toBeGreaterThanOrEqual(20);

    for (const [label, event, session] of table) {
      const before = fake.calls.length;
      let returned: unknown;
      expect(() => (returned = h.send(event)), label).not.toThrow();
      expect(returned, label).toBeInstanceOf(Promise);
      await h.settle();
      const calls = fake.calls.slice(before);
      if (session === undefined) {
        expect(calls, label).toEqual([]);
      } else {
        // A well-formed session event may read that session, and do nothing else with these payloads.
        expect(calls.filter((c) => c.call !== "messages"), label).toEqual([]);
        expect(calls.every((c) => c.call === "messages" && c.sessionID === session), label).toBe(true);
      }
    }
    // Hostile inputs to the hook itself.
    for (const input of [undefined, null, {}, hostile, { get event() { return thrower(); } }]) {
      expect(() => h.hooks.event!(input as never)).not.toThrow();
    }
    await h.settle();
    expect(h.decisions.filter((d) => d.outcome === "internal-error")).toEqual([]);
  });

  it("a 10 MB responseBody: recovered once, and no debug log line is longer than 20,000 chars", async () => {
    const append = memoryAppend();
    const warnings: string[] = [];
    const file = fileDecisionLog(path.join(project.dir, "log", "debug.log"), (m) => warnings.push(m), append);
    const recordSizes: number[] = [];
    const decisions: DecisionLog = {
      write(record) {
        recordSizes.push(safeLength(record));
        file.write(record);
      },
    };
    const padding = "x".repeat(10 * 1024 * 1024);
    const bigError = {
      name: "APIError",
      data: {
        message: "You exceeded your current quota, please check your plan and billing details.",
        statusCode: 429,
        isRetryable: true,
        responseBody: `{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota","padding":"${padding}"}}`,
      },
    };
    expect(bigError.data.responseBody.length).toBeGreaterThan(10 * 1024 * 1024);
    const h = startHooks({ project, port: fake, environment: { decisions } });
    fake.failedTurn("ses_big", "build", "primary/model-a", bigError);
    const started = performance.now();
    h.send(ev.error("ses_big", bigError));
    h.send(ev.statusIdle("ses_big"));
    h.send(ev.idle("ses_big"));
    h.send(ev.error("ses_big", bigError));
    h.send(ev.idle("ses_big"));
    await h.settle();
    await flush();
    const elapsed = performance.now() - started;

    expect(fake.prompts()).toHaveLength(1);
    expect(append.lines.length).toBeGreaterThan(0);
    expect(append.lines.some((l) => l.includes('"outcome":"recovered"'))).toBe(true);
    expect(Math.max(...append.lines.map((l) => l.length))).toBeLessThanOrEqual(20_000);
    expect(Math.max(...logLines(fake).map((l) => l.length))).toBeLessThanOrEqual(20_000);
    expect(Math.max(...recordSizes)).toBeLessThanOrEqual(20_000);
    expect(warnings).toEqual([]);
    expect(elapsed).toBeLessThan(5_000);
  });

  describe("frontmatter of the fallback agent (untrusted input), through the hooks", () => {
    /** `src` falls back to `target`; a failed turn of `src` must not recover and must say why. */
    async function expectRefused(target: string, why: RegExp, fs?: FileSystemPort): Promise<Harness> {
      project.write("src", `---\nfallback_agent: ${JSON.stringify(target)}\n---\nThe source agent.`);
      const h = startHooks({ project, port: fake, ...(fs ? { environment: { fs } } : {}) });
      fake.failedTurn("ses_fm", "src");
      expect(() => announceFailure(h, "ses_fm")).not.toThrow();
      await h.settle();
      expect(fake.count("abort"), target).toBe(0);
      expect(fake.prompts(), target).toEqual([]);
      const lines = logLines(fake, "warn");
      expect(lines.filter((l) => why.test(l)), `${target}: log lines ${JSON.stringify(lines)}`).toHaveLength(1);
      expect((globalThis as { __pwned?: unknown }).__pwned).toBeUndefined();
      return h;
    }

    it("broken YAML", async () => {
      project.write("broken", "---\nmodel: [unclosed\nfallback_agent: {\n---\nbody");
      await expectRefused("broken", /fallback_agent "broken".*agent "broken" \(.*broken\.md\) has frontmatter that cannot be parsed/);
    });

    it("a YAML bomb", async () => {
      const laughs = [
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
        ...["b", "c", "d", "e", "f", "g", "h", "i"].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefghi"[i]}`).join(", ")}]`),
      ].join("\n");
      // The bomb sits in a key the plugin never reads, beside a valid model: only an expansion limit refuses it.
      project.write("bomb", `---\n${laughs}\nmodel: backup/model-b\nx: *i\n---\nbody`);
      project.write("deep", `---\nmodel: ${"[".repeat(100_000)}\n---\nbody`);
      const started = performance.now();
      await expectRefused("bomb", /agent "bomb" \(.*bomb\.md\) has frontmatter with 73 YAML aliases, over the limit of 32/);
      fake.calls.length = 0;
      await expectRefused("deep", /agent "deep" \(.*deep\.md\) has frontmatter that cannot be parsed/);
      expect(performance.now() - started).toBeLessThan(5_000);
    });

    it("a huge agent file", async () => {
      project.write("huge", `---\nmodel: backup/model-b\n---\n${"word ".repeat(200_000)}`);
      await expectRefused("huge", /agent "huge" \(.*huge\.md\) is \d+ bytes, over the 262144-byte limit/);
    });

    it("---js never runs", async () => {
      const payloads = [
        ["evil", "---js\n{ model: (globalThis.__pwned = 1, 'x/y') }\n---\nbody"],
        ["evil2", "---javascript\nmodule.exports = { model: (globalThis.__pwned = 2, 'x/y') }\n---\nbody"],
        ["evil3", "---JS\n({ model: (globalThis.__pwned = 3, 'x/y') })\n---\nbody"],
        ["evil4", "---coffee\nmodel: (globalThis.__pwned = 4)\n---\nbody"],
      ] as const;
      for (const [name, text] of payloads) {
        fake.calls.length = 0;
        project.write(name, text);
        await expectRefused(name, new RegExp(`agent "${name}" \\(.*${name}\\.md\\) has frontmatter that cannot be parsed: (executable frontmatter|gray-matter engine)`));
      }
    });

    it("agent names with ..", async () => {
      const seen: string[] = [];
      const spy: FileSystemPort = {
        stat: (file) => (seen.push(file), nodeFileSystem.stat(file)),
        readFile: (file) => (seen.push(file), nodeFileSystem.readFile(file)),
      };
      writeFileSync(path.join(project.dir, "..", "secret.md"), "---\nmodel: stolen/model\n---\nsecret");
      for (const name of ["../../etc/passwd", "..", "../secret", "sub/../../../secret", "./metis", "metis/.."]) {
        fake.calls.length = 0;
        await expectRefused(name, new RegExp(`agent name ${escape(JSON.stringify(name))} is refused`), spy);
      }
      const roots = [path.join(project.dir, ".opencode"), path.join(project.home)];
      expect(seen.filter((file) => !roots.some((root) => file.startsWith(root + path.sep)))).toEqual([]);
    });

    it("absolute paths", async () => {
      for (const name of ["/etc/passwd", `${project.dir}/.opencode/agent/metis`, "C:\\Windows\\metis", "\\\\server\\share\\metis", "metis\\..\\..\\x"]) {
        fake.calls.length = 0;
        await expectRefused(name, new RegExp(`agent name ${escape(JSON.stringify(name))} is refused`));
      }
    });

    it("symlink loops in agent folders", async () => {
      const agentDir = path.join(project.dir, ".opencode", "agent");
      symlinkSync(path.join(agentDir, "loop2.md"), path.join(agentDir, "loop.md"));
      symlinkSync(path.join(agentDir, "loop.md"), path.join(agentDir, "loop2.md"));
      symlinkSync(path.join(agentDir, "cycle"), path.join(agentDir, "cycle"));
      await expectRefused("loop", /agent "loop" \(.*loop\.md\) cannot be read: .*ELOOP/);
      fake.calls.length = 0;
      await expectRefused("cycle/inner", /agent "cycle\/inner" \(.*cycle\/inner\.md\) cannot be read: .*ELOOP/);
    });
  });

  it("the debug log path unwritable or a directory: the recovery still happens, with exactly one warning about the debug log", async () => {
    const aDirectory = path.join(project.dir, "logs-dir");
    mkdirSync(aDirectory, { recursive: true });
    const aFile = path.join(project.dir, "plain-file");
    writeFileSync(aFile, "not a folder");
    for (const [label, debugLog] of [
      ["an existing directory", aDirectory],
      ["a path under a regular file", path.join(aFile, "debug.log")],
    ] as const) {
      const port = new FakeOpencode();
      const h = startHooks({
        project,
        port,
        env: { OPENCODE_SESSION_FALLBACK_DEBUG: "1", OPENCODE_SESSION_FALLBACK_DEBUG_LOG: debugLog, OPENCODE_SESSION_FALLBACK_STATE_FILE: path.join(project.home, `lanes-${label.length}.json`) },
        // The real debug log: no `decisions` override.
        environment: { decisions: undefined },
      });
      port.failedTurn("ses_dbg", "build");
      announceFailure(h, "ses_dbg");
      await h.settle();
      await until(() => logLines(port, "warn").some((l) => /debug log/.test(l)));
      await flush();
      expect.soft(port.prompts(), label).toHaveLength(1);
      const aboutLog = logLines(port, "warn").filter((l) => /debug log/.test(l));
      expect.soft(aboutLog, label).toHaveLength(1);
      expect.soft(aboutLog[0], label).toContain(debugLog);
    }
  });

  it("every env var with garbage: createHooks never throws, each bad value is reported by name, and a quota failure still recovers with defaults", async () => {
    const EDGES = ["", " ", "\t", "\n", " \u00a0 ", "\u2028", "\u200b", ",", ";", "=", ",,,", " , ", "-1", "1.5", "1e3", "0x10", "NaN", "Infinity", "null", "undefined", "[]", "{}", "💥", "１０", "ＯＮ", "٣", "true!", "yes please", "quota;auth", "quota,nope", "p=", "=x", "p=a=b", "x".repeat(5000)];
    const longText = fc.tuple(fc.string({ minLength: 1, maxLength: 3 }), fc.integer({ min: 1500, max: 30_000 })).map(([s, n]) => s.repeat(n));
    const garbage = fc.oneof(fc.constantFrom(...EDGES), fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }), longText);
    let run = 0;
    const unchecked = new Set<string>();
    /** Runs the plugin with `env`; returns what went wrong, in words (empty when all is well). */
    const check = async (env: Record<string, string>): Promise<string[]> => {
      run += 1;
      const problems: string[] = [];
      const shown = (name: string, value: string) => `${name}=${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…(${value.length})` : value)}`;
      const port = new FakeOpencode();
      const stateFile = path.join(project.home, "state", `lanes-${run}.json`);
      let h: Harness;
      try {
        h = startHooks({ project, port, rawEnv: { ...safeEnv(project), OPENCODE_SESSION_FALLBACK_STATE_FILE: stateFile, ...env } });
      } catch (error) {
        return [`createHooks threw ${String(error)} for ${Object.entries(env).map(([n, v]) => shown(n, v)).join(" ")}`];
      }
      const warnings = logLines(port, "warn");
      for (const [name, value] of Object.entries(env)) {
        const verdict = oracle(name, value);
        if (verdict === "unchecked") unchecked.add(name);
        if (verdict === "bad" && !warnings.some((w) => w.includes(name))) problems.push(`${shown(name, value)} is bad but no warning names ${name}`);
        if ((verdict === "valid" || verdict === "unset") && warnings.some((w) => w.startsWith(`${name}=`))) problems.push(`${shown(name, value)} is valid but was reported as bad`);
      }
      port.failedTurn("ses_env", "build");
      h.send(ev.retry("ses_env"));
      h.send(ev.error("ses_env"));
      await h.settle();
      // A value reported as bad is replaced by its default. What a valid value of a variable this test has
      // no oracle for does to a recovery is unknown: the count is then not checked.
      const unknownEffect = Object.entries(env).some(([name, value]) => value !== "" && oracle(name, value) === "unchecked" && !warnings.some((w) => w.startsWith(`${name}=`)));
      const expected = Object.entries(env).some(([name, value]) => disablesRecovery(name, value)) ? 0 : 1;
      if (!unknownEffect && port.prompts().length !== expected) {
        problems.push(`${port.prompts().length} recoveries, expected ${expected}, with ${Object.entries(env).filter(([, v]) => v !== "").map(([n, v]) => shown(n, v)).join(" ")}`);
      }
      return problems;
    };

    const problems = new Set<string>();
    const started = performance.now();
    for (const name of ENV_VARIABLES) {
      // Every edge value, deterministically; then random strings.
      for (const value of EDGES) for (const p of await check({ [name]: value })) problems.add(p);
      try {
        await fc.assert(
          fc.asyncProperty(garbage, async (value) => {
            fc.pre(staysInTemp(project, name, value));
            const found = await check({ [name]: value });
            if (found.length > 0) throw new Error(found.join("; "));
          }),
          { numRuns: 30 },
        );
      } catch (error) {
        problems.add(`random values of ${name}: ${firstLine(error)}`);
      }
    }
    try {
      await fc.assert(
        fc.asyncProperty(fc.tuple(...ENV_VARIABLES.map(() => garbage)), async (values) => {
          const env = Object.fromEntries(ENV_VARIABLES.map((name, i) => [name, values[i]!]));
          for (const [name, value] of Object.entries(env)) fc.pre(staysInTemp(project, name, value));
          const found = await check(env);
          if (found.length > 0) throw new Error(found.join("; "));
        }),
        { numRuns: 100 },
      );
    } catch (error) {
      problems.add(`all variables at once: ${firstLine(error)}`);
    }
    const elapsed = performance.now() - started;
    if (unchecked.size > 0) console.warn(`[failure-modes] variables without an oracle in this test (only partly checked): ${[...unchecked].join(", ")}`);
    expect([...problems]).toEqual([]);
    expect(run).toBeGreaterThan(ENV_VARIABLES.length * EDGES.length);
    expect(elapsed).toBeLessThan(20_000);
  }, 30_000);

  it("secrets never reach the debug log, a toast or OpenCode's log", async () => {
    const SECRETS = ["sk-proj-AbCdEf0123456789", "eyJhbGciOiJIUzI1NiJ9.x.y", "0123456789abcdef"];
    const leaky = "Incorrect API key provided: sk-proj-AbCdEf0123456789. Sent Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x.y and x-api-key: 0123456789abcdef";
    const secretError = {
      name: "APIError",
      data: {
        message: `You exceeded your current quota, please check your plan and billing details. ${leaky}`,
        statusCode: 429,
        isRetryable: true,
        responseHeaders: { "x-api-key": "0123456789abcdef", authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.x.y" },
        responseBody: JSON.stringify({ error: { message: `You exceeded your current quota. ${leaky}`, type: "insufficient_quota", code: "insufficient_quota", key: "sk-proj-AbCdEf0123456789" } }),
      },
    };
    const append = memoryAppend();
    const warnings: string[] = [];
    const decisions = fileDecisionLog(path.join(project.dir, "log", "debug.log"), (m) => warnings.push(m), append);
    const h = startHooks({ project, port: fake, env: { OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT: "2" }, environment: { decisions } });

    // 1. The failing prompt's error names the key; the abort's error too.
    fake.failedTurn("ses_sec1", "build", "primary/model-a", secretError);
    fake.failures.abort = () => Promise.reject(new Error(`aborting failed: ${leaky}`));
    fake.failures.promptAsync = () => Promise.reject(new Error(`prompting session ses_sec1 failed (HTTP 401): {"error":{"message":"${leaky}","headers":{"x-api-key":"0123456789abcdef"}}}`));
    h.send(ev.retry("ses_sec1", { type: "retry", attempt: 1, message: `You exceeded your current quota. ${leaky}`, next: 0 }));
    h.send(ev.error("ses_sec1", secretError));
    h.send(ev.idle("ses_sec1"));
    await h.settle();
    // 2. A recovery that works, but whose abort failed with a key in its message.
    fake.failures = { abort: () => Promise.reject(new Error(`aborting failed: ${leaky}`)) };
    fake.failedTurn("ses_sec2", "build", "primary/model-a", secretError);
    h.send(ev.error("ses_sec2", secretError));
    await h.settle();
    // 3. The idle watchdog on a turn whose stored error carries the keys, and a read that fails with one.
    fake.failures = {};
    fake.failedTurn("ses_sec3", "build", "primary/model-a", secretError);
    h.send(ev.idle("ses_sec3"));
    await h.settle();
    fake.failures = { messages: () => Promise.reject(new Error(`reading failed: ${leaky}`)) };
    fake.failedTurn("ses_sec4", "build");
    h.send(ev.error("ses_sec4", secretError));
    h.send(ev.idle("ses_sec4"));
    await h.settle();
    await flush();

    expect(fake.prompts().length).toBeGreaterThanOrEqual(2);
    expect(append.lines.length).toBeGreaterThan(5);
    const sinks: Array<readonly [string, string]> = [
      ...append.lines.map((l) => ["debug log line", l] as const),
      ...toasts(fake).flatMap((t) => [["toast", t.message] as const, ["toast title", t.title] as const]),
      ...logLines(fake).map((l) => ["OpenCode log", l] as const),
      ...warnings.map((w) => ["debug log warning", w] as const),
    ];
    expect(sinks.some(([, text]) => text.includes("[redacted]"))).toBe(true);
    for (const [sink, text] of sinks) for (const secret of SECRETS) expect(text.includes(secret), `${sink} contains ${secret}: ${text.slice(0, 300)}`).toBe(false);
  });
});

/** What a failed fast-check run found: the property's own message first (the counterexample can be 30,000 chars). */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  const seed = /seed: -?\d+, path: "[^"]*"/.exec(text)?.[0] ?? "";
  return `${cause ?? text.split("\n")[0]} (${seed})`.slice(0, 1000);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function safeLength(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

const KINDS = ["quota", "auth-pool", "auth", "rate-limit", "overload"];
const BOOLEAN_WORDS = ["1", "true", "yes", "on", "0", "false", "no", "off"];

/** Integer text as the README documents it: digits only (surrounding whitespace allowed), within bounds. */
function integerIn(value: string, min: number, max: number): boolean {
  const t = value.trim();
  if (!/^\d+$/.test(t)) return false;
  const n = Number(t);
  return Number.isInteger(n) && n >= min && n <= max;
}

/** The kinds an `ON` value names, or undefined when it is not a list of known kinds. */
function kindsOf(value: string): string[] | undefined {
  const kinds = value.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  return kinds.every((k) => KINDS.includes(k)) ? kinds : undefined;
}

/** Pools as `name=member,member;…`, or undefined when the text is not that. */
function poolsOf(value: string): Map<string, string> | undefined {
  const map = new Map<string, string>();
  for (const chunk of value.split(";").map((c) => c.trim()).filter(Boolean)) {
    const parts = chunk.split("=");
    if (parts.length !== 2 || !parts[0]) return undefined;
    const name = parts[0].trim();
    const members = parts[1]!.split(",").map((m) => m.trim()).filter(Boolean);
    if (!/^[\w.-]+$/.test(name) || members.length === 0) return undefined;
    for (const m of members) {
      if (!/^[^\s/=;,]+(\/[^\s=;,]+)?$/.test(m)) return undefined;
      map.set(m, name);
    }
  }
  return map;
}

/**
 * Whether a value of a variable is bad (must be reported by name) or valid, written from the README's
 * table, independently of src/settings/settings.ts. An empty value means "unset". A list of fallback kinds that
 * names no kind at all (" ", ",") is bad: it is not "any of quota, auth-pool, …", and taking it would
 * silently turn every immediate fallback off.
 */
function oracle(name: string, value: string): "bad" | "valid" | "unset" | "unchecked" {
  if (value === "") return "unset";
  const t = value.trim();
  switch (name) {
    case "OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT":
      return integerIn(value, 0, 100) ? "valid" : "bad";
    case "OPENCODE_SESSION_FALLBACK_DEBUG":
    case "OPENCODE_SESSION_FALLBACK_SWITCH_AGENT":
      return BOOLEAN_WORDS.includes(t.toLowerCase()) ? "valid" : "bad";
    case "OPENCODE_SESSION_FALLBACK_DEBUG_LOG":
    case "OPENCODE_SESSION_FALLBACK_STATE_FILE":
      return t.length >= 1 && t.length <= 4096 ? "valid" : "bad";
    case "OPENCODE_SESSION_FALLBACK_ON": {
      const kinds = kindsOf(value);
      return kinds !== undefined && kinds.length > 0 ? "valid" : "bad";
    }
    case "OPENCODE_SESSION_FALLBACK_MAX_WAIT_MS":
      return integerIn(value, 0, 7 * 24 * 3600 * 1000) ? "valid" : "bad";
    case "OPENCODE_SESSION_FALLBACK_COOLDOWN_MS":
      return integerIn(value, 1000, 7 * 24 * 3600 * 1000) ? "valid" : "bad";
    case "OPENCODE_SESSION_FALLBACK_API_TIMEOUT_MS":
      return integerIn(value, 100, 600_000) ? "valid" : "bad";
    case "OPENCODE_SESSION_FALLBACK_POOLS":
      return poolsOf(value) !== undefined ? "valid" : "bad";
    // The usage-pace router's settings (their `expected` texts in src/settings/settings.ts).
    case "OPENCODE_SESSION_FALLBACK_PACE":
      return BOOLEAN_WORDS.includes(t.toLowerCase()) ? "valid" : "bad";
    case "OPENCODE_SESSION_FALLBACK_PACE_HIGH":
    case "OPENCODE_SESSION_FALLBACK_PACE_LOW":
      return /^[+-]?\d+(\.\d+)?$/.test(t) && Math.abs(Number(t)) <= 100 ? "valid" : "bad";
    case "OPENCODE_SESSION_FALLBACK_PACE_MODE":
      return value === "session" || value === "persist" ? "valid" : "bad";
    case "OPENCODE_SESSION_FALLBACK_PACE_MANUAL_TURNS":
      return integerIn(value, 0, 1000) ? "valid" : "bad";
    case "OPENCODE_SESSION_FALLBACK_PACE_MIN_INTERVAL_MS":
      return integerIn(value, 0, 7 * 24 * 3600 * 1000) ? "valid" : "bad";
    case "OPENCODE_SESSION_FALLBACK_ROUTES":
      return routesOk(value) ? "valid" : "bad";
    case "OPENCODE_SESSION_FALLBACK_LOCAL_BUDGETS":
      return budgetsOk(value) ? "valid" : "bad";
    case "OPENCODE_SESSION_FALLBACK_USAGE_TEST_SCENARIO":
      return /^[a-z0-9_-]+$/.test(t) ? "valid" : "bad";
    case "OPENCODE_SESSION_FALLBACK_ANTHROPIC_USAGE_URL":
    case "OPENCODE_SESSION_FALLBACK_CODEX_USAGE_URL":
    case "OPENCODE_SESSION_FALLBACK_COPILOT_USAGE_URL":
      return /^https?:\/\//.test(t) && URL.canParse(t) ? "valid" : "bad";
    default:
      // A variable added after this test was written: only "never throws" and "a value reported as bad
      // still lets the quota failure recover" are checked for it, until it gets a line here.
      return "unchecked";
  }
}

/** Routes as `name=provider/model,provider/model;…`, at least two lanes each. */
function routesOk(value: string): boolean {
  for (const chunk of value.split(";").map((c) => c.trim()).filter(Boolean)) {
    const parts = chunk.split("=");
    if (parts.length !== 2 || !parts[0]) return false;
    const members = parts[1]!.split(",").map((m) => m.trim()).filter(Boolean);
    if (!/^[\w.-]+$/.test(parts[0].trim()) || members.length < 2 || !members.every((m) => /^[^\s/]+\/\S+$/.test(m))) return false;
  }
  return true;
}

/** Budgets as `provider=5h:tokens,7d:tokens;…`. */
function budgetsOk(value: string): boolean {
  for (const chunk of value.split(";").map((c) => c.trim()).filter(Boolean)) {
    const parts = chunk.split("=");
    if (parts.length !== 2 || !parts[0] || parts[0].trim().length === 0) return false;
    for (const item of parts[1]!.split(",").map((w) => w.trim()).filter(Boolean)) {
      const [window, tokens] = item.split(":");
      if (!window || !tokens || !/^\d+$/.test(tokens.trim())) return false;
      const n = Number(tokens.trim());
      if (!/^\d+[hdm]$/.test(window.trim()) || !Number.isSafeInteger(n) || n <= 0) return false;
    }
  }
  return true;
}

/** Whether a VALID value turns the quota recovery of the test off (a bad value falls back to the default). */
function disablesRecovery(name: string, value: string): boolean {
  if (oracle(name, value) !== "valid") return false;
  switch (name) {
    case "OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT":
      return Number(value.trim()) === 0;
    case "OPENCODE_SESSION_FALLBACK_ON":
      return !kindsOf(value)!.includes("quota");
    case "OPENCODE_SESSION_FALLBACK_POOLS": {
      const pools = poolsOf(value)!;
      const pool = (provider: string, model: string) => pools.get(`${provider}/${model}`) ?? pools.get(provider) ?? `provider:${provider}`;
      return pool("primary", "model-a") === pool("backup", "model-b");
    }
    default:
      return false;
  }
}

/** Paths the plugin would write (debug log, state file) must stay inside the temp project. */
function staysInTemp(project: Project, name: string, value: string): boolean {
  if (name !== "OPENCODE_SESSION_FALLBACK_DEBUG_LOG" && name !== "OPENCODE_SESSION_FALLBACK_STATE_FILE") return true;
  const t = value.trim();
  if (t.length === 0 || t.length > 4096) return true;
  if (t.startsWith("/") || /^[A-Za-z]:/.test(t) || t.includes("\\")) return false;
  const root = path.dirname(project.dir);
  const resolved = path.resolve(project.dir, t);
  return resolved.startsWith(root + path.sep);
}

/**
 * What the in-process clients (the TUI, `opencode run`) changed: events arrive in another order than over
 * HTTP `serve`, and OpenCode 1.18.33 stores a turn aborted during its retry wait as completed with NO
 * error. One regression test per bug of issue 9, each on the fake host that now behaves like the real one
 * (its aborted shape is pinned against the real server in test/e2e/host-shapes.test.ts).
 */
import { readFileSync, existsSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { modelAnswered } from "../src/host/session-messages";
import { TASK_CANCELLED } from "../src/recovery/repair-subtasks";
import { ABORTED, FakeOpencode, abortedShape, ev, tempProject } from "./helpers/fake-opencode";
import { SOURCE, TARGET, safeEnv, startHooks, until, type Harness, type Project } from "./helpers/hooks-harness";

let project: Project;
let port: FakeOpencode;
let h: Harness;

const lanesOnDisk = () => {
  const file = safeEnv(project).OPENCODE_SESSION_FALLBACK_STATE_FILE!;
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")).lanes as Array<{ lane: string }>).map((l) => l.lane) : [];
};
const outcomes = () => h.decisions.map((d) => d.outcome);

beforeEach(() => {
  project = tempProject({ build: SOURCE, metis: TARGET });
  port = new FakeOpencode();
  h = startHooks({ project, port });
});
afterEach(async () => {
  // The plugin's last lane write ends before its files are removed (dispose waits for it).
  await h.hooks.dispose?.();
  project.cleanup();
});

describe("a turn counts as served only on evidence that the model answered", () => {
  it("the 1.18.33 aborted shape (completed, no error, no finish, zero tokens, a patch part only) is not an answer; an answer is", () => {
    const running = { id: "msg_a", role: "assistant", providerID: "p", modelID: "m", time: { created: 1 } };
    expect(modelAnswered(abortedShape(running, 2))).toBe(false);
    expect(modelAnswered({ ...running, time: { created: 1, completed: 2 }, finish: "stop" })).toBe(true);
    expect(modelAnswered({ ...running, time: { created: 1, completed: 2 }, tokens: { output: 5 } })).toBe(true);
    expect(modelAnswered({ ...running, time: { created: 1, completed: 2 }, hasOutput: true })).toBe(true);
    expect(modelAnswered({ ...running, time: { created: 1, completed: 2 }, finish: "stop", error: ABORTED })).toBe(false);
    expect(modelAnswered({ ...running, finish: "stop" }), "not completed").toBe(false);
  });

  it("TUI order: the idle right after the recovery reads the plugin's own aborted message and keeps the exhausted lane (bug: lane-served cleared it)", async () => {
    port.failedTurn("ses_tui", "build");
    h.send(ev.retry("ses_tui"));
    // In the TUI the abort's idle pair is handled after the recovery returned.
    await h.settle();
    h.send(ev.statusIdle("ses_tui"));
    h.send(ev.idle("ses_tui"));
    await h.settle();
    expect(outcomes()).toContain("recovered");
    expect(outcomes()).not.toContain("lane-served");
    await until(() => lanesOnDisk().includes("primary/model-a"));
    expect(lanesOnDisk()).toContain("primary/model-a");
    // The fallback's answer is evidence for the fallback lane only.
    port.answer("ses_tui", "backup/model-b");
    h.send(ev.idle("ses_tui"));
    await h.settle();
    expect(outcomes()).not.toContain("lane-served");
    await h.hooks.dispose?.();
    expect(lanesOnDisk()).toContain("primary/model-a");
  });

  it("the user's ESC during OpenCode's retry wait on a cooling lane does not clear the lane", async () => {
    // Another session found the lane out.
    port.failedTurn("ses_first", "build");
    h.send(ev.retry("ses_first"));
    await h.settle();
    // The lane write is not work the harness tracks: wait for it, or the check below races it (CI saw []).
    await until(() => lanesOnDisk().includes("primary/model-a"));
    // This session is on the cooling lane (picked by hand), waits in OpenCode's retry, and the user presses ESC:
    // OpenCode stores the message completed with no error and publishes only an idle pair.
    port.sessions.set("ses_esc", [
      { id: "msg_u", role: "user", agent: "build", model: { providerID: "primary", modelID: "model-a" } },
      abortedShape({ id: "msg_b", role: "assistant", mode: "build", providerID: "primary", modelID: "model-a", parentID: "msg_u", time: { created: 1 } }, Date.now()),
    ]);
    h.send(ev.statusIdle("ses_esc"));
    h.send(ev.idle("ses_esc"));
    await h.settle();
    expect(outcomes()).not.toContain("lane-served");
    // Every lane write asked for so far has ended once dispose returns: a clearing write would show here.
    await h.hooks.dispose?.();
    expect(lanesOnDisk()).toContain("primary/model-a");
  });
});

describe("a continuation that fails releases whoever waits on it, and costs no budget", () => {
  /** A child session the plugin recovered, and its parent's next request waiting on it. */
  async function childWithWaitingParent() {
    port.failedTurn("ses_child", "build");
    h.send(ev.retry("ses_child"));
    await h.settle();
    const part = {
      id: "prt_task",
      sessionID: "ses_parent",
      messageID: "msg_parent",
      type: "tool",
      tool: "task",
      callID: "call_child",
      state: { status: "error", error: TASK_CANCELLED, input: { description: "sub" }, metadata: { sessionId: "ses_child" }, time: { start: 1, end: 2 } },
    };
    const started = performance.now();
    const waiting = h.hooks["experimental.chat.messages.transform"]!({}, { messages: [{ info: { id: "msg_parent" }, parts: [part] }] } as never);
    return { part, waiting, started };
  }

  it("rejected by OpenCode after it answered 204 (the fallback's model does not exist): the parent is released at once with the error", async () => {
    const { part, waiting, started } = await childWithWaitingParent();
    h.send(ev.error("ses_child", { name: "UnknownError", data: { message: "Model not found: backup/model-b" } }));
    await waiting;
    expect(performance.now() - started).toBeLessThan(2000);
    expect(part.state).toMatchObject({ status: "error", error: expect.stringContaining("Model not found: backup/model-b") });
  });

  it("refused without any error event (the continuation's turn ends with no message of it): released within seconds", async () => {
    const { part, waiting } = await childWithWaitingParent();
    h.send(ev.statusIdle("ses_child"));
    h.send(ev.idle("ses_child"));
    await waiting;
    expect(part.state).toMatchObject({ status: "error", error: expect.stringContaining("ended the continuation before any answer") });
    expect(outcomes()).toContain("continuation-ended");
  });

  it("the prompt is rejected or times out: the parent is released, the user told, and the budget given back", async () => {
    port.failures.promptAsync = () => Promise.reject(new Error("prompting session ses_child timed out after 10000 ms"));
    const { part, waiting } = await childWithWaitingParent();
    await waiting;
    expect(part.state).toMatchObject({ status: "error", error: expect.stringContaining("timed out") });
    expect(port.calls.some((c) => c.call === "toast" && /could not continue/.test(c.toast.message))).toBe(true);
    // The budget (1) was not spent: the next failure of the session is recovered.
    port.failures = {};
    port.failedTurn("ses_child", "build");
    port.sessions.get("ses_child")![1] = { ...port.sessions.get("ses_child")![1]!, id: "msg_asst_again" };
    h.send(ev.error("ses_child"));
    await h.settle();
    expect(port.prompts().filter((p) => p.sessionID === "ses_child")).toHaveLength(2);
  });

  it("the user aborts the continuation mid-answer: the parent is released when the session goes idle", async () => {
    const { part, waiting } = await childWithWaitingParent();
    const answer = port.answer("ses_child", "backup/model-b", "partial");
    port.sessions.get("ses_child")!.splice(-1, 1, { ...answer, finish: undefined, error: ABORTED });
    h.send(ev.error("ses_child", ABORTED));
    h.send(ev.statusIdle("ses_child"));
    h.send(ev.idle("ses_child"));
    await waiting;
    expect(part.state).toMatchObject({ status: "error" });
  });
});

describe("the state file after a recovery is written before dispose returns (a run exits right after)", () => {
  it("dispose waits for the lane write", async () => {
    port.failedTurn("ses_w", "build");
    h.send(ev.retry("ses_w"));
    await h.settle();
    await h.hooks.dispose!();
    expect(lanesOnDisk()).toContain("primary/model-a");
    expect(path.isAbsolute(safeEnv(project).OPENCODE_SESSION_FALLBACK_STATE_FILE!)).toBe(true);
  });
});

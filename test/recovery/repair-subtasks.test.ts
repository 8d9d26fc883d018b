import { describe, expect, it } from "vitest";
import { SubtaskRepair, TASK_CANCELLED } from "../../src/recovery/repair-subtasks";
import { SessionBook, pendingContinuation } from "../../src/sessions/session-state";

const cancelledTask = (child: string, callID = "call_1") => ({
  id: "prt_1",
  sessionID: "ses_parent",
  messageID: "msg_1",
  type: "tool",
  tool: "task",
  callID,
  state: { status: "error", error: TASK_CANCELLED, input: { description: "compute", prompt: "P", subagent_type: "helper" }, metadata: { sessionId: child, parentSessionId: "ses_parent" }, time: { start: 1, end: 2 } },
});
const messagesWith = (part: object) => [{ info: { id: "msg_1", sessionID: "ses_parent" }, parts: [{ type: "text", text: "hi" }, part] }];

describe("SubtaskRepair (the parent's task cancelled by the plugin's own abort of the child)", () => {
  it("waits for the child's continuation and rewrites the task part as completed with its answer, then stores it", async () => {
    const book = new SessionBook();
    const child = book.get("ses_child");
    child.recovery.continuation = pendingContinuation("msg_0");
    const stored: unknown[] = [];
    const repair = new SubtaskRepair(book, 10_000, () => {}, async (p) => void stored.push(p));
    const part = cancelledTask("ses_child");
    const pending = repair.repair(messagesWith(part));
    await new Promise((r) => setTimeout(r, 10));
    expect(part.state.status).toBe("error");
    child.recovery.continuation.settle({ status: "answered", text: "THE ANSWER" });
    await pending;
    expect(part.state).toMatchObject({ status: "completed", title: "compute", output: '<task id="ses_child" state="completed">\n<task_result>\nTHE ANSWER\n</task_result>\n</task>' });
    expect(stored).toHaveLength(1);
    // Later requests (rebuilt from storage) get the same repair without waiting.
    const again = cancelledTask("ses_child");
    await repair.repair(messagesWith(again));
    expect(again.state.status).toBe("completed");
  });

  it("follows a superseded continuation to the next one", async () => {
    const book = new SessionBook();
    const child = book.get("ses_c2");
    const first = pendingContinuation("msg_0");
    child.recovery.continuation = first;
    const repair = new SubtaskRepair(book, 10_000);
    const part = cancelledTask("ses_c2", "call_2");
    const pending = repair.repair(messagesWith(part));
    const second = pendingContinuation("msg_5");
    child.recovery.continuation = second;
    first.settle({ status: "superseded" });
    await new Promise((r) => setTimeout(r, 5));
    second.settle({ status: "answered", text: "SECOND" });
    await pending;
    expect(String((part.state as { output?: unknown }).output)).toContain("SECOND");
  });

  it("a failed continuation reads as OpenCode's own sub-agent failure", async () => {
    const book = new SessionBook();
    book.get("ses_c3").recovery.lastContinuation = { status: "failed", error: "Insufficient Balance" };
    const part = cancelledTask("ses_c3", "call_3");
    await new SubtaskRepair(book).repair(messagesWith(part));
    expect(part.state).toMatchObject({ status: "error", error: "Subagent failed (task_id: ses_c3): Insufficient Balance" });
  });

  it("leaves alone a task the plugin did not cancel (a user's ESC in the child, or any other error)", async () => {
    const book = new SessionBook();
    const part = cancelledTask("ses_unknown", "call_4");
    await new SubtaskRepair(book).repair(messagesWith(part));
    expect(part.state.status).toBe("error");
    const other = { ...cancelledTask("ses_c3", "call_5"), state: { ...cancelledTask("x").state, error: "Boom" } };
    await new SubtaskRepair(book).repair(messagesWith(other));
    expect(other.state.error).toBe("Boom");
  });

  it("gives up after its wait limit and leaves the part as it was", async () => {
    const book = new SessionBook();
    book.get("ses_slow").recovery.continuation = pendingContinuation("msg_0");
    const results: unknown[] = [];
    const part = cancelledTask("ses_slow", "call_6");
    await new SubtaskRepair(book, 20, (_c, r) => void results.push(r)).repair(messagesWith(part));
    expect(part.state.status).toBe("error");
    expect(results).toEqual(["timeout"]);
  });

  it("any shape of messages is accepted without throwing", async () => {
    const repair = new SubtaskRepair(new SessionBook());
    for (const junk of [undefined, null, 5, "x", [null], [{ parts: null }], [{ parts: [null, 1, { type: "tool", tool: "task", state: null }] }]]) {
      await expect(repair.repair(junk)).resolves.toBeUndefined();
    }
  });
});

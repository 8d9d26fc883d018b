import type { ContinuationResult, SessionBook } from "../sessions/session-state";

/**
 * OpenCode runs a sub-agent (`task` tool) as a background job of the parent's turn; when the plugin
 * aborts the child's failed turn to continue it on the fallback lane, OpenCode cancels that job and the
 * parent's task part ends as `error` / "Task cancelled" while the child carries on. The parent's next
 * model request is repaired here, in `experimental.chat.messages.transform` (awaited before every
 * model request): a task part cancelled by the plugin's own abort waits for the child's continuation and
 * then reads as completed with the child's answer, in the wrapper the task tool itself produces.
 */
export const TASK_CANCELLED = "Task cancelled";

/** How long a parent's request waits for a child's continuation before it goes on with "Task cancelled". */
export const SUBTASK_WAIT_MS = 20 * 60 * 1000;

/** At most this many repaired task calls are remembered (each is re-applied on every later request). */
const MAX_REPAIRS = 500;

/** A tool part as OpenCode hands it to the transform hook; only the fields read here. */
interface ToolPartLike {
  id?: unknown;
  sessionID?: unknown;
  messageID?: unknown;
  type?: unknown;
  tool?: unknown;
  callID?: unknown;
  state?: {
    status?: unknown;
    error?: unknown;
    input?: unknown;
    metadata?: { sessionId?: unknown; [key: string]: unknown };
    time?: unknown;
    [key: string]: unknown;
  };
}

/** The repaired state of a task part. */
type RepairedState = Record<string, unknown>;

/** Repairs task parts whose child the plugin continued; remembers each repair by call ID. */
export class SubtaskRepair {
  private readonly repaired = new Map<string, RepairedState>();

  constructor(
    private readonly book: SessionBook,
    private readonly waitMs: number = SUBTASK_WAIT_MS,
    private readonly onRepair: (childID: string, result: ContinuationResult | "timeout") => void = () => {},
    /** Stores the repaired part (best effort), so the TUI and later turns see it too. */
    private readonly store: (part: { sessionID: string; messageID: string; id: string }) => Promise<void> = async () => {},
  ) {}

  /** Rewrites, in place, every cancelled task part the plugin caused, waiting for the child when needed. Never throws. */
  async repair(messages: unknown): Promise<void> {
    if (!Array.isArray(messages)) return;
    for (const message of messages) {
      const parts = (message as { parts?: unknown } | null)?.parts;
      if (!Array.isArray(parts)) continue;
      for (const part of parts as ToolPartLike[]) {
        if (part?.type !== "tool" || part.tool !== "task" || part.state?.status !== "error" || part.state.error !== TASK_CANCELLED) continue;
        try {
          await this.repairPart(part);
        } catch {
          // A part that cannot be repaired stays as OpenCode left it.
        }
      }
    }
  }

  private async repairPart(part: ToolPartLike): Promise<void> {
    const state = part.state!;
    const callID = typeof part.callID === "string" ? part.callID : undefined;
    const known = callID ? this.repaired.get(callID) : undefined;
    if (known) {
      part.state = known as ToolPartLike["state"];
      return;
    }
    const childID = state.metadata?.sessionId;
    if (typeof childID !== "string") return;
    const record = this.book.find(childID);
    if (!record?.recovery.continuation && !record?.recovery.lastContinuation) return;
    const result = await this.waitForAnswer(childID);
    this.onRepair(childID, result);
    if (result === "timeout") return;
    const input = state.input as { description?: unknown } | undefined;
    const repaired: RepairedState =
      result.status === "answered"
        ? {
            status: "completed",
            input: state.input,
            title: typeof input?.description === "string" ? input.description : "task",
            metadata: { ...state.metadata, truncated: false },
            output: `<task id="${childID}" state="completed">\n<task_result>\n${result.text}\n</task_result>\n</task>`,
            time: state.time,
          }
        : { ...state, error: `Subagent failed (task_id: ${childID}): ${result.status === "failed" ? result.error : "no answer"}` };
    part.state = repaired as ToolPartLike["state"];
    if (typeof part.id === "string" && typeof part.sessionID === "string" && typeof part.messageID === "string") {
      await this.store(part as { sessionID: string; messageID: string; id: string }).catch(() => undefined);
    }
    if (callID) {
      if (this.repaired.size >= MAX_REPAIRS) this.repaired.delete(this.repaired.keys().next().value as string);
      this.repaired.set(callID, repaired);
    }
  }

  /** Follows the child's continuations (a failed one may be followed by another) until one ends. */
  private async waitForAnswer(childID: string): Promise<ContinuationResult | "timeout"> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const record = this.book.find(childID);
      const pending = record?.recovery.continuation;
      if (!pending) return record?.recovery.lastContinuation ?? { status: "failed", error: "the continuation ended without an answer" };
      const left = deadline - Date.now();
      if (left <= 0) return "timeout";
      let timer: ReturnType<typeof setTimeout> | undefined;
      const result = await Promise.race([
        pending.done,
        new Promise<"timeout">((resolve) => {
          timer = setTimeout(() => resolve("timeout"), left);
          (timer as { unref?: () => void }).unref?.();
        }),
      ]).finally(() => clearTimeout(timer));
      if (result === "timeout" || result.status !== "superseded") return result;
    }
  }
}

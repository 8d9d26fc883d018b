import type { HostProcess } from "./host-process";
import type { MessageInfo, OpencodePort } from "./opencode-port";
import { describeError } from "../support/best-effort";
import { errorText, modelAnswered } from "./session-messages";
import { redactSecrets } from "../support/redact";

/*
 * `opencode run` (headless, in-process) and the continuation.
 *
 * OpenCode 1.18.33's `run` subscribes to the event stream, sends its prompt and ends its event loop at
 * the FIRST `session.status` idle of its session; then it disposes the instance and exits. The plugin's
 * abort of the failed turn produces that idle, and nothing lets a continuation slip in before it: the
 * session runner publishes idle when the cancelled run's interruption completes, unless a new run
 * started on the same runner during that interruption — a window the plugin cannot see or hold (a
 * prompt sent with the abort, or released from the prompt's own `chat.message` hook, landed after it in
 * every trial here). But the instance's dispose awaits every plugin's `dispose` hook, and OpenCode still
 * serves a prompt sent from there. So in a headless run the plugin aborts the failed turn (the run ends
 * its own loop), and in `dispose` sends the continuation, follows it and prints what the run would have
 * printed: the answer on stdout, exit code 0; or the failure on stderr, exit code 1.
 */

/** Where a headless run writes; tests pass plain objects. */
export interface RunOutput {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  setExitCode(code: number): void;
}

/** The process's own streams and exit code. */
export const processOutput: RunOutput = {
  stdout: process.stdout,
  stderr: process.stderr,
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/** What a recovery leaves for the end of the run. */
export interface DeferredContinuation {
  readonly sessionID: string;
  /** One line for the user: what failed and where the session continues. */
  readonly notice: string;
  /** Sends the continuation (the recovery's last step); the newest message ID before it, or why it failed. */
  readonly send: () => Promise<{ readonly ok: true; readonly afterID: string } | { readonly ok: false; readonly error: string }>;
}

/** A continuation followed at the end of the run: the newest message before the turn to wait for. */
interface Follow {
  afterID: string;
  recovering: boolean;
  failure?: { readonly notice: string; readonly error: string };
}

/** If the run has not ended this long after the abort, the continuation is sent at once (the run is still listening). */
export const DEFER_GRACE_MS = 5000;

/** How often the transcript is read while following a continuation. */
const POLL_MS = 150;

/**
 * The continuations a headless run owes its user, finished in `dispose`. Everything here writes to the
 * user's terminal only what `opencode run` itself would have: text, and in JSON mode its event lines.
 */
export class HeadlessRun {
  private readonly deferred = new Map<string, { item: DeferredContinuation; timer: ReturnType<typeof setTimeout> }>();
  private readonly answered = new Set<string>();
  /** Failures owed to the user at the end of the run: no lane was left, so nothing continues. */
  private readonly failures = new Map<string, { readonly notice: string; readonly error: string }>();
  /** Continuations being followed in `finish`, and what a recovery of theirs changed. */
  private readonly following = new Map<string, Follow>();
  /** Set once `finish` runs: a failure of a followed continuation is recovered at once, not deferred. */
  private finishing = false;

  constructor(
    readonly host: HostProcess,
    private readonly port: OpencodePort,
    private readonly waitMs: number,
    private readonly out: RunOutput = processOutput,
    private readonly clock: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Whether a recovery of this session must leave its continuation to the end of the run: the run's own session. */
  async owns(sessionID: string): Promise<boolean> {
    if (this.host.kind !== "run" || this.finishing) return false;
    try {
      return (await this.port.parentOf?.(sessionID)) === undefined;
    } catch {
      // Unknown: treat it as the run's session (a sub-agent's session would then continue at the run's end).
      return true;
    }
  }

  /** Keeps `item` for the end of the run; sends it after {@link DEFER_GRACE_MS} if the run goes on listening. */
  defer(item: DeferredContinuation): void {
    // A later failure of the same session replaces what was owed for it.
    const previous = this.deferred.get(item.sessionID);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => {
      this.deferred.delete(item.sessionID);
      void item.send().catch(() => undefined);
    }, DEFER_GRACE_MS);
    (timer as { unref?: () => void }).unref?.();
    this.deferred.set(item.sessionID, { item, timer });
  }

  /** Whether anything is owed. */
  get pending(): boolean {
    return this.deferred.size > 0 || this.failures.size > 0;
  }

  /** Whether the continuation of `sessionID` is being followed: its failures are still the plugin's to handle. */
  isFollowing(sessionID: string): boolean {
    return this.following.has(sessionID);
  }

  /** A recovery of a followed continuation has started: its aborted turn is not the end. */
  recovering(sessionID: string): void {
    const follow = this.following.get(sessionID);
    if (follow) follow.recovering = true;
  }

  /** A recovery of a followed continuation sent the next one: follow the answers after `afterID`. */
  continued(sessionID: string, afterID: string): void {
    const follow = this.following.get(sessionID);
    if (!follow) return;
    follow.afterID = afterID;
    follow.recovering = false;
  }

  /** Nothing can continue `sessionID`: the run ends with `error` (exit 1), after `notice` on stderr. */
  gaveUp(sessionID: string, notice: string, error: string): void {
    const follow = this.following.get(sessionID);
    if (follow) {
      follow.failure = { notice, error };
      follow.recovering = false;
      return;
    }
    this.failures.set(sessionID, { notice, error });
  }

  /** Sends every deferred continuation, follows it and prints it. Never rejects. */
  async finish(): Promise<void> {
    this.finishing = true;
    for (const [sessionID, failure] of this.failures) {
      this.out.stderr.write(`opencode-session-fallback: ${redactSecrets(failure.notice)}\n`);
      this.fail(sessionID, failure.error);
    }
    this.failures.clear();
    const items = [...this.deferred.values()];
    this.deferred.clear();
    for (const { item, timer } of items) {
      clearTimeout(timer);
      try {
        await this.finishOne(item);
      } catch (error) {
        this.fail(item.sessionID, `internal error while finishing the continuation: ${describeError(error)}`);
      }
    }
  }

  private async finishOne(item: DeferredContinuation): Promise<void> {
    this.out.stderr.write(`opencode-session-fallback: ${redactSecrets(item.notice)}\n`);
    const follow: Follow = { afterID: "", recovering: false };
    this.following.set(item.sessionID, follow);
    try {
      await this.follow(item, follow);
    } finally {
      this.following.delete(item.sessionID);
    }
  }

  private async follow(item: DeferredContinuation, follow: Follow): Promise<void> {
    const sent = await item.send();
    if (!sent.ok) return this.fail(item.sessionID, `the continuation could not be sent: ${sent.error}`);
    if (follow.afterID === "") follow.afterID = sent.afterID;
    const deadline = this.clock() + this.waitMs;
    const printed = new Set<string>();
    let header = false;
    let idleReads = 0;
    for (;;) {
      let entries: ReadonlyArray<{ readonly info: MessageInfo; readonly parts: readonly unknown[] }>;
      try {
        entries = (await this.port.transcript?.(item.sessionID)) ?? [];
      } catch (error) {
        entries = [];
        if (this.clock() > deadline) return this.fail(item.sessionID, `the session could not be read: ${describeError(error)}`);
      }
      const answers = entries.filter((e) => e.info.role === "assistant" && e.info.id > sent.afterID);
      for (const entry of answers) {
        if (!header && this.host.format === "default") {
          header = true;
          this.out.stderr.write(`\n> ${entry.info.agent ?? entry.info.mode ?? "agent"} · ${entry.info.modelID ?? "model"}\n\n`);
        }
        for (const part of entry.parts) this.print(item.sessionID, part, printed);
      }
      await this.answerPermissions(item.sessionID);
      if (follow.failure) {
        this.out.stderr.write(`opencode-session-fallback: ${redactSecrets(follow.failure.notice)}\n`);
        return this.fail(item.sessionID, follow.failure.error);
      }
      const last = follow.recovering ? undefined : answers.filter((e) => e.info.id > follow.afterID).at(-1)?.info;
      if (last?.time?.completed) {
        if (last.error !== undefined && last.error !== null) return this.fail(item.sessionID, errorText(last.error), last.error);
        // OpenCode's own loop ends at a finish other than tool-calls/unknown.
        if (typeof last.finish === "string" && last.finish !== "tool-calls" && last.finish !== "unknown") {
          this.out.setExitCode(0);
          return;
        }
        if (last.finish === undefined) return this.fail(item.sessionID, "the continuation was aborted before the model answered");
        // A turn OpenCode's loop left (a permission rejected, a step limit) ends when the session is idle.
        if (this.port.isBusy && !(await this.port.isBusy(item.sessionID).catch(() => true))) {
          idleReads += 1;
          if (idleReads >= 2) {
            if (modelAnswered(last)) return void this.out.setExitCode(0);
            return this.fail(item.sessionID, "the continuation ended without an answer");
          }
        } else idleReads = 0;
      }
      if (this.clock() > deadline) {
        return this.fail(item.sessionID, `no answer within ${Math.round(this.waitMs / 1000)} s (OPENCODE_SESSION_FALLBACK_RUN_WAIT_MS); the session keeps it: opencode run --session ${item.sessionID}`);
      }
      await this.sleep(POLL_MS);
    }
  }

  /**
   * `opencode run` answers the agent's permission requests itself (rejects them, or allows them once with
   * --dangerously-skip-permissions); its loop has ended, so the plugin does it for the continuation.
   */
  private async answerPermissions(sessionID: string): Promise<void> {
    if (!this.port.pendingPermissions || !this.port.replyPermission) return;
    let pending: Awaited<ReturnType<NonNullable<OpencodePort["pendingPermissions"]>>>;
    try {
      pending = await this.port.pendingPermissions(sessionID);
    } catch {
      return;
    }
    for (const request of pending) {
      if (this.answered.has(request.id)) continue;
      this.answered.add(request.id);
      const reply = this.host.skipPermissions ? "once" : "reject";
      if (reply === "reject") this.out.stderr.write(`! permission requested: ${request.permission} (${request.patterns.join(", ")}); auto-rejecting\n`);
      await this.port.replyPermission(request.id, reply).catch(() => undefined);
    }
  }

  /** Prints one finished part as `opencode run` does (text on stdout; JSON mode: its event lines). */
  private print(sessionID: string, raw: unknown, printed: Set<string>): void {
    const part = raw as { id?: unknown; type?: unknown; text?: unknown; time?: { end?: unknown }; state?: { status?: unknown; title?: unknown }; tool?: unknown } | null;
    if (!part || typeof part.id !== "string" || printed.has(part.id)) return;
    const json = (type: string) => this.out.stdout.write(`${JSON.stringify({ type, timestamp: this.clock(), sessionID, part })}\n`);
    switch (part.type) {
      case "text":
      case "reasoning": {
        if (!part.time?.end || typeof part.text !== "string") return;
        printed.add(part.id);
        if (part.type === "reasoning" && !this.host.thinking) return;
        if (this.host.format === "json") return void json(part.type);
        const text = part.text.trim();
        if (!text) return;
        const shown = part.type === "reasoning" ? `Thinking: ${text}` : text;
        this.out.stdout.write(this.out.stdout.isTTY ? `\n${shown}\n\n` : `${shown}\n`);
        return;
      }
      case "tool": {
        const status = part.state?.status;
        if (status !== "completed" && status !== "error") return;
        printed.add(part.id);
        if (this.host.format === "json") return void json("tool_use");
        const title = typeof part.state?.title === "string" ? ` ${part.state.title}` : "";
        this.out.stderr.write(`${status === "error" ? "✗" : "⚙"} ${String(part.tool)}${title}\n`);
        return;
      }
      case "step-start":
      case "step-finish":
        printed.add(part.id);
        if (this.host.format === "json") json(part.type === "step-start" ? "step_start" : "step_finish");
        return;
      default:
        return;
    }
  }

  private fail(sessionID: string, message: string, error?: unknown): void {
    const text = redactSecrets(message);
    if (this.host.format === "json") {
      // Only the redacted text leaves: a provider error's body may carry a key.
      const name = typeof (error as { name?: unknown } | undefined)?.name === "string" ? (error as { name: string }).name : "SessionFallbackError";
      const shown = { name, data: { message: text } };
      this.out.stdout.write(`${JSON.stringify({ type: "error", timestamp: this.clock(), sessionID, error: shown })}\n`);
    }
    this.out.stderr.write(`Error: ${text}\n`);
    this.out.setExitCode(1);
  }
}

import { mayFallBack } from "./fallback-policy";
import type { MessageInfo } from "../host/opencode-port";
import { laneKey } from "../lanes/lane-health";
import type { RoutedEvent } from "../host/route-event";
import { finishContinuation, settleContinuation } from "./continuation";
import { errorText, lastOf, modelAnswered, modelOf } from "../host/session-messages";
import { describeError } from "../support/best-effort";
import { recover } from "./run-recovery";
import { note, type Outcome, type RecoveryDeps } from "./recovery-deps";
import type { SessionRecord } from "../sessions/session-state";


/**
 * Handles one routed event: classifies it, decides, and when the decision is to fall back, aborts the
 * failed turn and continues the same session on the fallback lane. Never rejects.
 */
export async function handleRoutedEvent(event: RoutedEvent, deps: RecoveryDeps): Promise<Outcome> {
  try {
    const receivedAt = deps.clock();
    if (event.type === "idle") return await checkIdle(event.sessionID, receivedAt, deps);
    const verdict = deps.classify(event.error, { now: receivedAt });
    if (verdict.kind === "abort" && event.type === "error") {
      const record = deps.book.get(event.sessionID);
      if (receivedAt <= record.recovery.ownAbortUntil) {
        note(deps, "debug", { outcome: "own-abort", event: event.type, sessionID: event.sessionID }, "our own abort; not a new failure");
        return "own-abort";
      }
      record.recovery.userAbortAt = receivedAt;
      failContinuation(record, receivedAt, event.error);
      note(deps, "debug", { outcome: "user-abort", event: event.type, sessionID: event.sessionID }, "the user aborted the turn; no recovery");
      return "user-abort";
    }
    if (!mayFallBack(verdict)) {
      if (event.type === "error") {
        note(deps, "debug", { outcome: "not-eligible", event: event.type, sessionID: event.sessionID, verdict }, `${verdict.kind} error; left to OpenCode`);
        const record = deps.book.find(event.sessionID);
        if (record?.recovery.continuation) await deps.book.run(event.sessionID, async (rec) => failContinuation(rec, receivedAt, event.error), "ending a continuation that failed");
      }
      return "not-eligible";
    }
    let outcome: Outcome = "ignored";
    await deps.book.run(event.sessionID, async (record) => {
      const failure = event.type === "retry" ? { retry: event.error, errorText: event.error.message } : { errorText: errorText(event.error) };
      outcome = await recover(record, event.sessionID, event.type, verdict, receivedAt, deps, failure);
      if (event.type === "error" && outcome !== "recovered") failContinuation(record, receivedAt, event.error);
    }, `recovering from a ${event.type === "retry" ? "retry status" : "session.error"}`);
    return outcome;
  } catch (error) {
    note(deps, "error", { outcome: "internal-error", event: event.type, sessionID: event.sessionID, error: describeError(error) }, `internal error while handling ${event.type}: ${describeError(error)}; the session is left as it is`);
    return "ignored";
  }
}

/** A continuation shows an assistant message within this long of being accepted, or it was refused. */
export const CONTINUATION_START_GRACE_MS = 1500;

/**
 * An error of the session after the plugin's continuation went out is the continuation's failure: a
 * parent waiting on it is released at once with that error as its task result.
 */
function failContinuation(record: SessionRecord, receivedAt: number, error: unknown): void {
  if (!record.recovery.continuation || record.recovery.continuedAt === 0 || receivedAt < record.recovery.continuedAt) return;
  finishContinuation(record, { status: "failed", error: errorText(error) });
}

/**
 * The watchdog: when a session goes idle and its last assistant message ended with an error no recovery
 * ran for (some stream failures publish no `session.error`), recover then. A second idle check queued
 * behind one that has not started yet would read the same state, so it is dropped.
 */
async function checkIdle(sessionID: string, receivedAt: number, deps: RecoveryDeps): Promise<Outcome> {
  const record = deps.book.get(sessionID);
  if (record.recovery.idleCheckQueued) return "duplicate";
  record.recovery.idleCheckQueued = true;
  let outcome: Outcome = "idle-ok";
  let answered: MessageInfo | undefined;
  await deps.book.run(sessionID, async (rec) => {
    rec.recovery.idleCheckQueued = false;
    let messages: readonly MessageInfo[];
    try {
      messages = await deps.port.messages(sessionID);
    } catch (error) {
      note(deps, "warn", { outcome: "read-failed", event: "idle", sessionID, error: describeError(error) }, `idle check skipped: ${describeError(error)}`);
      outcome = "read-failed";
      return;
    }
    const failed = lastOf(messages, "assistant");
    settleContinuation(rec, failed);
    const pending = rec.recovery.continuation;
    if (pending && rec.recovery.continuedAt > 0 && receivedAt >= rec.recovery.continuedAt && !(failed && failed.id > pending.afterID)) {
      // No message of the continuation yet. Just after it went out this may be a late idle of the aborted
      // turn: look again shortly. Later, the continuation's turn ended before any answer (OpenCode refused it).
      if (deps.clock() - rec.recovery.continuedAt < CONTINUATION_START_GRACE_MS) {
        if (!rec.recovery.idleRecheck) {
          rec.recovery.idleRecheck = true;
          const timer = setTimeout(() => {
            rec.recovery.idleRecheck = false;
            // Through the router entry: it never rejects.
            void handleRoutedEvent({ type: "idle", sessionID }, deps);
          }, CONTINUATION_START_GRACE_MS);
          (timer as { unref?: () => void }).unref?.();
        }
        return;
      }
      finishContinuation(rec, { status: "failed", error: "OpenCode ended the continuation before any answer (see its log)" });
      note(deps, "warn", { outcome: "continuation-ended", event: "idle", sessionID }, `session ${sessionID}: the continuation ended without an answer; the session keeps your message, send it again or pick another model`);
      return;
    }
    if (failed && (failed.error === undefined || failed.error === null)) {
      // Only a turn the model answered counts: a message aborted by the plugin or the user is completed with no error too.
      if (!modelAnswered(failed)) return;
      answered = failed;
      // A lane that answered is serving again, whatever its cooldown said.
      const served = modelOf(failed);
      if (served && deps.shared.health.clear(served, receivedAt)) {
        void deps.shared.persist();
        note(deps, "info", { outcome: "lane-served", event: "idle", sessionID, lane: laneKey(served) }, `${laneKey(served)} answered in session ${sessionID}: it is no longer avoided`);
        outcome = "lane-served";
      }
      return;
    }
    if (!failed || rec.recovery.handled.has(failed.id)) return;
    const verdict = deps.classify(failed.error, { now: receivedAt });
    if (!mayFallBack(verdict)) {
      finishContinuation(rec, { status: "failed", error: errorText(failed.error) });
      return;
    }
    outcome = await recover(rec, sessionID, "idle", verdict, receivedAt, deps, { known: messages, errorText: errorText(failed.error) });
    // No new continuation was sent for this failure: whoever waits on the old one learns it failed.
    if (outcome !== "recovered") finishContinuation(rec, { status: "failed", error: errorText(failed.error) });
  }, "checking the idle session");
  if (answered && deps.afterTurn) await deps.afterTurn(sessionID, answered);
  return outcome;
}





import type { MessageInfo } from "../host/opencode-port";
import type { ContinuationResult, SessionRecord } from "../sessions/session-state";
import { modelAnswered } from "../host/session-messages";

/*
 * The plugin's continuation of a session, followed until its turn ends, so that whoever waits on it (a
 * parent whose task the plugin's abort of the child cancelled) learns the answer or the failure.
 */

/**
 * Settles the pending continuation from the session's last assistant message once its turn is over: a
 * later message the model answered ({@link modelAnswered}) settles it as answered; a later message that
 * completed with no error and no output (aborted before the model said anything) as failed. A later
 * message with an error is left to the caller (it may be recovered in turn).
 */
export function settleContinuation(record: SessionRecord, last: MessageInfo | undefined): void {
  const pending = record.recovery.continuation;
  if (!pending || !last) return;
  if (last.id <= pending.afterID || !last.time?.completed) return;
  if (last.error !== undefined && last.error !== null) return;
  finishContinuation(
    record,
    modelAnswered(last) ? { status: "answered", text: last.lastText ?? "" } : { status: "failed", error: "the continuation was aborted before the model answered" },
  );
}

/** Ends the pending continuation with `result`, and remembers it for a parent that looks later. */
export function finishContinuation(record: SessionRecord, result: ContinuationResult): void {
  const pending = record.recovery.continuation;
  if (!pending) return;
  record.recovery.continuation = undefined;
  record.recovery.lastContinuation = result;
  pending.settle(result);
}

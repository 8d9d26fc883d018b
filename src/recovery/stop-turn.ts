import type { PassedLane } from "../agents/resolve-fallback";
import type { Verdict } from "../classify/verdict";
import { modelText, type ModelRef } from "../host/model-ref";
import { noLaneLeft } from "../lanes/no-lane-left";
import type { SessionRecord } from "../sessions/session-state";
import type { Settings } from "../settings/settings";
import { describeError, quietly } from "../support/best-effort";
import { redactSecrets } from "../support/redact";
import { finishContinuation } from "./continuation";
import type { Trigger } from "./fallback-policy";
import { note, OWN_ABORT_GRACE_MS, type FailureInput, type Outcome, type RecoveryDeps } from "./recovery-deps";

/* When no lane is left: the user told at once, and a turn nothing will continue stopped. */

/**
 * No lane of the chain may take the turn: the user learns it now, with every lane and when it is
 * expected back. A quota-like failure on the retry path stops the turn (OpenCode would retry a lane
 * known to be out for about a minute); a headless run then ends with the provider's error.
 */
export async function nothingLeft(
  record: SessionRecord,
  sessionID: string,
  trigger: Trigger,
  verdict: Verdict,
  failedModel: ModelRef | undefined,
  passed: readonly PassedLane[],
  failure: FailureInput,
  deps: RecoveryDeps,
): Promise<Outcome> {
  const { port, settings } = deps;
  const stopped = stopsTurn(trigger, verdict, settings);
  const providerMessage = redactSecrets(failure.errorText ?? failure.retry?.message ?? "");
  const report = noLaneLeft({ sessionID, failed: failedModel, ...(record.lane.sticky ? { primary: record.lane.sticky.primary } : {}), passed, health: deps.shared.health, now: deps.clock(), stopped, providerMessage });
  const base = { event: trigger, sessionID, rule: verdict.rule, kind: verdict.kind };
  note(deps, "warn", { ...base, outcome: "no-lane-left", lanes: report.lanes, stopped }, report.log);
  await quietly(() => port.toast({ title: "Session fallback", message: redactSecrets(report.toast), variant: "error", duration: 15000 }));
  if (stopped) await stopTurn(record, sessionID, verdict, failedModel, failure, deps, report.toast);
  return "no-lane-left";
}

/** A quota-like failure on the retry path: OpenCode would retry a lane known to be out for about a minute. */
export function stopsTurn(trigger: Trigger, verdict: Verdict, settings: Settings): boolean {
  return trigger === "retry" && settings.fallbackOn.has(verdict.kind);
}

/**
 * Stops a turn nothing will continue: aborts it (OpenCode's retries end), gives a waiting parent the
 * provider's error as its task's result, and has a headless run end with that error (exit 1).
 */
export async function stopTurn(record: SessionRecord, sessionID: string, verdict: Verdict, failedModel: ModelRef | undefined, failure: FailureInput, deps: RecoveryDeps, notice: string): Promise<void> {
  const owed = deps.headless !== undefined && (await deps.headless.owns(sessionID));
  const followed = deps.headless?.isFollowing(sessionID) ?? false;
  // The followed continuation's aborted turn is not its end: the reason comes right after.
  if (followed) deps.headless!.recovering(sessionID);
  record.recovery.ownAbortUntil = Number.POSITIVE_INFINITY;
  try {
    await deps.port.abort(sessionID);
  } catch (error) {
    note(deps, "warn", { event: "retry", sessionID, outcome: "abort-failed", error: describeError(error) }, `session ${sessionID}: the turn could not be stopped (${describeError(error)}); OpenCode's retries go on`);
  } finally {
    record.recovery.ownAbortUntil = deps.clock() + OWN_ABORT_GRACE_MS;
  }
  const error = redactSecrets(failure.errorText ?? failure.retry?.message ?? "") || `${modelText(failedModel)}: ${verdict.kind}`;
  // A parent whose task the abort cancels reads the provider's error as the task's result.
  if (record.recovery.continuation) finishContinuation(record, { status: "failed", error });
  else record.recovery.lastContinuation = { status: "failed", error };
  if (owed || followed) deps.headless!.gaveUp(sessionID, redactSecrets(notice), error);
}

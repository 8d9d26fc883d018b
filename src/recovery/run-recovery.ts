import { decideFallback, type Trigger } from "./fallback-policy";
import { planRecovery } from "./plan-recovery";
import { modelText, type ModelRef } from "../host/model-ref";
import { redactSecrets } from "../support/redact";
import { failedPoolOf, type LaneHealth } from "../lanes/lane-health";
import { laneGuard } from "../lanes/lane-guard";
import { announcedRetryWaitMs } from "../host/retry-wait";
import { pendingContinuation, type SessionRecord } from "../sessions/session-state";
import { finishContinuation } from "./continuation";
import { quietly, describeError } from "../support/best-effort";
import { lastOf, modelOf, newestID } from "../host/session-messages";
import type { Verdict } from "../classify/verdict";
import { note, OWN_ABORT_GRACE_MS, type FailureInput, type Outcome, type RecoveryDeps } from "./recovery-deps";
import { nothingLeft, stopsTurn, stopTurn } from "./stop-turn";

/*
 * One recovery: given a failure of a session and its verdict, decide, resolve the fallback lane, abort
 * the failed turn and continue the same session there. The event routing that leads here is in
 * recover-session.ts.
 */

/** Recovers one failure of a session, run inside that session's queue. Never rejects. */
export async function recover(
  record: SessionRecord,
  sessionID: string,
  trigger: Trigger,
  verdict: Verdict,
  receivedAt: number,
  deps: RecoveryDeps,
  failure: FailureInput = {},
): Promise<Outcome> {
  const { port, settings, book } = deps;
  const base = { event: trigger, sessionID, rule: verdict.rule, kind: verdict.kind };
  const retryAt = failure.retry?.next;

  let messages = failure.known;
  if (!messages) {
    try {
      messages = await port.messages(sessionID);
    } catch (error) {
      note(deps, "error", { ...base, outcome: "read-failed", error: describeError(error) }, `session ${sessionID}: ${verdict.kind} error (rule ${verdict.rule}) but the session could not be read: ${describeError(error)}; the error is left as it is`);
      return "read-failed";
    }
  }
  const failed = lastOf(messages, "assistant");
  const lastUser = lastOf(messages, "user");
  const key = failed?.id ?? (lastUser ? `turn:${lastUser.id}` : `session:${sessionID}`);
  if (record.recovery.handled.has(key)) {
    note(deps, "debug", { ...base, outcome: "duplicate", messageID: key }, "already handled");
    return "duplicate";
  }
  // An announcement that arrived before the last continuation went out, but waited behind it in the
  // queue, is about the turn already recovered: the session now shows the continuation's turn.
  if (receivedAt < record.recovery.continuedAt) {
    note(deps, "debug", { ...base, outcome: "duplicate", messageID: key, stale: true }, "announced before the last continuation went out");
    return "duplicate";
  }
  // The turn itself is stored as aborted by the user (ESC): a late or duplicate announcement of the error
  // it had before must not revive it (found by test/fuzz-recoveries.test.ts). The plugin's own abort
  // leaves no error on the message (OpenCode 1.18.33), so this is never the plugin's doing.
  if (record.recovery.userAbortAt >= receivedAt || deps.classify(failed?.error, { now: receivedAt }).kind === "abort") {
    book.markHandled(record, key);
    note(deps, "info", { ...base, outcome: "aborted-by-user", messageID: key }, `session ${sessionID}: the user aborted; no recovery`);
    return "aborted-by-user";
  }
  const failedModel = modelOf(failed) ?? modelOf(lastUser);
  const decision = decideFallback(verdict, { trigger, providerID: failedModel?.providerID, retryAt, now: deps.clock() }, settings);
  if (!decision.fallback) {
    // A retry the policy leaves to OpenCode may still become a fallback when OpenCode gives up: not handled yet.
    if (trigger !== "retry") book.markHandled(record, key);
    note(deps, "debug", { ...base, outcome: "not-eligible", why: decision.why, model: modelText(failedModel) }, decision.why);
    return "not-eligible";
  }
  book.markHandled(record, key);
  if (failedModel) markFailed(failedModel, verdict, failure, receivedAt, deps, base);

  const agent = failed?.agent ?? failed?.mode ?? lastUser?.agent;
  if (!agent) {
    note(deps, "warn", { ...base, outcome: "no-agent" }, `session ${sessionID}: ${verdict.kind} error (rule ${verdict.rule}) but no agent is recorded for the failed turn; the error is left as it is`);
    return "no-agent";
  }
  const failedPool = failedModel ? failedPoolOf(failedModel, settings.pools, verdict.scope) : undefined;
  const resolution = await deps.resolve(agent, laneGuard(deps.shared.health, settings.pools, failedPool, deps.clock()));
  if (!resolution.ok && resolution.reason === "chain-exhausted" && resolution.passed && resolution.passed.length > 0) {
    return nothingLeft(record, sessionID, trigger, verdict, failedModel, resolution.passed, failure, deps);
  }
  if (record.recovery.count >= settings.attemptLimit) {
    const stopping = stopsTurn(trigger, verdict, settings);
    const message = `session ${sessionID}: ${modelText(failedModel)} failed (${verdict.kind}, rule ${verdict.rule}) but the fallback budget is spent (${record.recovery.count} of OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT=${settings.attemptLimit}); ${stopping ? "the turn is stopped instead of retrying a lane known to be out" : "the error is left as it is"}`;
    note(deps, "warn", { ...base, outcome: "budget-spent", recoveries: record.recovery.count, limit: settings.attemptLimit, stopped: stopping }, message);
    const toast = `${modelText(failedModel)}: ${verdict.kind}. No automatic fallback left for this session (limit ${settings.attemptLimit})${stopping ? "; the turn is stopped: send your message again later, or pick another model" : ""}.`;
    await quietly(() => port.toast({ title: "Session fallback", message: toast, variant: "error", duration: 10000 }));
    if (stopping) await stopTurn(record, sessionID, verdict, failedModel, failure, deps, toast);
    return "budget-spent";
  }
  if (!resolution.ok) {
    note(deps, "warn", { ...base, outcome: "unresolved", agent, reason: resolution.reason }, `session ${sessionID}: ${verdict.kind} error (rule ${verdict.rule}) on agent "${agent}", no fallback: ${resolution.message}; the error is left as it is`);
    return "unresolved";
  }
  // Never the lane that just failed: markFailed marked it cooling above, and the resolution's lane guard
  // passes over cooling lanes (a chain whose every lane is out ends in no-lane-left instead).
  const { target } = resolution;

  const plan = planRecovery({ target, verdict, switchAgent: settings.switchAgent, ...(failedModel ? { failedModel } : {}) });
  const deferred = deps.headless !== undefined && (await deps.headless.owns(sessionID));
  // At the end of a headless run, the continuation being followed failed in turn: the next one goes out now.
  const followed = deps.headless?.isFollowing(sessionID) ?? false;
  if (followed) deps.headless!.recovering(sessionID);
  record.recovery.count += 1;
  const decidedAt = deps.clock();

  // Mark the abort as ours before it starts: its MessageAbortedError must not read as a new failure.
  record.recovery.ownAbortUntil = Number.POSITIVE_INFINITY;
  // The continuation exists from now on: a parent whose task the abort cancels waits for it.
  const previous = record.recovery.continuation;
  const afterID = newestID(messages);
  record.recovery.continuation = pendingContinuation(afterID);
  record.recovery.lastContinuation = undefined;
  previous?.settle({ status: "superseded" });
  let abortError: string | undefined;
  try {
    await port.abort(sessionID);
  } catch (error) {
    abortError = describeError(error);
  } finally {
    record.recovery.ownAbortUntil = deps.clock() + OWN_ABORT_GRACE_MS;
  }
  const abortedAt = deps.clock();
  if (record.recovery.userAbortAt >= receivedAt) {
    note(deps, "info", { ...base, outcome: "aborted-by-user", agent, target: target.agent }, `session ${sessionID}: the user aborted during the recovery; nothing is sent`);
    finishContinuation(record, { status: "failed", error: "the user aborted" });
    if (followed) deps.headless!.gaveUp(sessionID, "the user aborted the turn", "the user aborted");
    return "aborted-by-user";
  }
  let sendError = "";
  const send = async (): Promise<Outcome> => {
    try {
      await port.promptAsync(sessionID, plan.body);
    } catch (error) {
      sendError = describeError(error);
      const message = `session ${sessionID}: could not continue on ${modelText(target.model)}: ${describeError(error)}${abortError ? ` (the abort failed too: ${abortError})` : ""}. The session keeps your message; send it again or pick another model.`;
      // Nothing was continued: the attempt does not count against the budget.
      record.recovery.count -= 1;
      note(deps, "error", { ...base, outcome: "prompt-failed", agent, target: target.agent, error: describeError(error) }, message);
      finishContinuation(record, { status: "failed", error: describeError(error) });
      await quietly(() => port.toast({ title: "Session fallback failed", message: redactSecrets(message), variant: "error", duration: 10000 }));
      if (followed) deps.headless!.gaveUp(sessionID, plan.toast.message, `the continuation could not be sent: ${redactSecrets(sendError)}`);
      return "prompt-failed";
    }
    if (followed) deps.headless!.continued(sessionID, afterID);
    const promptedAt = deps.clock();
    record.recovery.continuedAt = promptedAt;
    record.lane.sticky = { primary: record.lane.sticky?.primary ?? failedModel ?? target.model, target, since: promptedAt };
    note(
      deps,
      "info",
      {
        ...base,
        outcome: "recovered",
        agent,
        target: target.agent,
        from: modelText(failedModel),
        to: modelText(target.model),
        runAs: plan.body.agent,
        ...(target.skipped.length > 0 ? { skipped: target.skipped } : {}),
        recoveries: record.recovery.count,
        ...(abortError ? { abortError } : {}),
        ...(deferred ? { deferredToRunEnd: true } : {}),
        timings: { decideMs: decidedAt - receivedAt, abortMs: abortedAt - decidedAt, promptMs: promptedAt - abortedAt, totalMs: promptedAt - receivedAt },
      },
      `session ${sessionID}: ${plan.summary}${abortError ? `; the abort failed (${abortError})` : ""}`,
    );
    await quietly(() => port.toast(plan.toast));
    return "recovered";
  };
  if (!deferred) return send();
  // `opencode run` ends its loop at the abort's idle and disposes the instance: the continuation is sent
  // from the plugin's dispose, which OpenCode awaits (see headless-run.ts).
  deps.headless!.defer({
    sessionID,
    notice: plan.toast.message,
    send: async () => {
      const outcome = await send();
      return outcome === "recovered" ? { ok: true, afterID } : { ok: false, error: redactSecrets(sendError || outcome) };
    },
  });
  note(deps, "info", { ...base, outcome: "deferred", agent, target: target.agent, to: modelText(target.model) }, `session ${sessionID}: ${modelText(failedModel)} failed (${verdict.kind}); the headless run ended its wait at the abort, so the continuation on ${modelText(target.model)} is sent when the run closes`);
  return "recovered";
}

/**
 * Marks the failed lane as cooling, for as long as the provider said (its reset, its wait, or on the
 * retry path the wait OpenCode announced when it is not OpenCode's own backoff), else for the cooldown;
 * a quota whose end is only guessed is then looked up in the provider's usage windows.
 */
function markFailed(model: ModelRef, verdict: Verdict, failure: FailureInput, receivedAt: number, deps: RecoveryDeps, base: Record<string, unknown> & { event: string }): void {
  const health = deps.shared.health;
  const announced = failure.retry ? announcedRetryWaitMs(failure.retry, receivedAt) : undefined;
  const retryAfterMs = verdict.retryAfterMs ?? announced;
  const cause = { kind: verdict.kind, rule: verdict.rule, ...(verdict.resetAt !== undefined ? { resetAt: verdict.resetAt } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), ...(verdict.scope ? { scope: verdict.scope } : {}) };
  const entry = health.markCooling(model, cause, deps.clock(), deps.settings.cooldownMs);
  void deps.shared.persist();
  note(deps, "debug", { ...base, outcome: "lane-cooling", lane: entry.lane, until: entry.until, basis: entry.basis, strikes: entry.strikes }, `${entry.lane} is avoided until ${new Date(entry.until).toISOString()} (${entry.basis}${entry.strikes ? `, failure ${entry.strikes + 1} in a row` : ""})`);
  if (entry.basis === "cooldown" && verdict.kind === "quota" && deps.usageReset) void refineFromUsage(model, health, deps, base);
}

async function refineFromUsage(model: ModelRef, health: LaneHealth, deps: RecoveryDeps, base: Record<string, unknown> & { event: string }): Promise<void> {
  try {
    const until = await deps.usageReset!(model, deps.clock());
    if (until === undefined) return;
    const refined = health.refine(model, until, deps.clock());
    if (!refined) return;
    void deps.shared.persist();
    note(deps, "info", { ...base, outcome: "lane-usage-reset", lane: refined.lane, until: refined.until }, `${refined.lane}: its usage window is exhausted until ${new Date(refined.until).toISOString()}; it is avoided until then`);
  } catch (error) {
    note(deps, "debug", { ...base, outcome: "usage-reset-failed", error: describeError(error) }, `the usage window of ${model.providerID} could not be read: ${describeError(error)}`);
  }
}

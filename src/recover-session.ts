import type { DecisionLog } from "./debug-log";
import { decideFallback, mayFallBack, type Trigger } from "./fallback-policy";
import type { LogLevel, MessageInfo, OpencodePort } from "./opencode-port";
import { modelText, planRecovery } from "./plan-recovery";
import { redactSecrets } from "./redact";
import { poolOf, laneKey } from "./lane-health";
import { avoidReason } from "./lane-steering";
import type { SharedHealth } from "./shared-health";
import type { ChainGuard, ModelRef, Resolution } from "./resolve-fallback";
import type { RoutedEvent } from "./route-event";
import { pendingContinuation, type SessionBook, type SessionRecord } from "./session-state";
import { errorText, finishContinuation, settleContinuation } from "./continuation";
import { quietly, describeError } from "./best-effort";
import { lastOf, modelOf, newestID } from "./session-messages";
import type { Settings } from "./settings";
import type { ClassifyOptions, Verdict } from "./verdict";

/**
 * After the plugin's own abort returns, a `MessageAbortedError` arriving within this window is still
 * read as ours (OpenCode may publish it just after the abort call resolves).
 */
export const OWN_ABORT_GRACE_MS = 3000;

/** What the recovery needs from the outside world. Tests pass plain objects. */
export interface RecoveryDeps {
  readonly port: OpencodePort;
  readonly classify: (input: unknown, options?: ClassifyOptions) => Verdict;
  readonly resolve: (agent: string, guard?: ChainGuard) => Promise<Resolution>;
  readonly shared: SharedHealth;
  /** Called after a turn that ended well (the usage-pace router); outside the session's queue. */
  readonly afterTurn?: (sessionID: string, last: MessageInfo) => Promise<unknown>;
  readonly settings: Settings;
  readonly book: SessionBook;
  readonly decisions: DecisionLog;
  readonly clock: () => number;
}

/** The outcome of one handled event, for tests and the debug log. */
export type Outcome =
  | "ignored"
  | "own-abort"
  | "user-abort"
  | "not-eligible"
  | "duplicate"
  | "aborted-by-user"
  | "budget-spent"
  | "fallback-lane-failed"
  | "unresolved"
  | "no-agent"
  | "read-failed"
  | "prompt-failed"
  | "recovered"
  | "idle-ok"
  | "lane-served";

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
      if (receivedAt <= record.ownAbortUntil) {
        note(deps, "debug", { outcome: "own-abort", event: event.type, sessionID: event.sessionID }, "our own abort; not a new failure");
        return "own-abort";
      }
      record.userAbortAt = receivedAt;
      note(deps, "debug", { outcome: "user-abort", event: event.type, sessionID: event.sessionID }, "the user aborted the turn; no recovery");
      return "user-abort";
    }
    if (!mayFallBack(verdict)) {
      if (event.type === "error") {
        note(deps, "debug", { outcome: "not-eligible", event: event.type, sessionID: event.sessionID, verdict }, `${verdict.kind} error; left to OpenCode`);
      }
      return "not-eligible";
    }
    const retryAt = event.type === "retry" ? event.error.next : undefined;
    let outcome: Outcome = "ignored";
    await deps.book.run(event.sessionID, async (record) => {
      outcome = await recover(record, event.sessionID, event.type, verdict, receivedAt, deps, undefined, retryAt);
    });
    return outcome;
  } catch (error) {
    note(deps, "error", { outcome: "internal-error", event: event.type, sessionID: event.sessionID, error: describeError(error) }, `internal error while handling ${event.type}: ${describeError(error)}; the session is left as it is`);
    return "ignored";
  }
}

/**
 * The watchdog: when a session goes idle and its last assistant message ended with an error no recovery
 * ran for (some stream failures publish no `session.error`), recover then. A second idle check queued
 * behind one that has not started yet would read the same state, so it is dropped.
 */
async function checkIdle(sessionID: string, receivedAt: number, deps: RecoveryDeps): Promise<Outcome> {
  const record = deps.book.get(sessionID);
  if (record.idleCheckQueued) return "duplicate";
  record.idleCheckQueued = true;
  let outcome: Outcome = "idle-ok";
  let answered: MessageInfo | undefined;
  await deps.book.run(sessionID, async (rec) => {
    rec.idleCheckQueued = false;
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
    if (failed && (failed.error === undefined || failed.error === null)) {
      if (failed.time?.completed) answered = failed;
      // A lane that answered is serving again, whatever its cooldown said.
      const served = modelOf(failed);
      if (served && failed.time?.completed && deps.shared.health.clear(served, receivedAt)) {
        void deps.shared.persist();
        note(deps, "info", { outcome: "lane-served", event: "idle", sessionID, lane: laneKey(served) }, `${laneKey(served)} answered in session ${sessionID}: it is no longer avoided`);
        outcome = "lane-served";
      }
      return;
    }
    if (!failed || rec.handled.has(failed.id)) return;
    const verdict = deps.classify(failed.error, { now: receivedAt });
    if (!mayFallBack(verdict)) {
      finishContinuation(rec, { status: "failed", error: errorText(failed.error) });
      return;
    }
    outcome = await recover(rec, sessionID, "idle", verdict, receivedAt, deps, messages);
    // No new continuation was sent for this failure: whoever waits on the old one learns it failed.
    if (outcome !== "recovered") finishContinuation(rec, { status: "failed", error: errorText(failed.error) });
  });
  if (answered && deps.afterTurn) await deps.afterTurn(sessionID, answered);
  return outcome;
}




async function recover(
  record: SessionRecord,
  sessionID: string,
  trigger: Trigger,
  verdict: Verdict,
  receivedAt: number,
  deps: RecoveryDeps,
  known?: readonly MessageInfo[],
  retryAt?: number,
): Promise<Outcome> {
  const { port, settings, book } = deps;
  const base = { event: trigger, sessionID, rule: verdict.rule, kind: verdict.kind };

  let messages = known;
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
  if (record.handled.has(key)) {
    note(deps, "debug", { ...base, outcome: "duplicate", messageID: key }, "already handled");
    return "duplicate";
  }
  // An announcement that arrived before the last continuation went out, but waited behind it in the
  // queue, is about the turn already recovered: the session now shows the continuation's turn.
  if (receivedAt < record.continuedAt) {
    note(deps, "debug", { ...base, outcome: "duplicate", messageID: key, stale: true }, "announced before the last continuation went out");
    return "duplicate";
  }
  if (record.userAbortAt >= receivedAt) {
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
  if (failedModel) {
    const cooling = deps.shared.health.markCooling(failedModel, verdict, deps.clock(), settings.cooldownMs);
    void deps.shared.persist();
    note(deps, "debug", { ...base, outcome: "lane-cooling", lane: cooling.lane, until: cooling.until }, `${cooling.lane} is avoided until ${new Date(cooling.until).toISOString()}`);
  }

  if (record.recoveries >= settings.attemptLimit) {
    const message = `session ${sessionID}: ${modelText(failedModel)} failed (${verdict.kind}, rule ${verdict.rule}) but the fallback budget is spent (${record.recoveries} of OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT=${settings.attemptLimit}); the error is left as it is`;
    note(deps, "warn", { ...base, outcome: "budget-spent", recoveries: record.recoveries, limit: settings.attemptLimit }, message);
    await quietly(() => port.toast({ title: "Session fallback", message: `${modelText(failedModel)}: ${verdict.kind}. No automatic fallback left for this session (limit ${settings.attemptLimit}).`, variant: "error", duration: 8000 }));
    return "budget-spent";
  }

  const agent = failed?.agent ?? failed?.mode ?? lastUser?.agent;
  if (!agent) {
    note(deps, "warn", { ...base, outcome: "no-agent" }, `session ${sessionID}: ${verdict.kind} error (rule ${verdict.rule}) but no agent is recorded for the failed turn; the error is left as it is`);
    return "no-agent";
  }
  const failedPool = failedModel ? poolOf(failedModel, settings.pools) : undefined;
  const resolution = await deps.resolve(agent, {
    avoid: (model) => (failedPool ? avoidReason(model, failedPool, { health: deps.shared.health, settings }, deps.clock()) : undefined),
  });
  if (!resolution.ok) {
    note(deps, "warn", { ...base, outcome: "unresolved", agent, reason: resolution.reason }, `session ${sessionID}: ${verdict.kind} error (rule ${verdict.rule}) on agent "${agent}", no fallback: ${resolution.message}; the error is left as it is`);
    return "unresolved";
  }
  const { target } = resolution;
  if (failedModel && failedModel.providerID === target.model.providerID && failedModel.modelID === target.model.modelID) {
    note(deps, "warn", { ...base, outcome: "fallback-lane-failed", agent, target: target.agent }, `session ${sessionID}: the fallback lane ${modelText(target.model)} itself failed (${verdict.kind}, rule ${verdict.rule}); the error is left as it is`);
    return "fallback-lane-failed";
  }

  const plan = planRecovery({ target, verdict, switchAgent: settings.switchAgent, ...(failedModel ? { failedModel } : {}) });
  record.recoveries += 1;
  const decidedAt = deps.clock();

  // Mark the abort as ours before it starts: its MessageAbortedError must not read as a new failure.
  record.ownAbortUntil = Number.POSITIVE_INFINITY;
  // The continuation exists from now on: a parent whose task the abort cancels waits for it.
  const previous = record.continuation;
  record.continuation = pendingContinuation(newestID(messages));
  record.lastContinuation = undefined;
  previous?.settle({ status: "superseded" });
  let abortError: string | undefined;
  try {
    await port.abort(sessionID);
  } catch (error) {
    abortError = describeError(error);
  } finally {
    record.ownAbortUntil = deps.clock() + OWN_ABORT_GRACE_MS;
  }
  const abortedAt = deps.clock();
  if (record.userAbortAt >= receivedAt) {
    note(deps, "info", { ...base, outcome: "aborted-by-user", agent, target: target.agent }, `session ${sessionID}: the user aborted during the recovery; nothing is sent`);
    finishContinuation(record, { status: "failed", error: "the user aborted" });
    return "aborted-by-user";
  }
  try {
    await port.promptAsync(sessionID, plan.body);
  } catch (error) {
    const message = `session ${sessionID}: could not continue on ${modelText(target.model)}: ${describeError(error)}${abortError ? ` (the abort failed too: ${abortError})` : ""}. The session keeps your message; send it again or pick another model.`;
    note(deps, "error", { ...base, outcome: "prompt-failed", agent, target: target.agent, error: describeError(error) }, message);
    finishContinuation(record, { status: "failed", error: describeError(error) });
    await quietly(() => port.toast({ title: "Session fallback failed", message, variant: "error", duration: 10000 }));
    return "prompt-failed";
  }
  const promptedAt = deps.clock();
  record.continuedAt = promptedAt;
  record.lane = { primary: record.lane?.primary ?? failedModel ?? target.model, target, since: promptedAt };
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
      recoveries: record.recoveries,
      ...(abortError ? { abortError } : {}),
      timings: { decideMs: decidedAt - receivedAt, abortMs: abortedAt - decidedAt, promptMs: promptedAt - abortedAt, totalMs: promptedAt - receivedAt },
    },
    `session ${sessionID}: ${plan.summary}${abortError ? `; the abort failed (${abortError})` : ""}`,
  );
  await quietly(() => port.toast(plan.toast));
  return "recovered";
}




/** Writes a decision to the debug log and, above debug level, to OpenCode's log. Never throws. */
function note(deps: RecoveryDeps, level: LogLevel, record: { outcome: string; event: string; [key: string]: unknown }, message: string): void {
  try {
    deps.decisions.write({ level, message, ...record });
    if (level !== "debug") void quietly(() => deps.port.log(level, redactSecrets(message), { outcome: record.outcome }));
  } catch {
    // Logging must never be the reason a recovery stops.
  }
}




import type { DecisionLog } from "./debug-log";
import { decideFallback, type Trigger } from "./fallback-policy";
import type { LogLevel, MessageInfo, OpencodePort } from "./opencode-port";
import { modelText, planRecovery } from "./plan-recovery";
import { redactSecrets } from "./redact";
import { failedPoolOf } from "./lane-health";
import { laneGuard } from "./lane-guard";
import type { SharedHealth } from "./shared-health";
import type { ChainGuard, Resolution } from "./resolve-fallback";
import { pendingContinuation, type SessionBook, type SessionRecord } from "./session-state";
import { finishContinuation } from "./continuation";
import { quietly, describeError } from "./best-effort";
import { lastOf, modelOf, newestID } from "./session-messages";
import type { Settings } from "./settings";
import type { HeadlessRun } from "./headless-run";
import type { ClassifyOptions, Verdict } from "./verdict";

/*
 * One recovery: given a failure of a session and its verdict, decide, resolve the fallback lane, abort
 * the failed turn and continue the same session there. The event routing that leads here is in
 * recover-session.ts.
 */

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
  /** Set when the plugin runs inside `opencode run`: the run's own session continues when the run closes. */
  readonly headless?: HeadlessRun;
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

/** Recovers one failure of a session, run inside that session's queue. Never rejects. */
export async function recover(
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
  const failedPool = failedModel ? failedPoolOf(failedModel, settings.pools, verdict.scope) : undefined;
  const resolution = await deps.resolve(agent, laneGuard(deps.shared.health, settings.pools, failedPool, deps.clock()));
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
  const deferred = deps.headless !== undefined && (await deps.headless.owns(sessionID));
  record.recoveries += 1;
  const decidedAt = deps.clock();

  // Mark the abort as ours before it starts: its MessageAbortedError must not read as a new failure.
  record.ownAbortUntil = Number.POSITIVE_INFINITY;
  // The continuation exists from now on: a parent whose task the abort cancels waits for it.
  const previous = record.continuation;
  const afterID = newestID(messages);
  record.continuation = pendingContinuation(afterID);
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
  let sendError = "";
  const send = async (): Promise<Outcome> => {
    try {
      await port.promptAsync(sessionID, plan.body);
    } catch (error) {
      sendError = describeError(error);
      const message = `session ${sessionID}: could not continue on ${modelText(target.model)}: ${describeError(error)}${abortError ? ` (the abort failed too: ${abortError})` : ""}. The session keeps your message; send it again or pick another model.`;
      // Nothing was continued: the attempt does not count against the budget.
      record.recoveries -= 1;
      note(deps, "error", { ...base, outcome: "prompt-failed", agent, target: target.agent, error: describeError(error) }, message);
      finishContinuation(record, { status: "failed", error: describeError(error) });
      await quietly(() => port.toast({ title: "Session fallback failed", message: redactSecrets(message), variant: "error", duration: 10000 }));
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

/** Writes a decision to the debug log and, above debug level, to OpenCode's log. Never throws. */
export function note(deps: RecoveryDeps, level: LogLevel, record: { outcome: string; event: string; [key: string]: unknown }, message: string): void {
  try {
    deps.decisions.write({ level, message, ...record });
    if (level !== "debug") void quietly(() => deps.port.log(level, redactSecrets(message), { outcome: record.outcome }));
  } catch {
    // Logging must never be the reason a recovery stops.
  }
}




import type { ChainGuard, Resolution } from "../agents/resolve-fallback";
import type { ClassifyOptions, Verdict } from "../classify/verdict";
import type { HeadlessRun } from "../host/headless-run";
import type { ModelRef } from "../host/model-ref";
import type { LogLevel, MessageInfo, OpencodePort } from "../host/opencode-port";
import type { RetryStatus } from "../host/route-event";
import type { SharedHealth } from "../lanes/shared-health";
import type { SessionBook } from "../sessions/session-state";
import type { Settings } from "../settings/settings";
import { quietly } from "../support/best-effort";
import type { DecisionLog } from "../support/debug-log";
import { redactSecrets } from "../support/redact";

/* What one recovery needs from the rest of the plugin, what it reports, and how it notes a decision. */

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
  /**
   * The reset of the failed provider's exhausted usage window (Anthropic, Codex), when a usage source
   * covers it: a lane whose end the plugin only guessed cools until then. Asked after the recovery.
   */
  readonly usageReset?: (model: ModelRef, now: number) => Promise<number | undefined>;
}

/** What is known of the failure besides its verdict. */
export interface FailureInput {
  /** The session's messages, when the caller has read them. */
  readonly known?: readonly MessageInfo[];
  /** The retry status, for the retry trigger. */
  readonly retry?: RetryStatus;
  /** The provider's message, for the user when no lane is left (redacted here). */
  readonly errorText?: string;
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
  | "no-lane-left"
  | "unresolved"
  | "no-agent"
  | "read-failed"
  | "prompt-failed"
  | "recovered"
  | "idle-ok"
  | "lane-served";

/** Writes a decision to the debug log and, above debug level, to OpenCode's log. Never throws. */
export function note(deps: RecoveryDeps, level: LogLevel, record: { outcome: string; event: string; [key: string]: unknown }, message: string): void {
  try {
    deps.decisions.write({ level, message, ...record });
    if (level !== "debug") void quietly(() => deps.port.log(level, redactSecrets(message), { outcome: record.outcome }));
  } catch {
    // Logging must never be the reason a recovery stops.
  }
}

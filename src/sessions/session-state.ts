import type { FallbackTarget } from "../agents/resolve-fallback";
import type { ModelRef } from "../host/model-ref";

/** A session's sticky lane: while `primary` cools, its turns run on `target`. */
export interface StickyLane {
  /** The lane the session's agent runs on when all is well. */
  readonly primary: ModelRef;
  /** Where its turns go meanwhile. */
  readonly target: FallbackTarget;
  /** Epoch ms the session moved. */
  readonly since: number;
  /** Why: the primary failed (`fallback`, held while it cools) or is over its usage pace (`pace`, held until `holdUntil`). */
  readonly reason?: "fallback" | "pace";
  /** For `pace`: the epoch ms the over-pace window resets; the session goes back then. */
  readonly holdUntil?: number;
}

/** How the plugin's continuation of a session ended: answered, failed, or replaced by a later continuation. */
export type ContinuationResult =
  | { readonly status: "answered"; readonly text: string }
  | { readonly status: "failed"; readonly error: string }
  | { readonly status: "superseded" };

/** A continuation prompt the plugin sent, until its turn ends. */
export interface Continuation {
  /**
   * The newest message ID of the session when the continuation was sent. OpenCode's message IDs
   * ascend, so the continuation's answer is an assistant message with a greater ID.
   */
  readonly afterID: string;
  readonly done: Promise<ContinuationResult>;
  readonly settle: (result: ContinuationResult) => void;
}

/** Creates a pending continuation. */
export function pendingContinuation(afterID: string): Continuation {
  let settle!: (result: ContinuationResult) => void;
  const done = new Promise<ContinuationResult>((resolve) => {
    settle = resolve;
  });
  return { afterID, done, settle };
}

/** What the recovery stage (recovery/) keeps of a session: its budget, what it dealt with, its continuation. */
export interface RecoveryRecord {
  /**
   * Automatic recoveries started for this session (the budget, OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT).
   * Lane steering gives the budget back (0) when the session goes back to its primary lane.
   */
  count: number;
  /** Failed assistant messages already dealt with (recovered from, or deliberately left). */
  readonly handled: Set<string>;
  /** Until this epoch ms, a `MessageAbortedError` in this session is the plugin's own abort. */
  ownAbortUntil: number;
  /** Set when the user aborted a turn; a recovery under way for an earlier event then sends nothing. */
  userAbortAt: number;
  /** An idle check is queued and has not started: a second one would read the same state. */
  idleCheckQueued: boolean;
  /** A second look at a continuation that showed no message yet is scheduled. */
  idleRecheck: boolean;
  /** The plugin's latest continuation of this session, while its turn runs (a parent's task waits on it). */
  continuation: Continuation | undefined;
  /** How the last continuation ended, for a parent that looks after the child has finished. */
  lastContinuation: ContinuationResult | undefined;
  /** Epoch ms the plugin's last continuation prompt was accepted: announcements received earlier are stale. */
  continuedAt: number;
}

/**
 * Which lane the session's turns run on (written by recovery/ and pace/ when they move it, read and
 * cleared by lanes/lane-steering when its primary may serve again).
 */
export interface LaneRecord {
  /** Set while the session runs on a fallback (or pace) lane. */
  sticky: StickyLane | undefined;
}

/** What the usage-pace router (pace/) keeps of a session. */
export interface PaceRecord {
  /** The last assistant message the router looked at (idles repeat). */
  lastMessageID: string | undefined;
  /**
   * Turns left before the router may move a session whose user picked a model by hand (set by lane
   * steering when the user leaves a fallback lane by picking a model).
   */
  manualTurnsLeft: number;
  /** Epoch ms of the last automatic pace switch of this session. */
  lastSwitchAt: number;
}

/**
 * What the plugin remembers of one session: one small record per stage, in one map. The work queue and
 * the eviction order belong to the {@link SessionBook} itself and are not part of the record.
 */
export interface SessionRecord {
  readonly recovery: RecoveryRecord;
  readonly lane: LaneRecord;
  readonly pace: PaceRecord;
}

/** A fresh record: nothing recovered, on the agent's own lane, never paced. */
function newRecord(): SessionRecord {
  return {
    recovery: { count: 0, handled: new Set(), ownAbortUntil: 0, userAbortAt: 0, idleCheckQueued: false, idleRecheck: false, continuation: undefined, lastContinuation: undefined, continuedAt: 0 },
    lane: { sticky: undefined },
    pace: { lastMessageID: undefined, manualTurnsLeft: 0, lastSwitchAt: 0 },
  };
}

/** The book's own entry: a record and the tail of the session's work queue. The map's order is the eviction order. */
interface Entry {
  readonly record: SessionRecord;
  /** Tail of this session's work queue: handlers for one session run one after the other. */
  queue: Promise<void>;
}

/** At most this many sessions are remembered; the least recently touched go first. */
export const MAX_SESSIONS = 5000;
/** At most this many handled message IDs per session. */
const MAX_HANDLED = 64;

/**
 * Per-session state and per-session serialization. Event handlers for one session interleave (OpenCode
 * calls the hook without awaiting it), so every piece of work for a session is queued behind the
 * previous one with {@link SessionBook.run}; work for different sessions runs side by side.
 */
export class SessionBook {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxSessions = MAX_SESSIONS) {}

  /** The record of a session, created on first use. */
  get(sessionID: string): SessionRecord {
    return this.entry(sessionID).record;
  }

  /** The record of a session, if the plugin has one (never creates one). */
  find(sessionID: string): SessionRecord | undefined {
    return this.entries.get(sessionID)?.record;
  }

  /** Number of sessions remembered. */
  get size(): number {
    return this.entries.size;
  }

  /** Marks a failed assistant message as dealt with. */
  markHandled(record: SessionRecord, messageID: string): void {
    const { handled } = record.recovery;
    handled.add(messageID);
    if (handled.size > MAX_HANDLED) handled.delete(handled.values().next().value as string);
  }

  /**
   * Told of every error a piece of work throws, with the session and the step (the plugin logs it once);
   * the queue goes on with the session's next work.
   */
  onWorkError: (sessionID: string, step: string, error: unknown) => void = () => {};

  /**
   * Runs `work` after every earlier piece of work of the same session. `work` should not throw (the
   * plugin's handlers catch their own errors); one that does is reported to {@link onWorkError} with
   * `step`, and the queue never jams.
   */
  run(sessionID: string, work: (record: SessionRecord) => Promise<void>, step = "handling an event"): Promise<void> {
    const entry = this.entry(sessionID);
    const next = entry.queue
      .then(() => work(entry.record))
      .catch((error: unknown) => {
        try {
          this.onWorkError(sessionID, step, error);
        } catch {
          // A reporter that throws must not jam the queue either.
        }
      });
    entry.queue = next;
    return next;
  }

  /** Resolves once every piece of work queued so far, of every session, has ended. */
  drain(): Promise<void> {
    return Promise.all([...this.entries.values()].map((entry) => entry.queue)).then(() => undefined);
  }

  /** Forgets everything (plugin disposal). */
  clear(): void {
    this.entries.clear();
  }

  /** The entry of a session, created on first use and moved to the back of the eviction order (least recently used first). */
  private entry(sessionID: string): Entry {
    let entry = this.entries.get(sessionID);
    if (entry) {
      // Re-insert so the map's order is least recently used first.
      this.entries.delete(sessionID);
    } else {
      entry = { record: newRecord(), queue: Promise.resolve() };
      if (this.entries.size >= this.maxSessions) this.evictOne();
    }
    this.entries.set(sessionID, entry);
    return entry;
  }

  private evictOne(): void {
    for (const [id, { record }] of this.entries) {
      // A session with work in flight is kept; only settled ones are evicted.
      if (!record.recovery.idleCheckQueued && !record.recovery.continuation) {
        this.entries.delete(id);
        return;
      }
    }
    const first = this.entries.keys().next().value;
    if (first !== undefined) this.entries.delete(first);
  }
}

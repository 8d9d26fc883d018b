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

/** What the plugin remembers of one session. One record type, in one map. */
export interface SessionRecord {
  /** Tail of this session's work queue: handlers for one session run one after the other. */
  queue: Promise<void>;
  /** Automatic recoveries started for this session. */
  recoveries: number;
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
  /** Set while the session runs on a fallback lane. */
  lane: StickyLane | undefined;
  /** Epoch ms the plugin's last continuation prompt was accepted: announcements received earlier are stale. */
  continuedAt: number;
  /** The last assistant message the pace router looked at (idles repeat). */
  lastPacedMessageID: string | undefined;
  /** Turns left before the pace router may move a session whose user picked a model by hand. */
  paceManualTurnsLeft: number;
  /** Epoch ms of the last automatic pace switch of this session. */
  lastPaceSwitchAt: number;
  /** Last time anything touched this record, for eviction. */
  touchedAt: number;
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
  private readonly records = new Map<string, SessionRecord>();

  constructor(private readonly clock: () => number = Date.now, private readonly maxSessions = MAX_SESSIONS) {}

  /** The record of a session, created on first use. */
  get(sessionID: string): SessionRecord {
    let record = this.records.get(sessionID);
    if (record) {
      // Re-insert so the map's order is least recently used first.
      this.records.delete(sessionID);
    } else {
      record = { queue: Promise.resolve(), recoveries: 0, handled: new Set(), ownAbortUntil: 0, userAbortAt: 0, idleCheckQueued: false, idleRecheck: false, continuation: undefined, lastContinuation: undefined, lane: undefined, continuedAt: 0, lastPacedMessageID: undefined, paceManualTurnsLeft: 0, lastPaceSwitchAt: 0, touchedAt: 0 };
      if (this.records.size >= this.maxSessions) this.evictOne();
    }
    record.touchedAt = this.clock();
    this.records.set(sessionID, record);
    return record;
  }

  /** The record of a session, if the plugin has one (never creates one). */
  find(sessionID: string): SessionRecord | undefined {
    return this.records.get(sessionID);
  }

  /** Number of sessions remembered. */
  get size(): number {
    return this.records.size;
  }

  /** Marks a failed assistant message as dealt with. */
  markHandled(record: SessionRecord, messageID: string): void {
    record.handled.add(messageID);
    if (record.handled.size > MAX_HANDLED) record.handled.delete(record.handled.values().next().value as string);
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
    const record = this.get(sessionID);
    const next = record.queue
      .then(() => work(record))
      .catch((error: unknown) => {
        try {
          this.onWorkError(sessionID, step, error);
        } catch {
          // A reporter that throws must not jam the queue either.
        }
      });
    record.queue = next;
    return next;
  }

  /** Resolves once every piece of work queued so far, of every session, has ended. */
  drain(): Promise<void> {
    return Promise.all([...this.records.values()].map((record) => record.queue)).then(() => undefined);
  }

  /** Forgets everything (plugin disposal). */
  clear(): void {
    this.records.clear();
  }

  private evictOne(): void {
    for (const [id, record] of this.records) {
      // A session with work in flight is kept; only settled ones are evicted.
      if (!record.idleCheckQueued && !record.continuation) {
        this.records.delete(id);
        return;
      }
    }
    const first = this.records.keys().next().value;
    if (first !== undefined) this.records.delete(first);
  }
}

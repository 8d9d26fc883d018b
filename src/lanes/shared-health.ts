import { statSync } from "node:fs";
import { LaneHealth } from "./lane-health";
import { refusedWarning, type LaneStore, type StateRead } from "./lane-store";

/**
 * Lane health shared by every session of the process and, through the state file, by every OpenCode
 * process of the user and across restarts. Loaded at init; re-read when the file changed (another
 * process found a lane out); written after every change, merged with what is on disk under the file's
 * lock, so no process's update is lost and a lane one process saw serving is not written back by another.
 * A corrupt, foreign or unwritable file, or entries out of range, are reported once and never stop a
 * recovery.
 */
export class SharedHealth {
  readonly health: LaneHealth;
  private writing: Promise<void> = Promise.resolve();
  /** The write queued and not started yet, which a new change can still join. */
  private queued: Promise<void> | undefined;
  private lastSeenMtime = -1;
  private readonly reported = new Set<string>();

  constructor(
    private readonly store: LaneStore,
    private readonly warn: (message: string) => void,
    private readonly clock: () => number,
  ) {
    const initial = store.read(clock());
    this.take(initial);
    this.health = new LaneHealth(initial.ok ? initial : {});
    this.lastSeenMtime = this.mtime();
  }

  /** Takes in what another process wrote since the last look. Cheap: one `stat` when nothing changed. */
  refresh(): void {
    const mtime = this.mtime();
    if (mtime === this.lastSeenMtime) return;
    this.lastSeenMtime = mtime;
    this.absorb(this.store.read(this.clock()));
  }

  /**
   * Writes the current health (merged with the file) after any pending write. Never rejects. Calls made
   * while a write waits its turn share that write (it snapshots the health when it starts): 500 sessions
   * failing at once make two or three locked writes, not 500 in a row.
   */
  persist(): Promise<void> {
    if (this.queued) return this.queued;
    const write = this.writing
      .then(async () => {
        // From here on, a change needs a write of its own: this one's snapshot may miss it.
        this.queued = undefined;
        const now = this.clock();
        await this.store.update((disk) => {
          this.absorb(disk);
          return this.health.snapshot(now);
        }, now);
        this.lastSeenMtime = this.mtime();
      })
      .catch((error: unknown) => this.report("write", error instanceof Error ? error.message : String(error)));
    this.queued = write;
    this.writing = write;
    return write;
  }

  /** Resolves once every write asked for so far has ended (the process may exit after it). */
  settled(): Promise<void> {
    return this.writing;
  }

  /** Merges what a read found, and reports what is wrong with it. */
  private absorb(read: StateRead): void {
    this.take(read);
    if (read.ok) this.health.merge(read);
  }

  /** Reports what is wrong with a read, once per kind of wrong. */
  private take(read: StateRead): void {
    if (!read.ok && read.reason !== "missing") this.report(read.reason, read.message);
    const refused = refusedWarning(this.store.file, read);
    if (refused) this.report("range", refused);
  }

  private mtime(): number {
    try {
      return statSync(this.store.file).mtimeMs;
    } catch {
      return 0;
    }
  }

  private report(key: string, message: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.warn(`${message}${key === "write" ? "; lane health stays in memory for this run" : ""}`);
  }
}

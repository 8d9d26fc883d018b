import { statSync } from "node:fs";
import { LaneHealth } from "./lane-health";
import type { LaneStore } from "./lane-store";

/**
 * Lane health shared by every session of the process and, through the state file, by every OpenCode
 * process of the user and across restarts. Loaded at init; re-read when the file changed (another
 * process found a lane out); written after every change, merged with what is on disk. A corrupt,
 * foreign or unwritable file is reported once and never stops a recovery.
 */
export class SharedHealth {
  readonly health: LaneHealth;
  private writing: Promise<void> = Promise.resolve();
  private lastSeenMtime = -1;
  private readonly reported = new Set<string>();

  constructor(
    private readonly store: LaneStore,
    private readonly warn: (message: string) => void,
    private readonly clock: () => number,
  ) {
    const initial = store.read();
    if (!initial.ok && initial.reason !== "missing") this.report(initial.reason, initial.message);
    this.health = new LaneHealth(initial.ok ? { lanes: initial.lanes } : {});
    this.lastSeenMtime = this.mtime();
  }

  /** Takes in what another process wrote since the last look. Cheap: one `stat` when nothing changed. */
  refresh(): void {
    const mtime = this.mtime();
    if (mtime === this.lastSeenMtime) return;
    this.lastSeenMtime = mtime;
    const read = this.store.read();
    if (read.ok) this.health.merge({ lanes: read.lanes });
    else if (read.reason !== "missing") this.report(read.reason, read.message);
  }

  /** Writes the current health (merged with the file) after any pending write. Never rejects. */
  persist(): Promise<void> {
    this.writing = this.writing
      .then(async () => {
        const now = this.clock();
        const disk = this.store.read();
        if (disk.ok) this.health.merge({ lanes: disk.lanes });
        await this.store.write(this.health.snapshot(now).lanes, now);
        this.lastSeenMtime = this.mtime();
      })
      .catch((error: unknown) => this.report("write", error instanceof Error ? error.message : String(error)));
    return this.writing;
  }

  /** Resolves once every write asked for so far has ended (the process may exit after it). */
  settled(): Promise<void> {
    return this.writing;
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

import { readFileSync, promises as fsp } from "node:fs";
import { ownedFolder } from "../support/safe-files";
import * as path from "node:path";
import lockfile from "proper-lockfile";
import { z } from "zod";
import { MAX_COOLING_MS, type CoolingLane, type LaneSnapshot, type ServedLane } from "./lane-health";
import { isoOrNever } from "../support/format";

/** Marks the file as ours: a file without it is foreign and left alone. */
export const STATE_FORMAT = "opencode-session-fallback/lanes";
export const STATE_VERSION = 1;

const MAX_ENTRIES = 1000;

const envelopeSchema = z.object({
  format: z.literal(STATE_FORMAT),
  version: z.literal(STATE_VERSION),
  updatedAt: z.number(),
  lanes: z.array(z.unknown()).max(MAX_ENTRIES),
  /** Lanes seen serving (added in 0.3; a file without it has none). Readers of 0.2 ignore it. */
  served: z.array(z.unknown()).max(MAX_ENTRIES).optional(),
});

const laneSchema = z.object({
  lane: z.string().min(3).max(400),
  until: z.number().finite(),
  since: z.number().finite(),
  kind: z.enum(["quota", "auth-pool", "auth", "rate-limit", "overload", "context", "abort", "unknown"]),
  rule: z.string().max(200),
  strikes: z.number().int().min(0).max(64).optional(),
  basis: z.enum(["reset", "wait", "usage", "cooldown"]).optional(),
  scope: z.literal("account").optional(),
});

const servedSchema = z.object({ lane: z.string().min(3).max(400), at: z.number().finite() });

/** A clock of another process may run a little ahead: times up to this far in the future are believed. */
export const CLOCK_SKEW_MS = 24 * 3_600_000;

/** What a read of the state file gave: the lanes, or why none were taken. */
export type StateRead =
  | {
      readonly ok: true;
      readonly lanes: readonly CoolingLane[];
      readonly served: readonly ServedLane[];
      /** One line per entry refused (out of range, or not an entry), naming it and why. */
      readonly refused: readonly string[];
    }
  | { readonly ok: false; readonly reason: "missing" | "unreadable" | "corrupt" | "foreign"; readonly message: string };

/**
 * Why a lane entry read at `now` cannot be believed, or undefined when it can: a lane is never out for
 * more than {@link MAX_COOLING_MS}, and no failure is seen in the future.
 */
export function laneOutOfRange(entry: CoolingLane, now: number): string | undefined {
  if (entry.since > now + CLOCK_SKEW_MS) return `its failure is dated ${isoOrNever(entry.since)}, in the future`;
  if (entry.until < entry.since) return `it ends (${isoOrNever(entry.until)}) before it began (${isoOrNever(entry.since)})`;
  if (entry.until > now + MAX_COOLING_MS + CLOCK_SKEW_MS) return `it is out until ${isoOrNever(entry.until)}, more than 35 days ahead`;
  return undefined;
}

/** Parses the state file's text read at `now`. Total: a corrupt or foreign text is a reason, never an exception. */
export function parseState(text: string, file: string, now: number): StateRead {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: "corrupt", message: `lane state ${file} is not JSON (${error instanceof Error ? error.message : String(error)}); it is ignored and will be rewritten` };
  }
  if (typeof json !== "object" || json === null || (json as { format?: unknown }).format !== STATE_FORMAT) {
    return { ok: false, reason: "foreign", message: `lane state ${file} is not a ${STATE_FORMAT} file; it is ignored and left untouched` };
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: "corrupt", message: `lane state ${file} is invalid at ${issue?.path.join(".") || "top level"} (${issue?.message}); it is ignored and will be rewritten` };
  }
  // Entry by entry: one bad entry is refused, the others stay.
  const refused: string[] = [];
  const lanes: CoolingLane[] = [];
  parsed.data.lanes.forEach((raw, i) => {
    const entry = laneSchema.safeParse(raw);
    const name = describeEntry(raw, i);
    if (!entry.success) {
      const issue = entry.error.issues[0];
      refused.push(`${name}: ${issue?.path.join(".") || "entry"} ${issue?.message}`);
      return;
    }
    const wrong = laneOutOfRange(entry.data, now);
    if (wrong) refused.push(`${name}: ${wrong}`);
    else lanes.push(entry.data);
  });
  const served: ServedLane[] = [];
  (parsed.data.served ?? []).forEach((raw, i) => {
    const entry = servedSchema.safeParse(raw);
    if (entry.success && entry.data.at <= now + CLOCK_SKEW_MS) served.push(entry.data);
    else refused.push(`served ${describeEntry(raw, i)}: ${entry.success ? `dated ${isoOrNever(entry.data.at)}, in the future` : "not a lane and a time"}`);
  });
  return { ok: true, lanes, served, refused };
}

function describeEntry(raw: unknown, index: number): string {
  const lane = typeof raw === "object" && raw !== null ? (raw as { lane?: unknown }).lane : undefined;
  return typeof lane === "string" ? `entry ${index} (${JSON.stringify(lane.slice(0, 80))})` : `entry ${index}`;
}

/** The one warning for the entries of `read` that were refused, or undefined when none was. */
export function refusedWarning(file: string, read: StateRead): string | undefined {
  if (!read.ok || read.refused.length === 0) return undefined;
  const shown = read.refused.slice(0, 3).join("; ");
  const more = read.refused.length > 3 ? `; and ${read.refused.length - 3} more` : "";
  return `lane state ${file}: ${read.refused.length} entr${read.refused.length === 1 ? "y is" : "ies are"} out of range and ignored (${shown}${more}); the rest is used, and the file is rewritten without them`;
}

/** Reads the state file synchronously (plugin init, `status`: a few KB). Never throws. */
export function readStateSync(file: string, now: number): StateRead {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { ok: false, reason: "missing", message: `no lane state at ${file} yet` };
    return { ok: false, reason: "unreadable", message: `lane state ${file} cannot be read (${error instanceof Error ? error.message : String(error)}); lanes start healthy` };
  }
  return parseState(text, file, now);
}

/** The state file's text for `snapshot`. */
export function serializeState(snapshot: LaneSnapshot, now: number): string {
  return `${JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, updatedAt: now, lanes: snapshot.lanes, served: snapshot.served }, null, 2)}\n`;
}

/** The lane state on disk, shared by every OpenCode process of the user. */
export interface LaneStore {
  /** What is on disk at `now` (no lock: the file is replaced whole, so a read never sees half of it). */
  read(now: number): StateRead;
  /**
   * Read, merge, write, under the file's lock: `merge` gets what is on disk and returns what to write.
   * No other process writes in between, so no update is lost. Rejects with a message naming the file.
   */
  update(merge: (disk: StateRead) => LaneSnapshot, now: number): Promise<void>;
  readonly file: string;
}

/** How long a lock may be held before another process takes it over (a writer that died holding it). */
export const LOCK_STALE_MS = 10_000;

/**
 * The state file on disk. An update holds `lanes.json.lock` (a folder, made atomically; `proper-lockfile`,
 * which also takes over the lock of a process that died holding it) while it reads, merges and writes.
 * Writes go to a temp file in the same folder and are renamed over the target, so a reader (another
 * OpenCode process, `status`) never sees half a file. A foreign file (not ours) is never overwritten.
 */
export function fileLaneStore(file: string): LaneStore {
  return {
    file,
    read: (now) => readStateSync(file, now),
    async update(merge, now) {
      const dir = path.dirname(file);
      let release: () => Promise<void>;
      try {
        ownedFolder(dir);
      } catch (error) {
        throw new Error(`lane state ${file} cannot be written (${error instanceof Error ? error.message : String(error)})`);
      }
      try {
        release = await lockfile.lock(file, {
          realpath: false,
          stale: LOCK_STALE_MS,
          // Up to ~15 s: longer than a stale lock lives, so a dead writer's lock is always taken over.
          retries: { retries: 60, factor: 1.3, minTimeout: 5, maxTimeout: 300, randomize: true },
          onCompromised: () => undefined,
        });
      } catch (error) {
        throw new Error(`lane state ${file} cannot be locked (${error instanceof Error ? error.message : String(error)})`);
      }
      try {
        const disk = readStateSync(file, now);
        if (!disk.ok && disk.reason === "foreign") throw new Error(disk.message);
        const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
        try {
          // A new file (wx: never one planted at this name), 0600; the rename replaces a symlink at `file`, never writes through it.
          await fsp.writeFile(temp, serializeState(merge(disk), now), { encoding: "utf8", mode: 0o600, flag: "wx" });
          await fsp.rename(temp, file);
        } catch (error) {
          await fsp.rm(temp, { force: true }).catch(() => undefined);
          throw new Error(`lane state ${file} cannot be written (${error instanceof Error ? error.message : String(error)})`);
        }
      } finally {
        await release().catch(() => undefined);
      }
    },
  };
}

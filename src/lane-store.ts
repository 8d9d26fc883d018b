import { mkdirSync, readFileSync, promises as fsp } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { z } from "zod";
import type { CoolingLane } from "./lane-health";

/** Marks the file as ours: a file without it is foreign and left alone. */
export const STATE_FORMAT = "opencode-session-fallback/lanes";
export const STATE_VERSION = 1;

const stateSchema = z.object({
  format: z.literal(STATE_FORMAT),
  version: z.literal(STATE_VERSION),
  updatedAt: z.number(),
  lanes: z
    .array(
      z.object({
        lane: z.string().min(3).max(400),
        until: z.number().finite(),
        since: z.number().finite(),
        kind: z.enum(["quota", "auth-pool", "auth", "rate-limit", "overload", "context", "abort", "unknown"]),
        rule: z.string().max(200),
        strikes: z.number().int().min(0).max(64).optional(),
        basis: z.enum(["reset", "wait", "usage", "cooldown"]).optional(),
        scope: z.literal("account").optional(),
      }),
    )
    .max(1000),
});

/** What a read of the state file gave: the lanes, or why none were taken. */
export type StateRead =
  | { readonly ok: true; readonly lanes: readonly CoolingLane[] }
  | { readonly ok: false; readonly reason: "missing" | "unreadable" | "corrupt" | "foreign"; readonly message: string };

/**
 * The default state file, in OpenCode's data folder: `$XDG_DATA_HOME/opencode/`, else
 * `~/.local/share/opencode/`.
 */
export function defaultStateFile(env: Readonly<Record<string, string | undefined>>, home: string = env.HOME || os.homedir()): string {
  const data = env.XDG_DATA_HOME || path.join(home, ".local", "share");
  return path.join(data, "opencode", "opencode-session-fallback", "lanes.json");
}

/** Parses the state file's text. Total: a corrupt or foreign text is a reason, never an exception. */
export function parseState(text: string, file: string): StateRead {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: "corrupt", message: `lane state ${file} is not JSON (${error instanceof Error ? error.message : String(error)}); it is ignored and will be rewritten` };
  }
  if (typeof json !== "object" || json === null || (json as { format?: unknown }).format !== STATE_FORMAT) {
    return { ok: false, reason: "foreign", message: `lane state ${file} is not a ${STATE_FORMAT} file; it is ignored and left untouched` };
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: "corrupt", message: `lane state ${file} is invalid at ${issue?.path.join(".") || "top level"} (${issue?.message}); it is ignored and will be rewritten` };
  }
  return { ok: true, lanes: parsed.data.lanes };
}

/** Reads the state file synchronously (plugin init: a few hundred bytes). Never throws. */
export function readStateSync(file: string): StateRead {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { ok: false, reason: "missing", message: `no lane state at ${file} yet` };
    return { ok: false, reason: "unreadable", message: `lane state ${file} cannot be read (${error instanceof Error ? error.message : String(error)}); lanes start healthy` };
  }
  return parseState(text, file);
}

/** The state file's text for `lanes`. */
export function serializeState(lanes: readonly CoolingLane[], now: number): string {
  return `${JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, updatedAt: now, lanes }, null, 2)}\n`;
}

/** Writes the lane state. */
export interface LaneStore {
  /** The lanes another process may have written since (merged by the caller). */
  read(): StateRead;
  /** Replaces the file atomically; a failure rejects with a message naming the file. */
  write(lanes: readonly CoolingLane[], now: number): Promise<void>;
  readonly file: string;
}

/**
 * The state file on disk. Writes go to a temp file in the same folder and are renamed over the
 * target, so a reader (another OpenCode process, `status`) never sees half a file. A foreign file
 * (not ours) is never overwritten.
 */
export function fileLaneStore(file: string): LaneStore {
  return {
    file,
    read: () => readStateSync(file),
    async write(lanes, now) {
      const current = readStateSync(file);
      if (!current.ok && current.reason === "foreign") throw new Error(current.message);
      const dir = path.dirname(file);
      const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
      try {
        mkdirSync(dir, { recursive: true });
        await fsp.writeFile(temp, serializeState(lanes, now), { encoding: "utf8", mode: 0o600 });
        await fsp.rename(temp, file);
      } catch (error) {
        await fsp.rm(temp, { force: true }).catch(() => undefined);
        throw new Error(`lane state ${file} cannot be written (${error instanceof Error ? error.message : String(error)})`);
      }
    },
  };
}

import * as path from "node:path";
import { redactSecrets, redactValue } from "./redact";
import { appendPrivate, ownedFolderAsync } from "./safe-files";

/** One decision, as one JSON line of the debug log. */
export interface DecisionRecord {
  /** What happened: `recovered`, `left`, `duplicate`, `budget-spent`, `failed`, … */
  readonly outcome: string;
  readonly event: string;
  readonly sessionID?: string;
  readonly [key: string]: unknown;
}

/** Where decisions go; the plugin holds one, tests pass a plain object. */
export interface DecisionLog {
  write(record: DecisionRecord): void;
}

/** Appends to a file; tests pass a plain object. */
export interface AppendPort {
  mkdir(dir: string): Promise<unknown>;
  appendFile(file: string, text: string): Promise<unknown>;
}

/** The real file system: the folder the user's (0700 when made), the file 0600 and never a symlink. */
const nodeAppend: AppendPort = {
  mkdir: (dir) => ownedFolderAsync(dir),
  appendFile: (file, text) => appendPrivate(file, text),
};

/** A line longer than this is cut: a 10 MB error body must not become a 10 MB log line. */
export const MAX_LINE_CHARS = 16_384;

/**
 * The debug log: one JSON line per decision, secrets redacted, written in order by one chain of
 * appends. It never throws and never delays a recovery: a path that cannot be written is reported once
 * through `onError` (then the log goes quiet) and the recovery goes on.
 */
export function fileDecisionLog(file: string, onError: (message: string) => void, fs: AppendPort = nodeAppend, clock: () => number = Date.now): DecisionLog {
  let chain: Promise<void> = fs.mkdir(path.dirname(file)).then(
    () => undefined,
    (error: unknown) => fail(error),
  );
  let broken = false;
  function fail(error: unknown) {
    if (broken) return;
    broken = true;
    onError(`the debug log ${file} cannot be written (${error instanceof Error ? error.message : String(error)}); debug logging is off for this run, recovery is not affected`);
  }
  return {
    write(record) {
      if (broken) return;
      let line: string;
      try {
        // Redacted as values, before encoding (an escaped quote cannot hide a field) and before any cut
        // (no part of a secret survives a cut); the encoded line once more, for what only the whole shows.
        line = redactSecrets(JSON.stringify({ time: new Date(clock()).toISOString(), ...(redactValue(record) as object) }, replacer));
      } catch (error) {
        line = JSON.stringify({ time: new Date(clock()).toISOString(), outcome: "unserializable", error: String(error) });
      }
      if (line.length > MAX_LINE_CHARS) line = JSON.stringify({ truncated: true, head: line.slice(0, MAX_LINE_CHARS) });
      chain = chain.then(() => (broken ? undefined : fs.appendFile(file, `${line}\n`).then(() => undefined, fail)));
    },
  };
}

/** A log that writes nothing, when debug logging is off. */
export const silentDecisionLog: DecisionLog = { write() {} };

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "string" && value.length > 2000) return `${value.slice(0, 2000)}…[${value.length} chars]`;
  if (value instanceof Set) return [...value];
  return value;
}

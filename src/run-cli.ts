import { classifyError } from "./classify-error";
import { decideFallback, formatMs, type Trigger } from "./fallback-policy";
import { loadSettings } from "./settings";

const USAGE = `usage: opencode-session-fallback explain '<error text or JSON>' [--json]

  Classifies an error as the plugin would (a session.error "error" object, an assistant message's
  "error", a session.status retry status, or plain text) and prints what the plugin would do with it,
  under the current OPENCODE_SESSION_FALLBACK_* environment.`;

/** Where the CLI writes, and what it reads of the world; the bin passes the real ones, tests plain objects. */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly now: number;
}

/**
 * Runs `opencode-session-fallback <command>`; returns the exit code (0 done, 2 usage error).
 *
 * @example
 * ```ts
 * runCli(["explain", "Insufficient Balance"], { out: console.log, err: console.error, env: process.env, cwd: process.cwd(), now: Date.now() });
 * ```
 */
export function runCli(argv: readonly string[], io: CliIo): number {
  const { out, err } = io;
  const [command, ...rest] = argv;
  if (command !== "explain") {
    err(command === undefined || command === "--help" || command === "-h" ? USAGE : `unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return command === "--help" || command === "-h" ? 0 : 2;
  }
  const json = rest.includes("--json");
  const text = rest.filter((a) => a !== "--json").join(" ");
  if (!text.trim()) {
    err(`explain needs the error to explain\n\n${USAGE}`);
    return 2;
  }
  let input: unknown = text;
  try {
    input = JSON.parse(text);
  } catch {
    // Plain text: classified as a message.
  }
  const now = io.now;
  const { settings, warnings } = loadSettings(io.env, undefined, io.cwd);
  for (const w of warnings) err(`warning: ${w}`);
  const verdict = classifyError(input, { now });
  const decisions = (["retry", "error"] as Trigger[]).map((trigger) => ({ trigger, ...decideFallback(verdict, { trigger, now }, settings) }));
  if (json) {
    out(JSON.stringify({ verdict, decisions }, null, 2));
    return 0;
  }
  out(`kind:     ${verdict.kind}`);
  out(`rule:     ${verdict.rule}`);
  if (verdict.provider) out(`provider: ${verdict.provider}`);
  if (verdict.retryAfterMs !== undefined) out(`wait:     ${formatMs(verdict.retryAfterMs)}`);
  if (verdict.resetAt !== undefined) out(`resets:   ${new Date(verdict.resetAt).toISOString()}`);
  for (const d of decisions) {
    const when = d.trigger === "retry" ? "seen on OpenCode's first retry" : "seen when the turn ends (session.error)";
    out(`${when}: ${d.fallback ? "FALL BACK" : "leave it"} (${d.why})`);
  }
  return 0;
}

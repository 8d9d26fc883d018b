import * as path from "node:path";
import { classifyError } from "../classify/classify-error";
import { runDoctor, type DoctorReport } from "./doctor";
import { decideFallback, type Trigger } from "../recovery/fallback-policy";
import { formatMs, isoOrNever } from "../support/format";
import { LaneHealth } from "../lanes/lane-health";
import { readStateSync, refusedWarning } from "../lanes/lane-store";
import { redactSecrets } from "../support/redact";
import { loadSettings } from "../settings/settings";
import { terminalSafe } from "./terminal-safe";

const USAGE = `usage: opencode-session-fallback explain '<error text or JSON>' [--json]
       opencode-session-fallback status [--json]
       opencode-session-fallback doctor [--json]

  explain  Classifies an error as the plugin would (a session.error "error" object, an assistant message's
           "error", a session.status retry status, or plain text) and prints what the plugin would do with it,
           under the current OPENCODE_SESSION_FALLBACK_* environment.
  status   Lists the lanes (provider/model) still cooling in the lane state file, soonest back first.
           Exits 1 when the state file is corrupt, foreign or unreadable.
  doctor   Checks the agents of the current folder as the plugin reads them: every agent file parses, every
           fallback_agent names an agent with a provider/model model, no fallback chain loops, the
           OPENCODE_SESSION_FALLBACK_* variables are valid, the state file is readable. Exits 1 on any error.`;

/** Where the CLI writes, and what it reads of the world; the bin passes the real ones, tests plain objects. */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly now: number;
}

/**
 * Runs `opencode-session-fallback <command>` (`explain`, `status`, `doctor`); returns the exit code: 0 done,
 * 1 `doctor` found an error or `status` could not use the state file, 2 usage error.
 *
 * @example
 * ```ts
 * runCli(["explain", "Insufficient Balance"], { out: console.log, err: console.error, env: process.env, cwd: process.cwd(), now: Date.now() });
 * ```
 */
export function runCli(argv: readonly string[], raw: CliIo): number {
  // The boundary of everything the CLI prints: secrets redacted, control characters shown, not obeyed.
  const safe = (line: string) => terminalSafe(redactSecrets(line));
  const io: CliIo = { ...raw, out: (line) => raw.out(safe(line)), err: (line) => raw.err(safe(line)) };
  const [command, ...rest] = argv;
  switch (command) {
    case "explain":
      return explain(rest, io);
    case "status":
      return status(rest, io);
    case "doctor":
      return doctor(rest, io);
    default:
      io.err(command === undefined || command === "--help" || command === "-h" ? USAGE : `unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return command === "--help" || command === "-h" ? 0 : 2;
  }
}

function explain(rest: readonly string[], io: CliIo): number {
  const { out, err } = io;
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

/** `--json` is the only flag `status` and `doctor` take; `undefined` (after printing the usage) for anything else. */
function jsonFlag(command: string, rest: readonly string[], io: CliIo): boolean | undefined {
  const unknown = rest.filter((a) => a !== "--json");
  if (unknown.length > 0) {
    io.err(`${command} takes no argument but --json, got ${JSON.stringify(unknown[0])}\n\n${USAGE}`);
    return undefined;
  }
  return rest.includes("--json");
}

/** `status`: the lanes still cooling in the state file at `io.now`, soonest back first. */
function status(rest: readonly string[], io: CliIo): number {
  const json = jsonFlag("status", rest, io);
  if (json === undefined) return 2;
  const { settings, warnings } = loadSettings(io.env, undefined, io.cwd);
  for (const w of warnings) io.err(`warning: ${w}`);
  const stateFile = settings.stateFile;
  const read = readStateSync(stateFile, io.now);
  if (!read.ok && read.reason !== "missing") {
    if (json) io.out(JSON.stringify({ stateFile, ok: false, reason: read.reason, message: read.message }, null, 2));
    else io.err(read.message);
    return 1;
  }
  const refused = refusedWarning(stateFile, read);
  if (refused) io.err(`warning: ${refused}`);
  // The plugin's own merge (newest observation wins); expired lanes are not listed.
  const health = new LaneHealth(read.ok ? read : {});
  const lanes = health.list(io.now);
  if (json) {
    io.out(JSON.stringify({ stateFile, now: io.now, lanes }, null, 2));
    return 0;
  }
  if (lanes.length === 0) {
    io.out("no lane is cooling");
    return 0;
  }
  const rows = lanes.map((l) => [l.lane, l.kind, l.rule, `${isoOrNever(l.until)} (in ${formatMs(l.until - io.now)})`]);
  for (const line of table(["lane", "kind", "rule", "until"], rows)) io.out(line);
  return 0;
}

/** How chains, pools and cooldowns decide, as `doctor` ends its report (README: "How a lane is chosen"). */
export const HOW_LANES_DECIDE: readonly string[] = [
  "How a lane is chosen when one fails:",
  "  chain     the agent's fallback_agent, then that agent's fallback_agent, and so on (at most 8); the first lane that may serve takes the turn.",
  "  cooling   a lane that failed is passed over until the provider's reset (header, body, text, or its usage window), else for the cooldown",
  "            (OPENCODE_SESSION_FALLBACK_COOLDOWN_MS), doubled each time it fails again right after (up to 2h); a lane that serves starts afresh.",
  "  pools     lanes of a declared pool (OPENCODE_SESSION_FALLBACK_POOLS), or of the provider when the error says the whole account is out,",
  "            are tried after every other lane of the chain, never skipped outright: a declared lane not known to be cooling is always tried.",
  "  none left every lane tried is named with when it is expected back, in a toast and the log, and the turn stops at once.",
];

/** `doctor`: the agents as the plugin reads them, and what is wrong with them. */
function doctor(rest: readonly string[], io: CliIo): number {
  const json = jsonFlag("doctor", rest, io);
  if (json === undefined) return 2;
  const report = runDoctor({ directory: io.cwd, env: io.env, now: io.now });
  const errors = report.findings.filter((f) => f.level === "error").length;
  if (json) {
    io.out(JSON.stringify(report, null, 2));
    return errors > 0 ? 1 : 0;
  }
  for (const line of renderDoctor(report, io)) io.out(line);
  return errors > 0 ? 1 : 0;
}

function renderDoctor(report: DoctorReport, io: CliIo): string[] {
  const lines: string[] = [];
  if (report.agents.length === 0) lines.push("no agent file found");
  else {
    const rows = report.agents.map((a) => [a.name, a.model ?? "-", a.fallback ?? "-", a.chain.join(" -> "), shortPath(a.file, io)]);
    lines.push(...table(["agent", "model", "fallback", "chain", "file"], rows));
  }
  if (report.findings.length > 0) lines.push("");
  const levels = ["error", "warning", "note"] as const;
  for (const level of levels) for (const f of report.findings) if (f.level === level) lines.push(`${f.level.padEnd(7)}  ${f.message}`);
  const errors = report.findings.filter((f) => f.level === "error").length;
  const warnings = report.findings.filter((f) => f.level === "warning").length;
  const withFallback = report.agents.filter((a) => a.fallback !== undefined).length;
  if (withFallback > 0) lines.push("", ...HOW_LANES_DECIDE);
  lines.push("", `${count(report.agents.length, "agent")}, ${withFallback} with a fallback, ${count(errors, "error")}, ${count(warnings, "warning")}`);
  return lines;
}

/** A file relative to the working folder when inside it, else under `~`, else absolute. */
function shortPath(file: string, io: CliIo): string {
  const relative = path.relative(io.cwd, file);
  if (relative && !relative.startsWith("..") && !path.isAbsolute(relative)) return relative;
  const home = io.env.HOME;
  if (home && file.startsWith(`${home}/`)) return `~/${file.slice(home.length + 1)}`;
  return file;
}

/** Left-aligned columns, two spaces apart, no trailing spaces. */
function table(header: readonly string[], raw: readonly (readonly string[])[]): string[] {
  // Cells made safe before their widths are measured, so the columns line up as printed.
  const rows = raw.map((r) => r.map((cell) => terminalSafe(cell)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd());
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/*
 * Which OpenCode client the plugin runs in. The TUI, `serve` and `run --attach` behave alike for the
 * plugin; only `opencode run` without `--attach` (the server in the run's own process) needs the headless
 * handling of headless-run.ts. A new client with its own needs is told apart here first.
 */

/** The client process the plugin runs in, as far as the plugin's behaviour depends on it. */
export interface HostProcess {
  /** `run`: `opencode run` without `--attach` (the server is in this process); `other`: TUI, serve, … */
  readonly kind: "run" | "other";
  /** `--format json`: the run prints one JSON event a line. */
  readonly format: "default" | "json";
  /** `--thinking`: the run prints reasoning too. */
  readonly thinking: boolean;
  /** `--dangerously-skip-permissions`: the run allows what the agent asks instead of rejecting it. */
  readonly skipPermissions: boolean;
}

/** Global options of the `opencode` CLI that take a value (the value is not the subcommand). */
const VALUE_OPTIONS = new Set(["--log-level", "--port", "--hostname", "--cwd"]);

/**
 * Reads the client from the process arguments (`bun /$bunfs/root/src/index.js run …` in the compiled
 * binary). Total: anything unexpected is `other`.
 *
 * @example
 * hostProcessOf(["bun", "/$bunfs/root/src/index.js", "run", "--format", "json", "hi"]).format; // "json"
 */
export function hostProcessOf(argv: readonly unknown[]): HostProcess {
  const args = Array.isArray(argv) ? argv.slice(2).filter((a): a is string => typeof a === "string") : [];
  let command: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") break;
    if (arg.startsWith("-")) {
      if (VALUE_OPTIONS.has(arg)) i++;
      continue;
    }
    command = arg;
    break;
  }
  const attach = args.some((a) => a === "--attach" || a.startsWith("--attach="));
  const formatAt = args.indexOf("--format");
  const format = args.includes("--format=json") || (formatAt >= 0 && args[formatAt + 1] === "json") ? "json" : "default";
  return {
    kind: command === "run" && !attach ? "run" : "other",
    format,
    thinking: args.includes("--thinking"),
    skipPermissions: args.includes("--dangerously-skip-permissions"),
  };
}

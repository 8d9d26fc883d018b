/**
 * The clients users run, driven as child processes in a prepared project: `opencode run` (in-process
 * server, or `--attach` to a `serve`) and the TUI in tmux. Each returns what the user would see.
 *
 * @example
 * const project = prepareProject({ mock, models: ["primary"], plugins: [BUILT_PLUGIN_URL], agents });
 * const run = await runOpencode(project, ["--agent", "coder", "hello"]);
 * expect(run.code).toBe(0);
 * expect(run.stdout).toContain("the fallback's answer");
 */
import { execFileSync, spawn } from "node:child_process";
import { opencodeBinary, killGroup, type PreparedProject } from "./opencode-server.js";

/** What one `opencode run` printed and how it ended. */
export interface RunResult {
  /** The exit code (null when it was killed). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Milliseconds from spawn to exit. */
  readonly ms: number;
  /** Epoch ms of the spawn and of the process's exit. */
  readonly spawnedAt: number;
  readonly exitedAt: number;
  /** For each text of {@link RunOptions.watch}: epoch ms it first appeared on its stream. */
  readonly seenAt: Readonly<Record<string, number | undefined>>;
  /** True when the harness killed it after `timeoutMs`. */
  readonly timedOut: boolean;
}

/** Options of {@link runOpencode}. */
export interface RunOptions {
  /** Kill the run after this long. Default 120 s (a run without the plugin waits out ~70 s of retries). */
  readonly timeoutMs?: number;
  /** More env for this run. */
  readonly env?: Record<string, string>;
  /** Texts to timestamp when they first appear: name -> where and what. */
  readonly watch?: Readonly<Record<string, { readonly stream: "stdout" | "stderr"; readonly text: string }>>;
}

/**
 * Runs `opencode run ARGS` in the project (cwd = project dir, the project's env), no TTY on any stream,
 * the way scripts and CI run it. Resolves once the pipes have delivered everything the process wrote.
 */
export function runOpencode(project: Pick<PreparedProject, "dir" | "env">, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const spawnedAt = Date.now();
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(opencodeBinary(), ["run", ...args], {
      cwd: project.dir,
      env: { ...project.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const output = { stdout: "", stderr: "" };
    const seenAt: Record<string, number | undefined> = {};
    let timedOut = false;
    let exitedAt = 0;
    let code: number | null = null;
    for (const stream of ["stdout", "stderr"] as const) {
      child[stream]!.setEncoding("utf8").on("data", (text: string) => {
        output[stream] += text;
        for (const [name, watched] of Object.entries(options.watch ?? {})) {
          if (watched.stream === stream && seenAt[name] === undefined && output[stream].includes(watched.text)) seenAt[name] = Date.now();
        }
      });
    }
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, "SIGKILL");
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (exitCode) => {
      exitedAt = Date.now();
      code = exitCode;
      clearTimeout(timer);
    });
    // `close`: the pipes have delivered everything the process wrote.
    child.once("close", () => {
      const end = exitedAt || Date.now();
      resolve({ code, ...output, ms: end - spawnedAt, spawnedAt, exitedAt: end, seenAt, timedOut });
    });
  });
}

/** The `--format json` lines of a run, parsed (lines that are not JSON are skipped). */
export function jsonEvents(stdout: string): Array<{ type: string; sessionID?: string; [key: string]: any }> {
  const events: Array<{ type: string; [key: string]: any }> = [];
  for (const line of stdout.split("\n")) {
    const text = line.trim();
    if (!text.startsWith("{")) continue;
    try {
      const value = JSON.parse(text);
      if (value && typeof value.type === "string") events.push(value);
    } catch {
      // Not an event line.
    }
  }
  return events;
}

/** Whether tmux is on PATH (`.ci/run` installs it). */
export function hasTmux(): boolean {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

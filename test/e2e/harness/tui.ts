/**
 * Drives the OpenCode TUI (`opencode` with no subcommand: the TUI with its server in-process) inside a
 * private tmux server, the way a user sees it: type into the prompt, press keys, read the screen.
 *
 * What OpenCode 1.18.33's TUI does with the e2e project of {@link prepareProject} (found by trying it in
 * tmux 3.3a at 120x40, `TERM=xterm-256color`):
 *
 * - **Start-up.** The screen stays blank for ~4.5-5.5 s (2 idle cores; up to ~9 s when other e2e
 *   processes load the machine), then the home screen appears at once: the OPENCODE logo, the prompt
 *   box with the placeholder
 *   `Ask anything… "…"`, under it `Coder · exhausted alpha` (agent display name · model `name` ·
 *   provider ID), and the footer hint `tab agents  ctrl+p commands` above a line with the project dir
 *   and the version (`1.18.33`). Keys typed from then on reach the prompt (typing and `Enter` right
 *   after it works); {@link startTui} waits for {@link TUI_READY} before it resolves. The project
 *   instance is still booting then: the first prompt's first provider request comes ~2.5-3 s after
 *   `Enter` (session creation, tools, the title request), a later prompt's ~0.1 s after.
 * - **Agent.** The TUI starts on `default_agent` of `opencode.json` (the key exists in 1.18.33; an
 *   unknown name silently gives `Build`) or on `--agent NAME` (`opencode --help` lists it, with
 *   `--model`, `--prompt`, `--session`, `--continue`); `Tab` cycles the primary agents.
 * - **Prompt.** {@link TuiHarness.type} puts text into the prompt box; `Enter` submits it. The home
 *   screen then turns into the session view: the user's text in a block with a `┃` left border at
 *   column 2, and the prompt box moves to the bottom rows (agent · model · provider line, then a
 *   `▀▀▀` rule, then the footer). While the turn runs the footer shows a spinner (`■■⬝⬝⬝`) and
 *   `esc interrupt`.
 * - **Answer.** An assistant message is its text indented by 5 columns, followed by a line
 *   `▣  Coder · backup · 1.3s` (agent · model `name` · duration; without the duration while it
 *   streams). The header names the model that answered, so after a fallback it shows the fallback's
 *   model while the prompt box below still shows the agent's own model (the TUI keeps sending that
 *   model with every prompt). Synthetic user messages (the plugin's continuation) are not shown.
 * - **Toasts.** A toast is a box in the top-right corner (at 120 columns: columns 58-117, rows 1-7, 0-based),
 *   drawn over the session view: a `┃` border on both sides, an empty padding row above and below,
 *   the title (`Session fallback`), an empty row, then the message word-wrapped to ~54 columns. Only
 *   one toast shows at a time (a new one replaces the old at once, so a toast followed quickly by
 *   another may be on screen for only ~200 ms: {@link TuiHarness.record} at 50 ms catches it); it
 *   disappears after its `duration` (8 s for the plugin's recovery toast). {@link toastsOf} reads them
 *   back as text.
 * - **Exit.** A process that exits leaves its pane dead (`remain-on-exit`), tmux adding the line
 *   `Pane is dead (status N, …)`; {@link TuiHarness.waitForScreen} then fails at once with the status.
 * - **Titles.** A session started from the TUI has no title, so OpenCode asks `small_model`
 *   (`mock/mock-small`) for one at the first prompt: expect a `mock-small` request next to the turn's.
 * - **Logs.** Nothing is printed on the screen; OpenCode logs to `$XDG_DATA_HOME/opencode/log/opencode.log`
 *   ({@link TuiHarness.logs}).
 *
 * @example
 * const project = prepareProject({ mock, models: ["primary"], plugins: [BUILT_PLUGIN_URL], agents });
 * const tui = await startTui(project, { args: ["--agent", "coder"] });
 * try {
 *   await tui.type("hello");
 *   await tui.press("Enter");
 *   await tui.waitForScreen(/mock reply from primary/, 20_000);
 * } finally {
 *   await tui.stop();
 * }
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { opencodeBinary, type PreparedProject } from "./opencode-server.js";

/** What the home screen shows once the prompt takes keys: the footer's hint. */
export const TUI_READY = /ctrl\+p commands/;

/** Options of {@link startTui}. */
export interface StartTuiOptions {
  /** Terminal width. Default 120. */
  readonly cols?: number;
  /** Terminal height. Default 40. */
  readonly rows?: number;
  /** Arguments after `opencode` (e.g. `["--agent", "coder"]`). */
  readonly args?: readonly string[];
  /** More env for the TUI (on top of the project's env and `TERM`/`COLORTERM`). */
  readonly env?: Record<string, string>;
  /**
   * What the screen must show before {@link startTui} resolves: {@link TUI_READY} by default, `false`
   * to resolve as soon as tmux runs the command.
   */
  readonly ready?: ScreenMatcher | false;
  /** How long to wait for `ready`. Default 60 s. */
  readonly readyTimeoutMs?: number;
}

/** A test on the screen: a regex, a substring, or a predicate on the plain text. */
export type ScreenMatcher = RegExp | string | ((screen: string) => boolean);

/** One screen captured by a {@link ScreenRecorder}. */
export interface ScreenFrame {
  /** `Date.now()` when it was captured. */
  readonly at: number;
  readonly screen: string;
}

/** Captures the screen over and over in the background, keeping each frame that differs from the one before. */
export interface ScreenRecorder {
  /** The frames so far (a new entry only when the screen changed). */
  readonly frames: readonly ScreenFrame[];
  /** Stops capturing (after one last capture) and resolves with all frames. */
  stop(): Promise<readonly ScreenFrame[]>;
}

/** A TUI running in its own tmux server. */
export interface TuiHarness {
  /** The tmux session name (on the harness's own socket, see {@link TuiHarness.socket}). */
  readonly session: string;
  /** The tmux socket path: `tmux -S SOCKET attach` watches the TUI live while a test runs. */
  readonly socket: string;
  /** The PID of the pane's process (OpenCode itself, which leads its own process group). */
  readonly pid: number;
  /** Milliseconds from `new-session` until the `ready` screen. */
  readonly startup: { readyMs: number };
  /** The screen as plain text (`capture-pane -p`: no colours, trailing spaces trimmed, one line per row). */
  screen(): Promise<string>;
  /**
   * Polls the screen (every 100 ms) until it matches, and resolves with that screen. Rejects after
   * `timeoutMs` (default 30 s) or when OpenCode exits, with the last screen in the message.
   */
  waitForScreen(matcher: ScreenMatcher, timeoutMs?: number): Promise<string>;
  /** Types `text` literally (`send-keys -l`), as if it were typed key by key. */
  type(text: string): Promise<void>;
  /** Presses one key in tmux's names: `Enter`, `Escape`, `Tab`, `BTab`, `C-c`, `Up`, … */
  press(key: string): Promise<void>;
  /** Starts a {@link ScreenRecorder} capturing every `intervalMs` (default 50). */
  record(intervalMs?: number): ScreenRecorder;
  /** Whether OpenCode has exited (the pane is kept, dead, for its last screen). */
  exited(): Promise<boolean>;
  /** The last `lines` lines of OpenCode's log file (`$XDG_DATA_HOME/opencode/log/opencode.log`). */
  logs(lines?: number): string;
  /** Ends the tmux server and OpenCode's process group, removes the socket dir. Idempotent. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let counter = 0;

function matches(matcher: ScreenMatcher, screen: string): boolean {
  if (typeof matcher === "string") return screen.includes(matcher);
  if (matcher instanceof RegExp) return matcher.test(screen);
  return matcher(screen);
}

function describeMatcher(matcher: ScreenMatcher): string {
  if (typeof matcher === "string") return JSON.stringify(matcher);
  if (matcher instanceof RegExp) return String(matcher);
  return "the predicate";
}

/** A screen framed for an error message. */
export function frameScreen(screen: string): string {
  return `--- screen ---\n${screen.replace(/\n+$/, "")}\n--- end of screen ---`;
}

/**
 * The toasts on a screen, as text: title and message joined with single spaces (the box's word
 * wrapping undone; a word the box broke in the middle comes back with a space in it).
 *
 * A toast row is a row ending in `┃ TEXT ┃`; consecutive such rows with the same border columns are
 * one toast.
 */
export function toastsOf(screen: string): string[] {
  const toasts: string[] = [];
  let current: { left: number; right: number; parts: string[] } | undefined;
  const flush = () => {
    if (current) {
      const text = current.parts.join(" ").replace(/\s+/g, " ").trim();
      if (text) toasts.push(text);
    }
    current = undefined;
  };
  for (const line of screen.split("\n")) {
    const match = /┃([^┃]*)┃\s*$/.exec(line);
    if (!match) {
      flush();
      continue;
    }
    const left = match.index;
    const right = left + match[0].trimEnd().length - 1;
    if (!current || current.left !== left || current.right !== right) {
      flush();
      current = { left, right, parts: [] };
    }
    current.parts.push(match[1]!.trim());
  }
  flush();
  return toasts;
}

/** Every distinct toast text seen in `frames`, in order of first appearance. */
export function toastsSeen(frames: readonly ScreenFrame[]): string[] {
  const seen: string[] = [];
  for (const frame of frames) for (const toast of toastsOf(frame.screen)) if (!seen.includes(toast)) seen.push(toast);
  return seen;
}

function tmuxAvailable(): boolean {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The process state letter from `/proc` (`Z` for a zombie), or undefined when it is gone. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    if (existsSync("/proc/self/stat")) return undefined;
    try {
      process.kill(pid, 0);
      return "?";
    } catch {
      return undefined;
    }
  }
}

const alive = (pid: number) => {
  const state = procState(pid);
  return state !== undefined && state !== "Z";
};

/**
 * Starts the TUI in `project` (cwd = project dir) in a new tmux server of its own (`tmux -S` on a
 * socket in a fresh temp dir, no user config), at a fixed size, with exactly the project's env plus
 * `TERM=xterm-256color` and `COLORTERM=truecolor` (the command is `env -i K=V … opencode ARGS`, so
 * nothing of the tmux server's or the test runner's env leaks in). Resolves once the screen shows
 * `options.ready`.
 */
export async function startTui(project: Pick<PreparedProject, "dir" | "env">, options: StartTuiOptions = {}): Promise<TuiHarness> {
  if (!tmuxAvailable()) throw new Error("startTui: tmux is not on PATH; the TUI tests need it (apt-get install tmux; .ci/run installs it)");
  const cols = options.cols ?? 120;
  const rows = options.rows ?? 40;
  const socketDir = mkdtempSync(join(tmpdir(), "oc-tui-"));
  const socket = join(socketDir, "tmux.sock");
  const session = `oc-tui-${process.pid}-${++counter}`;
  const configFile = join(socketDir, "tmux.conf");
  writeFileSync(
    configFile,
    [
      // The status line would take a row from the pane: without it the pane is exactly cols x rows.
      "set -g status off",
      // Keep the pane (and its last screen) when OpenCode exits, so a crash can be read.
      "set -g remain-on-exit on",
      "set -g default-terminal xterm-256color",
      "set -g history-limit 2000",
      "",
    ].join("\n"),
  );
  // tmux's own env: only what it needs to run and to treat text as UTF-8.
  const tmuxEnv: Record<string, string> = { PATH: project.env.PATH ?? process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", LC_ALL: "C.UTF-8", TERM: "xterm-256color" };
  const tmuxArgs = (args: string[]) => ["-u", "-S", socket, "-f", configFile, ...args];
  const tmux = (...args: string[]) =>
    new Promise<string>((resolve, reject) => {
      execFile("tmux", tmuxArgs(args), { env: tmuxEnv, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`tmux ${args.join(" ")} failed: ${stderr || error.message}`));
        else resolve(stdout);
      });
    });
  const tmuxSync = (...args: string[]) => {
    try {
      execFileSync("tmux", tmuxArgs(args), { env: tmuxEnv, stdio: "ignore", timeout: 5_000 });
    } catch {
      // The server is gone already.
    }
  };

  const env: Record<string, string> = { ...project.env, TERM: "xterm-256color", COLORTERM: "truecolor", ...options.env };
  const command = [existsSync("/usr/bin/env") ? "/usr/bin/env" : "env", "-i", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), opencodeBinary(), ...(options.args ?? [])];
  const target = `=${session}:`;

  let pid = 0;
  let stopped = false;
  const recorders = new Set<{ stop(): Promise<readonly ScreenFrame[]> }>();
  const killAll = () => {
    tmuxSync("kill-server");
    if (pid > 0 && alive(pid)) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    rmSync(socketDir, { recursive: true, force: true });
  };
  process.once("exit", killAll);

  const screen = () => tmux("capture-pane", "-p", "-t", target);
  const exited = async () => (await tmux("display-message", "-p", "-t", target, "#{pane_dead}")).trim() === "1";
  const deathNote = async () => {
    try {
      return ` (OpenCode exited with status ${(await tmux("display-message", "-p", "-t", target, "#{pane_dead_status}")).trim() || "?"})`;
    } catch {
      return "";
    }
  };
  const logFile = join(env.XDG_DATA_HOME ?? join(env.HOME ?? "", ".local", "share"), "opencode", "log", "opencode.log");
  const logs = (lines = 60) => {
    try {
      return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return `(no log at ${logFile})`;
    }
  };

  const waitForScreen = async (matcher: ScreenMatcher, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    for (;;) {
      last = await screen();
      if (matches(matcher, last)) return last;
      if (await exited()) throw new Error(`TUI: OpenCode exited before the screen showed ${describeMatcher(matcher)}${await deathNote()}\n${frameScreen(last)}\n--- log ---\n${logs(30)}`);
      if (Date.now() > deadline) throw new Error(`TUI: the screen did not show ${describeMatcher(matcher)} within ${timeoutMs} ms\n${frameScreen(last)}`);
      await sleep(100);
    }
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const recorder of [...recorders]) await recorder.stop();
    process.removeListener("exit", killAll);
    // kill-server hangs up the pane: OpenCode gets SIGHUP and exits.
    await tmux("kill-server").catch(() => undefined);
    for (let waited = 0; pid > 0 && alive(pid) && waited < 3_000; waited += 50) await sleep(50);
    if (pid > 0 && alive(pid)) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    rmSync(socketDir, { recursive: true, force: true });
  };

  const startedAt = Date.now();
  try {
    await tmux("new-session", "-d", "-s", session, "-x", String(cols), "-y", String(rows), "-c", project.dir, ...command);
    // Never resize to a client (a `tmux -S … attach` to watch must not change what tests see). Set
    // after new-session: in the config file, tmux 3.3a's server dies at `new-session -d`.
    await tmux("set-option", "-g", "window-size", "manual");
    const [panePid, size] = (await tmux("display-message", "-p", "-t", target, "#{pane_pid} #{pane_width}x#{pane_height}")).trim().split(" ");
    pid = Number(panePid);
    if (size !== `${cols}x${rows}`) throw new Error(`startTui: the pane is ${size}, not ${cols}x${rows}`);
    if (options.ready !== false) await waitForScreen(options.ready ?? TUI_READY, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  const readyMs = Date.now() - startedAt;

  return {
    session,
    socket,
    pid,
    startup: { readyMs },
    screen,
    waitForScreen,
    async type(text) {
      await tmux("send-keys", "-t", target, "-l", "--", text);
    },
    async press(key) {
      await tmux("send-keys", "-t", target, key);
    },
    record(intervalMs = 50) {
      const frames: ScreenFrame[] = [];
      let running = true;
      const capture = async () => {
        const text = await screen().catch(() => undefined);
        if (text !== undefined && frames[frames.length - 1]?.screen !== text) frames.push({ at: Date.now(), screen: text });
      };
      const loop = (async () => {
        while (running) {
          await capture();
          await sleep(intervalMs);
        }
        await capture();
      })();
      const recorder = {
        frames,
        async stop() {
          running = false;
          await loop;
          recorders.delete(recorder);
          return frames;
        },
      };
      recorders.add(recorder);
      return recorder;
    },
    exited,
    logs,
    stop,
  };
}

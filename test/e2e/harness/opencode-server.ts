/**
 * Starts a real `opencode serve` (the binary from the `opencode-ai` devDependency) in an isolated
 * temp project wired to a {@link MockProvider}, and gives tests a client, an event recorder and a few
 * session helpers.
 *
 * One server per test file (beforeAll/afterAll), one new session per test.
 *
 * @example
 * const mock = await startMockProvider();
 * const oc = await startOpencode({ mock, models: ["primary", "fallback"], plugins: [PLUGIN_URL] });
 * const id = await oc.createSession("e2e: falls back");
 * await oc.promptAsync(id, { text: "hi" });
 * await oc.waitForIdle(id);
 * await oc.stop();
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createServer } from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createOpencodeClient, type OpencodeClient } from "@opencode-ai/sdk";
import type { MockProvider } from "./mock-provider.js";

/**
 * The package root: the nearest folder above this file (or above the bundle a script was built into)
 * whose package.json is this package's.
 */
export const REPO_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "opencode-session-fallback") return dir;
    if (dirname(dir) === dir) throw new Error(`no opencode-session-fallback package.json above ${start}`);
  }
}

/** `file://` URL of the built plugin (`npm run build` first). */
export const BUILT_PLUGIN_URL = pathToFileURL(join(REPO_ROOT, "dist", "index.js")).href;

/** The provider ID the harness declares for the mock. */
export const MOCK_PROVIDER_ID = "mock";

/** The model `small_model` points at, so title/summary requests never blur what a test observes. */
export const MOCK_SMALL_MODEL = "mock-small";

/** An `opencode.json` `plugin` entry. */
export type PluginSpec = string | [string, Record<string, unknown>];

/** Options of {@link startOpencode}. */
export interface StartOpencodeOptions {
  /** The mock the `mock` provider points at (only `baseURL` is used). */
  mock: Pick<MockProvider, "baseURL">;
  /**
   * Model IDs of the `mock` provider, or a map ID -> model config (`name`, `limit`, `options`, …).
   * The first one is the default `model` unless {@link StartOpencodeOptions.model} says otherwise.
   * {@link MOCK_SMALL_MODEL} is always added.
   */
  models: string[] | Record<string, Record<string, unknown>>;
  /** Default model ID (of the mock provider). */
  model?: string;
  /**
   * More providers served by the same mock, provider ID -> model IDs: lanes of different providers
   * (different quota pools) for the same loopback server.
   */
  extraProviders?: Record<string, string[]>;
  /**
   * Reuse this temp root (its `home/` and `project/`) instead of a new one, and keep it on stop: a
   * second server then sees what the first left in its data folder (a restart).
   */
  reuseRoot?: string;
  /** `plugin` entries; a function gets the project dir (to point at files written by `files`). */
  plugins?: PluginSpec[] | ((projectDir: string) => PluginSpec[]);
  /** Agent markdown files: name (may contain `/`) -> full file content, written to `.opencode/agent/NAME.md`. */
  agents?: Record<string, string>;
  /** Extra files to write, path relative to the project dir -> content. */
  files?: Record<string, string>;
  /** Extra top-level `opencode.json` keys (shallow-merged last). */
  config?: Record<string, unknown>;
  /** Extra env for the server (never put `OPENCODE_PURE` here: it skips the plugin under test). */
  env?: Record<string, string>;
  /** How long to wait for `opencode server listening on` and the event stream. Default 60 s. */
  startTimeoutMs?: number;
  /**
   * Pre-seed the config dirs so OpenCode skips its `npm install @opencode-ai/plugin` (see
   * {@link preseedConfigDir}). Default true; false only to measure what it saves.
   */
  preseedPluginInstall?: boolean;
  /** `--log-level` of the server; logs are printed to stderr and kept for {@link OpencodeHarness.logs}. */
  logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
}

/** One event received on the server's `/event` stream. */
export interface RecordedEvent {
  /** `Date.now()` when it arrived. */
  at: number;
  type: string;
  properties: any;
}

/** Records every event of the project's `/event` stream. */
export interface EventRecorder {
  /** Every event so far, in arrival order. */
  readonly all: RecordedEvent[];
  /**
   * Resolves with the first event (already received or future) matching `predicate`; rejects after
   * `timeoutMs`. Filter on `e.at` to ignore earlier events.
   */
  waitFor(predicate: (event: RecordedEvent) => boolean, timeoutMs?: number): Promise<RecordedEvent>;
  /** The events that concern session `id` (see {@link sessionIdOf}). */
  ofSession(id: string): RecordedEvent[];
}

/** A prompt sent through {@link OpencodeHarness.promptAsync}. */
export interface PromptInput {
  text: string;
  agent?: string;
  /** `"provider/model"` or `{ providerID, modelID }`; a bare ID means a `mock` model. */
  model?: string | { providerID: string; modelID: string };
  system?: string;
}

/** A message as `GET /session/{id}/message` returns it. */
export type SessionMessage = { info: any; parts: any[] };

/** A running server and its helpers. */
export interface OpencodeHarness {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** The temp project directory (the server's cwd, holding `opencode.json`). */
  dir: string;
  /** The temp root holding `project/` and the isolated `home/`. */
  root: string;
  /** The environment the server runs with: a client of the same project (`run --attach`) uses it too. */
  env: Record<string, string>;
  /** v1 SDK client bound to the project directory (the same client type plugins get as `input.client`). */
  client: OpencodeClient;
  events: EventRecorder;
  /** Milliseconds from spawn to the `listening` line, and to the event stream being connected. */
  startup: { listeningMs: number; readyMs: number };
  /** Creates a session; ALWAYS titled, so OpenCode does not ask `small_model` for a title. */
  createSession(title: string): Promise<string>;
  /** `POST /session/{id}/prompt_async` (answers 204 at once; failures arrive as `session.error`). */
  promptAsync(sessionID: string, input: PromptInput): Promise<void>;
  /** `POST /session/{id}/abort`; resolves with what the server answered. */
  abort(sessionID: string): Promise<boolean>;
  /**
   * Resolves once the session is idle (its latest status event since the last `promptAsync` is
   * idle) AND none of its events arrived for `settleMs` (default 300; OpenCode publishes a second idle pair at
   * the end of a failed turn). Returns the session's events since that prompt.
   */
  waitForIdle(sessionID: string, timeoutMs?: number, settleMs?: number): Promise<RecordedEvent[]>;
  /** The session's messages, oldest first. */
  messages(sessionID: string): Promise<SessionMessage[]>;
  /** The last assistant message of the session, or undefined. */
  lastAssistant(sessionID: string): Promise<SessionMessage | undefined>;
  /** Everything the server printed (stdout + stderr). */
  logs(): string;
  /** Stops the server and removes the temp dir (kept when `KEEP_E2E_TMP=1`). */
  stop(): Promise<void>;
}

/**
 * The session an event concerns: `properties.sessionID`, else the message's / part's `sessionID`,
 * else the session's own `id` for `session.*` events carrying `info`.
 */
export function sessionIdOf(event: { type: string; properties: any }): string | undefined {
  const p = event.properties;
  if (!p || typeof p !== "object") return undefined;
  if (typeof p.sessionID === "string") return p.sessionID;
  if (typeof p.info?.sessionID === "string") return p.info.sessionID;
  if (typeof p.part?.sessionID === "string") return p.part.sessionID;
  if (event.type.startsWith("session.") && typeof p.info?.id === "string") return p.info.id;
  return undefined;
}

/** The plain text of a message's text parts, joined. */
export function textOf(message: SessionMessage | undefined): string {
  if (!message) return "";
  return message.parts
    .filter((part) => part?.type === "text" && typeof part.text === "string")
    .map((part) => part.text as string)
    .join("");
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function opencodeBinary(): string {
  if (process.env.OPENCODE_E2E_BIN) return process.env.OPENCODE_E2E_BIN;
  // node_modules/.bin/opencode is a symlink to the native binary the postinstall put in place;
  // spawning the real file lets stop() signal OpenCode itself, not a wrapper.
  return realpathSync(join(REPO_ROOT, "node_modules", ".bin", "opencode"));
}

function pluginPackageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", "@opencode-ai", "plugin", "package.json"), "utf8"));
  return String(manifest.version);
}

/**
 * Makes OpenCode's background `npm install @opencode-ai/plugin` into a config dir a no-op.
 *
 * OpenCode 1.18.33 (`Npm.install`, run for every config dir it scans: the global config dir and
 * each existing `.opencode/`) reifies with Arborist unless `node_modules/` exists AND every
 * dependency named in `package.json` (plus `@opencode-ai/plugin`) is listed under
 * `packages[""]` of `package-lock.json`. Plugin loading awaits those installs, so without this a
 * start costs ~3 s online and ~70 s when the registry is unreachable. The symlink lets local
 * plugin files in that dir import `@opencode-ai/plugin` like after a real install.
 */
function preseedConfigDir(dir: string): void {
  const version = pluginPackageVersion();
  mkdirSync(join(dir, "node_modules", "@opencode-ai"), { recursive: true });
  const dependencies = { "@opencode-ai/plugin": version };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ dependencies }, null, 2)}\n`);
  writeFileSync(
    join(dir, "package-lock.json"),
    `${JSON.stringify({ name: "opencode", lockfileVersion: 3, requires: true, packages: { "": { dependencies } } }, null, 2)}\n`,
  );
  const link = join(dir, "node_modules", "@opencode-ai", "plugin");
  if (!existsSync(link)) symlinkSync(join(REPO_ROOT, "node_modules", "@opencode-ai", "plugin"), link, "dir");
}

function writeFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** Env passed through from the parent; everything else (notably any `OPENCODE_*`) is dropped. */
const INHERITED_ENV = ["PATH", "LANG", "LC_ALL", "TZ", "TERM", "SHELL", "USER", "LOGNAME"];

/** An isolated temp project wired to the mock: what every client (serve, run, the TUI) starts in. */
export interface PreparedProject {
  /** The temp root holding `project/` and the isolated `home/`. */
  readonly root: string;
  /** The project directory (the client's cwd, holding `opencode.json`). */
  readonly dir: string;
  /** The environment a client of this project runs with (isolated HOME / XDG dirs, nothing of ours). */
  readonly env: Record<string, string>;
  /** Removes the temp root (kept when `KEEP_E2E_TMP=1` or when it was reused). */
  cleanup(): void;
}

/** Writes the project of {@link StartOpencodeOptions} (config, agents, files) and builds its env. */
export function prepareProject(options: Omit<StartOpencodeOptions, "startTimeoutMs" | "logLevel">): PreparedProject {
  const root = options.reuseRoot ?? mkdtempSync(join(tmpdir(), "opencode-e2e-"));
  const dir = join(root, "project");
  const home = join(root, "home");
  const xdg = {
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_STATE_HOME: join(home, ".local", "state"),
  };
  for (const path of [dir, ...Object.values(xdg)]) mkdirSync(path, { recursive: true });
  if (options.preseedPluginInstall !== false) {
    preseedConfigDir(join(xdg.XDG_CONFIG_HOME, "opencode"));
    preseedConfigDir(join(dir, ".opencode"));
  }

  const modelEntries: Record<string, Record<string, unknown>> = Array.isArray(options.models)
    ? Object.fromEntries(options.models.map((id) => [id, { name: id }]))
    : { ...options.models };
  const modelIDs = Object.keys(modelEntries);
  if (modelIDs.length === 0) throw new Error("startOpencode: declare at least one mock model");
  modelEntries[MOCK_SMALL_MODEL] ??= { name: MOCK_SMALL_MODEL };

  const plugins = typeof options.plugins === "function" ? options.plugins(dir) : (options.plugins ?? []);
  const config = {
    $schema: "https://opencode.ai/config.json",
    provider: {
      [MOCK_PROVIDER_ID]: {
        npm: "@ai-sdk/openai-compatible",
        name: "Mock",
        options: { baseURL: options.mock.baseURL, apiKey: "mock-api-key" },
        models: modelEntries,
      },
      ...Object.fromEntries(
        Object.entries(options.extraProviders ?? {}).map(([id, models]) => [
          id,
          {
            npm: "@ai-sdk/openai-compatible",
            name: id,
            options: { baseURL: options.mock.baseURL, apiKey: `${id}-api-key` },
            models: Object.fromEntries(models.map((m) => [m, { name: m }])),
          },
        ]),
      ),
    },
    // Only the mock: no other provider is loaded, so nothing can reach the network.
    enabled_providers: [MOCK_PROVIDER_ID, ...Object.keys(options.extraProviders ?? {})],
    model: `${MOCK_PROVIDER_ID}/${options.model ?? modelIDs[0]}`,
    small_model: `${MOCK_PROVIDER_ID}/${MOCK_SMALL_MODEL}`,
    autoupdate: false,
    share: "disabled",
    plugin: plugins,
    ...options.config,
  };
  writeFile(join(dir, "opencode.json"), `${JSON.stringify(config, null, 2)}\n`);
  for (const [name, content] of Object.entries(options.agents ?? {})) {
    writeFile(join(dir, ".opencode", "agent", `${name}.md`), content);
  }
  for (const [path, content] of Object.entries(options.files ?? {})) writeFile(join(dir, path), content);

  const env: Record<string, string> = {};
  for (const key of INHERITED_ENV) if (process.env[key] !== undefined) env[key] = process.env[key]!;
  Object.assign(env, {
    HOME: home,
    ...xdg,
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    OPENCODE_DISABLE_SHARE: "1",
    OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
    ...options.env,
  });
  if (env.OPENCODE_PURE !== undefined) throw new Error("prepareProject: OPENCODE_PURE would skip the plugin under test");

  return {
    root,
    dir,
    env,
    cleanup() {
      if (process.env.KEEP_E2E_TMP === "1" || options.reuseRoot) return;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Starts `opencode serve` as described in {@link StartOpencodeOptions}. */
export async function startOpencode(options: StartOpencodeOptions): Promise<OpencodeHarness> {
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const project = prepareProject(options);
  const { root, dir, env } = project;
  // `--port 0` would not do: OpenCode then tries 4096 first and only falls back to a random port.
  const port = await freePort();
  const output: string[] = [];
  const logs = () => output.join("");
  const spawnedAt = Date.now();
  const child = spawn(
    opencodeBinary(),
    ["serve", "--hostname", "127.0.0.1", "--port", String(port), "--print-logs", "--log-level", options.logLevel ?? "INFO"],
    // Own process group, so stop() also ends anything OpenCode spawned.
    { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const killOnExit = () => killGroup(child, "SIGKILL");
  process.once("exit", killOnExit);
  child.stdout!.setEncoding("utf8").on("data", (text: string) => output.push(text));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => output.push(text));

  const cleanup = () => {
    process.removeListener("exit", killOnExit);
    project.cleanup();
  };

  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`opencode serve did not print its listening line within ${startTimeoutMs} ms.\n${tail(logs())}`)),
        startTimeoutMs,
      );
      const onData = () => {
        // Connections made before this line can hang forever, so nothing talks to the server earlier.
        const match = /opencode server listening on (http:\/\/\S+)/.exec(logs());
        if (!match) return;
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        resolve(match[1]!);
      };
      child.stdout!.on("data", onData);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`opencode serve exited early (code ${code}, signal ${signal}).\n${tail(logs())}`));
      });
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } catch (error) {
    await stopChild(child);
    cleanup();
    throw error;
  }
  const listeningMs = Date.now() - spawnedAt;

  const client = createOpencodeClient({ baseUrl: url, directory: dir });
  const recorder = new EventStream(url, dir);
  try {
    // Opening the stream boots the project instance (config, plugins); `server.connected` comes after.
    await recorder.connected(startTimeoutMs, logs);
  } catch (error) {
    recorder.close();
    await stopChild(child);
    cleanup();
    throw error;
  }
  const readyMs = Date.now() - spawnedAt;

  const lastPromptAt = new Map<string, number>();
  let stopped = false;

  const harness: OpencodeHarness = {
    url,
    dir,
    root,
    env,
    client,
    events: recorder,
    startup: { listeningMs, readyMs },
    async createSession(title) {
      const result = await client.session.create({ body: { title } });
      if (!result.data) throw new Error(`session.create failed: ${JSON.stringify(result.error)}`);
      return result.data.id;
    },
    async promptAsync(sessionID, input) {
      let model: { providerID: string; modelID: string } | undefined;
      if (typeof input.model === "string") {
        const slash = input.model.indexOf("/");
        model =
          slash < 0
            ? { providerID: MOCK_PROVIDER_ID, modelID: input.model }
            : { providerID: input.model.slice(0, slash), modelID: input.model.slice(slash + 1) };
      } else {
        model = input.model;
      }
      lastPromptAt.set(sessionID, Date.now());
      const result = await client.session.promptAsync({
        path: { id: sessionID },
        body: {
          parts: [{ type: "text", text: input.text }],
          ...(input.agent !== undefined ? { agent: input.agent } : {}),
          ...(model !== undefined ? { model } : {}),
          ...(input.system !== undefined ? { system: input.system } : {}),
        },
      });
      if (result.error !== undefined || result.response.status !== 204) {
        throw new Error(`promptAsync(${sessionID}) answered ${result.response.status}: ${JSON.stringify(result.error)}`);
      }
    },
    async abort(sessionID) {
      const result = await client.session.abort({ path: { id: sessionID } });
      if (result.error !== undefined) throw new Error(`abort(${sessionID}) failed: ${JSON.stringify(result.error)}`);
      return result.data === true;
    },
    async waitForIdle(sessionID, timeoutMs = 60_000, settleMs = 300) {
      const since = lastPromptAt.get(sessionID) ?? 0;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const events = recorder.ofSession(sessionID).filter((e) => e.at >= since);
        const statuses = events.filter((e) => e.type === "session.status" || e.type === "session.idle");
        const latest = statuses[statuses.length - 1];
        const idle = latest !== undefined && (latest.type === "session.idle" || latest.properties?.status?.type === "idle");
        const quietFor = Date.now() - (events[events.length - 1]?.at ?? 0);
        if (idle && quietFor >= settleMs) return events;
        if (Date.now() > deadline) {
          const seen = events.map((e) => `${e.at - since}ms ${e.type}${statusSuffix(e)}`).join("\n  ");
          throw new Error(`session ${sessionID} not idle within ${timeoutMs} ms; its events:\n  ${seen || "(none)"}\n${tail(logs())}`);
        }
        await sleep(25);
      }
    },
    async messages(sessionID) {
      const result = await client.session.messages({ path: { id: sessionID } });
      if (!result.data) throw new Error(`messages(${sessionID}) failed: ${JSON.stringify(result.error)}`);
      return result.data as SessionMessage[];
    },
    async lastAssistant(sessionID) {
      const all = await harness.messages(sessionID);
      return all.filter((m) => m.info?.role === "assistant").pop();
    },
    logs,
    async stop() {
      if (stopped) return;
      stopped = true;
      recorder.close();
      await stopChild(child);
      cleanup();
    },
  };
  return harness;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function statusSuffix(event: RecordedEvent): string {
  if (event.type === "session.status") return ` ${JSON.stringify(event.properties?.status)}`;
  if (event.type === "session.error") return ` ${JSON.stringify(event.properties?.error)}`;
  return "";
}

function tail(text: string, lines = 40): string {
  const all = text.trimEnd().split("\n");
  return `--- last ${Math.min(lines, all.length)} lines of opencode output ---\n${all.slice(-lines).join("\n")}`;
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  killGroup(child, "SIGTERM");
  const timeout = sleep(5_000).then(() => "timeout" as const);
  if ((await Promise.race([exited, timeout])) === "timeout") {
    killGroup(child, "SIGKILL");
    await exited;
  }
}

/** Reads `GET /event?directory=…` (server-sent events) into a list. */
class EventStream implements EventRecorder {
  readonly all: RecordedEvent[] = [];
  private readonly abort = new AbortController();
  private readonly waiters = new Set<{ predicate: (e: RecordedEvent) => boolean; resolve: (e: RecordedEvent) => void }>();
  private failure: unknown;

  constructor(url: string, directory: string) {
    void this.read(`${url}/event?directory=${encodeURIComponent(directory)}`);
  }

  /**
   * Reads the stream, and reconnects when the server ends it: a config update or a global dispose
   * re-creates OpenCode's instances and closes their event streams.
   */
  private async read(url: string): Promise<void> {
    for (let attempt = 0; attempt < 20 && !this.abort.signal.aborted; attempt++) {
      await this.readOnce(url);
      if (this.abort.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async readOnce(url: string): Promise<void> {
    try {
      const response = await fetch(url, { headers: { accept: "text/event-stream" }, signal: this.abort.signal });
      if (!response.ok || !response.body) throw new Error(`GET /event answered ${response.status}`);
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split("\n")
            .filter((line) => line.startsWith("data:"))
            .map((line) => line.slice(5).replace(/^ /, ""))
            .join("\n");
          if (data) this.push(data);
        }
      }
    } catch (error) {
      if (!this.abort.signal.aborted) this.failure = error;
    }
  }

  private push(data: string): void {
    let parsed: any;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    const event: RecordedEvent = { at: Date.now(), type: String(parsed?.type), properties: parsed?.properties };
    this.all.push(event);
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(event)) {
        this.waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  }

  async connected(timeoutMs: number, logs: () => string): Promise<void> {
    try {
      await this.waitFor((e) => e.type === "server.connected", timeoutMs);
    } catch {
      throw new Error(`event stream not connected within ${timeoutMs} ms (${String(this.failure ?? "no error")}).\n${tail(logs())}`);
    }
  }

  waitFor(predicate: (event: RecordedEvent) => boolean, timeoutMs = 15_000): Promise<RecordedEvent> {
    const existing = this.all.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (event: RecordedEvent) => {
          clearTimeout(timer);
          resolve(event);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const types = this.all.slice(-30).map((e) => `${e.type}${statusSuffix(e)}`).join("\n  ");
        reject(new Error(`no matching event within ${timeoutMs} ms${this.failure ? ` (stream failed: ${String(this.failure)})` : ""}; last events:\n  ${types}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  ofSession(id: string): RecordedEvent[] {
    return this.all.filter((event) => sessionIdOf(event) === id);
  }

  close(): void {
    this.abort.abort();
  }
}

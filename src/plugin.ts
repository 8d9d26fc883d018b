import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { Hooks, PluginInput } from "@opencode-ai/plugin";
import { AgentFiles, agentConfigDirs, type FileSystemPort } from "./agents/agent-files";
import { classifyError } from "./classify/classify-error";
import { agentSource, stripFallbackKeys, type ConfigAgents } from "./agents/config-agents";
import { fileDecisionLog, silentDecisionLog, type DecisionLog } from "./support/debug-log";
import { opencodePort, type OpencodePort, type SdkClientLike } from "./host/opencode-port";
import { handleRoutedEvent } from "./recovery/recover-session";
import type { RecoveryDeps } from "./recovery/recovery-deps";
import { resolveFallback } from "./agents/resolve-fallback";
import { routeEvent } from "./host/route-event";
import { SessionBook } from "./sessions/session-state";
import { loadSettings } from "./settings/settings";
import { fileLaneStore, type LaneStore } from "./lanes/lane-store";
import { SharedHealth } from "./lanes/shared-health";
import { laneGuard } from "./lanes/lane-guard";
import { steerTurn } from "./lanes/lane-steering";
import { SubtaskRepair } from "./recovery/repair-subtasks";
import { PaceRouter } from "./pace/pace-router";
import { HeadlessRun, type RunOutput } from "./host/headless-run";
import { hostProcessOf } from "./host/host-process";
import { usageSources } from "./pace/usage-sources";

import { redactSecrets, redactValue } from "./support/redact";
import { describeError } from "./support/best-effort";
import { parseJsonc } from "./support/jsonc";

/** The plugin's id, as OpenCode lists it. */
export const PLUGIN_ID = "opencode-session-fallback";

/** Everything {@link createHooks} takes from outside; tests replace any part. */
export interface HookEnvironment {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly port?: OpencodePort;
  readonly fs?: FileSystemPort;
  readonly clock?: () => number;
  readonly decisions?: DecisionLog;
  readonly home?: string;
  /** Receives the promise of each piece of work an event starts (tests await them). */
  readonly track?: (work: Promise<unknown>) => void;
  /** Where lane health is kept; default the state file of the settings. */
  readonly laneStore?: LaneStore;
  /** Usage sources for the pace router; default: the test scenario, or the real sources. */
  readonly usageSources?: readonly import("./pace/usage-types").UsageSource[];
  /** The process arguments the client is read from (default `process.argv`). */
  readonly argv?: readonly string[];
  /** Where a headless run prints (default the process's streams and exit code). */
  readonly output?: RunOutput;
}

const DONE: Promise<void> = Promise.resolve();

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    (timer as { unref?: () => void }).unref?.();
  });

/**
 * Builds the plugin's hooks. Synchronous and cheap: OpenCode awaits every plugin's init in turn.
 *
 * - `event`: reacts to `session.status` (retry), `session.error` and `session.idle`; every other event
 *   leaves after one comparison. It never throws and never returns a rejecting promise (OpenCode calls it
 *   without `await` or `catch`, inside its event bus).
 * - `config`: takes `fallback_agent` out of the agents' options so it never reaches a provider.
 */
export function createHooks(
  input: Pick<PluginInput, "directory" | "worktree"> & { readonly client: unknown },
  options: unknown,
  environment: HookEnvironment = {},
): Hooks {
  const env = environment.env ?? process.env;
  const clock = environment.clock ?? Date.now;
  const { settings, warnings } = loadSettings(env, options, input.directory);
  // Once dispose starts (OpenCode re-initializes plugins on a config update; `opencode run` closes),
  // new events belong to the next instance; a recovery in flight still finishes (its continuation goes
  // out, or the user is told), then this instance makes no call.
  let closing = false;
  let disposed = false;
  const port = refuseWhenDisposed(environment.port ?? opencodePort(input.client as SdkClientLike, settings.apiTimeoutMs), () => disposed);
  const warn = (message: string) => {
    port.log("warn", message).catch(() => undefined);
  };
  for (const warning of warnings) warn(warning);

  const decisions =
    environment.decisions ?? (settings.debug ? fileDecisionLog(settings.debugLogPath, warn, undefined, clock) : silentDecisionLog);
  const files = new AgentFiles(
    agentConfigDirs({ directory: input.directory, worktree: input.worktree, env, ...(environment.home ? { home: environment.home } : {}) }),
    environment.fs,
  );
  let configAgents: ConfigAgents = new Map();
  const lookup = agentSource(files, () => configAgents);
  const book = new SessionBook();
  // A throw inside a session's queued work: one error line naming the session and the step (issue 12).
  book.onWorkError = (sessionID, step, error) => {
    const text = describeError(error);
    decisions.write({ level: "error", outcome: "internal-error", event: step, sessionID, error: text });
    port.log("error", `internal error in session ${sessionID} while ${step}: ${text}; this step is dropped, the session's next events are handled`).catch(() => undefined);
  };
  const shared = new SharedHealth(environment.laneStore ?? fileLaneStore(settings.stateFile), warn, clock);
  const noteFor =
    (event: string) =>
    (level: "debug" | "info" | "warn", record: { outcome: string; [key: string]: unknown }, message: string) => {
      decisions.write({ level, message, event, ...record });
      if (level !== "debug") port.log(level, message, { outcome: record.outcome }).catch(() => undefined);
    };
  const pace = new PaceRouter({
    settings: settings.pace,
    sources: usageSources(settings, env, port, environment.usageSources),
    book,
    port,
    clock,
    note: noteFor("idle"),
    persistShadowedBy: () => modelShadow(input.directory, env),
    avoid: (model, now) => laneGuard(shared.health, settings.pools, undefined, now).avoid(model),
  });
  const host = hostProcessOf(environment.argv ?? process.argv);
  const headless = host.kind === "run" ? new HeadlessRun(host, port, settings.runWaitMs, environment.output) : undefined;
  const deps: RecoveryDeps = {
    ...(headless ? { headless } : {}),
    afterTurn: (sessionID, last) => pace.afterTurn(sessionID, last),
    usageReset: (model, now) => pace.exhaustedUntil(model.providerID, now),
    port,
    classify: classifyError,
    resolve: (agent, guard) => resolveFallback(agent, lookup, guard),
    shared,
    settings,
    book,
    decisions,
    clock,
  };
  const subtasks = new SubtaskRepair(
    book,
    undefined,
    (childID, result) =>
      decisions.write({ outcome: "subtask-repaired", event: "messages.transform", sessionID: childID, result: result === "timeout" ? "timeout" : result.status }),
    async (part) => {
      if (!port.updatePart) return;
      try {
        await port.updatePart(part);
      } catch (error) {
        decisions.write({ outcome: "part-store-failed", event: "messages.transform", sessionID: part.sessionID, error: error instanceof Error ? error.message : String(error) });
      }
    },
  );
  const note = noteFor("chat.message");
  decisions.write({ outcome: "started", event: "init", client: host.kind, settings: { ...settings, fallbackOn: [...settings.fallbackOn] }, agentFolders: files.folders, warnings });

  return {
    event(input: { event: unknown }): Promise<void> {
      try {
        const routed = routeEvent(input?.event);
        if (routed === undefined) return DONE;
        // While closing, only the continuation a headless run follows is still this instance's to handle.
        if (closing && !headless?.isFollowing(routed.sessionID)) return DONE;
        const work = handleRoutedEvent(routed, deps).catch(() => undefined);
        environment.track?.(work);
      } catch {
        // Never into the host: a throw here would break OpenCode's event bus.
      }
      return DONE;
    },
    async "chat.message"(input, output) {
      if (closing) return;
      try {
        shared.refresh();
        await steerTurn(input.sessionID, output.message as never, output.parts, {
          book,
          health: shared.health,
          settings,
          port,
          resolve: deps.resolve,
          clock,
          note,
        });
      } catch (error) {
        warn(`internal error while steering a new turn of session ${input?.sessionID}: ${error instanceof Error ? error.message : String(error)}; the turn runs as the client asked`);
      }
    },
    async "experimental.chat.messages.transform"(_input, output) {
      try {
        await subtasks.repair(output?.messages);
      } catch {
        // The parent's request goes on as OpenCode built it.
      }
    },
    async config(config) {
      try {
        configAgents = stripFallbackKeys(config);
      } catch {
        // stripFallbackKeys is total; this guard only keeps a future change from reaching the host.
      }
    },
    async dispose() {
      closing = true;
      try {
        // A recovery in flight finishes first (each of its calls is bounded by apiTimeoutMs).
        await Promise.race([book.drain(), sleep(settings.apiTimeoutMs)]);
        if (headless?.pending) await headless.finish();
        // Lane health reaches the state file before the process may exit: the next run reads it.
        await shared.settled();
      } catch (error) {
        warn(`internal error while closing: ${error instanceof Error ? error.message : String(error)}`);
      }
      disposed = true;
      book.clear();
    },
  } as Hooks;
}

/**
 * A port whose calls that act on a session (read, abort, prompt, config) reject once `isDisposed()` is
 * true. Toasts and log lines still go out: a recovery cut short by the disposal tells the user so.
 */
function refuseWhenDisposed(port: OpencodePort, isDisposed: () => boolean): OpencodePort {
  const guard =
    <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      isDisposed() ? Promise.reject(new Error(`the plugin instance was disposed; ${name} is not sent`)) : call(...args);
  return {
    messages: guard("reading messages", (id) => port.messages(id)),
    abort: guard("abort", (id) => port.abort(id)),
    promptAsync: guard("the continuation prompt", (id, body) => port.promptAsync(id, body)),
    // The boundary of OpenCode's log and the TUI: every text redacted here, whoever wrote it (recovery, steering, pace router, settings).
    toast: (t) => port.toast({ ...t, title: redactSecrets(t.title), message: redactSecrets(t.message) }),
    configUpdate: guard("the config update", (p) => port.configUpdate(p)),
    tokenUse: guard("reading the session history", (since) => port.tokenUse(since)),
    log: (level, message, extra) => port.log(level, redactSecrets(message), extra === undefined ? undefined : (redactValue(extra) as Record<string, unknown>)),
    ...(port.transcript ? { transcript: guard("reading the transcript", (id: string) => port.transcript!(id)) } : {}),
    ...(port.parentOf ? { parentOf: guard("reading the session", (id: string) => port.parentOf!(id)) } : {}),
    ...(port.isBusy ? { isBusy: guard("reading the session status", (id: string) => port.isBusy!(id)) } : {}),
    ...(port.pendingPermissions ? { pendingPermissions: guard("listing permission requests", (id: string) => port.pendingPermissions!(id)) } : {}),
    ...(port.replyPermission ? { replyPermission: guard("answering a permission request", (id: string, reply: "once" | "reject") => port.replyPermission!(id, reply)) } : {}),
    ...(port.updatePart ? { updatePart: guard("storing a part", (part: Parameters<NonNullable<OpencodePort["updatePart"]>>[0]) => port.updatePart!(part)) } : {}),
  };
}

/**
 * What overrides the project's config.json model (where `config.update` writes): a top-level `model` in
 * the project's opencode.json / opencode.jsonc, or in OPENCODE_CONFIG_CONTENT. Read when needed (rare).
 */
function modelShadow(directory: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const declares = (text: string | undefined) => {
    if (!text) return false;
    return typeof parseJsonc(text)?.model === "string";
  };
  if (declares(env.OPENCODE_CONFIG_CONTENT)) return "OPENCODE_CONFIG_CONTENT";
  for (const name of ["opencode.json", "opencode.jsonc"]) {
    const file = path.join(directory, name);
    try {
      if (declares(readFileSync(file, "utf8"))) return file;
    } catch {
      // No such file: nothing shadows from there.
    }
  }
  return undefined;
}

/**
 * Helpers for tests that drive the real hooks object (`createHooks`) the way OpenCode does: events
 * sent without `await`, work tracked so a test can wait for everything an event started.
 *
 * Additive to `fake-opencode.ts`: nothing here changes how the existing tests run.
 */
import * as path from "node:path";
import type { Hooks } from "@opencode-ai/plugin";
import { createHooks, type HookEnvironment } from "../../src/plugin";
import type { AppendPort, DecisionRecord } from "../../src/support/debug-log";
import type { MessageInfo, PromptBody, SdkClientLike } from "../../src/host/opencode-port";
import { ABORTED, FakeOpencode, ev, settle as flush, tempProject } from "./fake-opencode";

export type Project = ReturnType<typeof tempProject>;

/** The primary agent of most tests: it declares `metis` as its fallback. */
export const SOURCE = `---
description: the user's agent
fallback_agent: metis
---
You are the primary agent.
`;

/** The fallback agent: lane `backup/model-b`. */
export const TARGET = `---
model: backup/model-b
---
You are Metis, the fallback lane. Be brief.
`;

/**
 * An environment that keeps every file the plugin may write inside the temp project: the lane state
 * file, OpenCode's data folder (the default state file when a configured one is refused), HOME and the
 * global config folder.
 */
export function safeEnv(project: Project, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    OPENCODE_SESSION_FALLBACK_STATE_FILE: path.join(project.home, "lanes.json"),
    HOME: project.home,
    XDG_DATA_HOME: path.join(project.home, ".local", "share"),
    XDG_CONFIG_HOME: path.join(project.home, ".config"),
    ...extra,
  };
}

/** A running hooks object and what it did. */
export interface Harness {
  readonly hooks: Hooks;
  /** Every decision record the plugin wrote (unless `environment.decisions` was given). */
  readonly decisions: DecisionRecord[];
  /** The promise of every piece of work an event started. */
  readonly work: Promise<unknown>[];
  /** Sends one event as OpenCode does: no await, no catch. Returns what the hook returned. */
  send(event: unknown): unknown;
  /** Waits for every piece of work the events started, including work started by that work. */
  settle(): Promise<void>;
}

/** Starts the real hooks with a fake port and a safe environment. */
/** Every hooks object a test started and has not closed yet. */
const open = new Set<Hooks>();

/**
 * Closes every hooks object the test started, as OpenCode does at exit: recoveries in flight end and
 * the lane state file's writes finish. Call it before removing the temp project, or a write still
 * running (500 sessions' worth) races the removal.
 */
export async function closeAllHooks(): Promise<void> {
  const closing = [...open];
  open.clear();
  // A hooks object left mid-recovery on purpose (a hung prompt) would hold dispose for apiTimeoutMs: 3 s each at most.
  const bounded = (work: Promise<void> | undefined) => Promise.race([work, new Promise<void>((resolve) => setTimeout(resolve, 3000).unref())]);
  await Promise.all(closing.map((hooks) => bounded((hooks as { dispose?: () => Promise<void> }).dispose?.())));
}

export function startHooks(input: {
  readonly project: Project;
  readonly port?: HookEnvironment["port"];
  readonly client?: unknown;
  readonly env?: Record<string, string | undefined>;
  readonly options?: unknown;
  readonly environment?: Partial<HookEnvironment>;
  /** Replace the whole env (still give it a safe state file). */
  readonly rawEnv?: Record<string, string | undefined>;
}): Harness {
  const decisions: DecisionRecord[] = [];
  const work: Promise<unknown>[] = [];
  const hooks = createHooks({ directory: input.project.dir, worktree: input.project.dir, client: input.client ?? {} }, input.options, {
    env: input.rawEnv ?? safeEnv(input.project, input.env),
    ...(input.port ? { port: input.port } : {}),
    home: input.project.home,
    decisions: { write: (r) => void decisions.push(r) },
    track: (w) => void work.push(w),
    // No usage source by default: a test must never reach a provider's usage API over the network.
    usageSources: [],
    ...input.environment,
  });
  open.add(hooks);
  return {
    hooks,
    decisions,
    work,
    send: (event) => hooks.event!({ event } as never),
    async settle() {
      for (let seen = -1; seen !== work.length; ) {
        seen = work.length;
        await Promise.all(work);
        await flush();
      }
    },
  };
}

/**
 * Waits, on real time and without timers (tests may fake them), until `condition` holds or `ms` pass.
 * For work the plugin does not hand to `track` (debug log appends, lane state writes).
 */
export async function until(condition: () => boolean, ms = 5000): Promise<void> {
  for (const t0 = performance.now(); !condition() && performance.now() - t0 < ms; ) await flush(1);
}

/** A promise resolved or rejected by hand. */
export function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** An in-memory {@link AppendPort}: every line `fileDecisionLog` appends, in order. */
export function memoryAppend(): AppendPort & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    mkdir: async () => undefined,
    appendFile: async (_file, text) => {
      for (const line of text.split("\n")) if (line.length > 0) lines.push(line);
    },
  };
}

/**
 * A FakeOpencode that behaves a little more like OpenCode after the plugin acts:
 * - `promptAsync` starts a new turn (a synthetic user message and a running assistant message on the
 *   prompted model), as OpenCode does within a few ms of answering 204;
 * - `abort` calls {@link ScriptedOpencode.onAbortPublish} so a test can publish what OpenCode publishes.
 */
export class ScriptedOpencode extends FakeOpencode {
  private turns = 0;
  override async promptAsync(sessionID: string, body: PromptBody): Promise<void> {
    await super.promptAsync(sessionID, body);
    const list = this.sessions.get(sessionID) ?? [];
    this.turns += 1;
    const user = `msg_user_cont_${this.turns}`;
    list.push(
      { id: user, role: "user", agent: body.agent, model: { ...body.model } },
      { id: `msg_asst_cont_${this.turns}`, role: "assistant", mode: body.agent, providerID: body.model.providerID, modelID: body.model.modelID, parentID: user },
    );
    this.sessions.set(sessionID, list);
  }
}

/** What OpenCode publishes around an abort: the MessageAbortedError and an idle pair. */
export function abortAnnouncements(sessionID: string): unknown[] {
  return [ev.error(sessionID, ABORTED), ev.statusIdle(sessionID), ev.idle(sessionID)];
}

/** One call the plugin made through the SDK client. */
export type SdkCall = { readonly call: string; readonly options: unknown };

/**
 * A fake of the SDK client OpenCode hands a plugin (the part {@link SdkClientLike} names), for tests of
 * the real adapter `opencodePort`. Each method answers like the generated SDK: `{ data }`, or
 * `{ error, response }`; override a method to hang or fail.
 */
export function fakeSdkClient(sessions: Map<string, MessageInfo[]>): SdkClientLike & {
  readonly calls: SdkCall[];
  logs(): Array<{ level: string; message: string }>;
  toasts(): Array<{ variant: string; message: string; title?: string }>;
  count(call: string): number;
} {
  const calls: SdkCall[] = [];
  const record = (call: string, options: unknown) => void calls.push({ call, options });
  return {
    calls,
    logs: () =>
      calls.flatMap((c) => (c.call === "app.log" ? [(c.options as { body: { level: string; message: string } }).body] : [])).map((b) => ({ level: b.level, message: b.message })),
    toasts: () => calls.flatMap((c) => (c.call === "tui.showToast" ? [(c.options as { body: { variant: string; message: string; title?: string } }).body] : [])),
    count: (call) => calls.filter((c) => c.call === call).length,
    session: {
      async messages(options) {
        record("session.messages", options);
        return { data: (sessions.get(options.path.id) ?? []).map((info) => ({ info, parts: [] })) };
      },
      async abort(options) {
        record("session.abort", options);
        return { data: true };
      },
      async promptAsync(options) {
        record("session.promptAsync", options);
        return { data: undefined };
      },
    },
    tui: {
      async showToast(options) {
        record("tui.showToast", options);
        return { data: true };
      },
    },
    app: {
      async log(options) {
        record("app.log", options);
        return { data: true };
      },
    },
  };
}

import type { ModelRef } from "./model-ref";
import { hasOutputPart, lastTextOf } from "./message-parts";

/** The fields of a stored message the plugin reads. Everything is optional: the shape is not ours. */
export interface MessageInfo {
  readonly id: string;
  readonly role: "user" | "assistant" | string;
  readonly agent?: string;
  readonly mode?: string;
  readonly providerID?: string;
  readonly modelID?: string;
  readonly model?: Partial<ModelRef>;
  readonly parentID?: string;
  readonly error?: unknown;
  readonly time?: { readonly created?: number; readonly completed?: number };
  /** Why the model stopped (`stop`, `tool-calls`, `length`, …); absent when no model answered. */
  readonly finish?: string;
  readonly tokens?: { readonly output?: number };
  /** The text of the message's last text part, as OpenCode's task tool reads a sub-agent's answer. */
  readonly lastText?: string;
  /** Set by the port: the message has a non-empty text part or a tool part (the model produced output). */
  readonly hasOutput?: boolean;
}

/** The body of the continuation prompt. */
export interface PromptBody {
  readonly agent: string;
  readonly model: ModelRef;
  readonly system: string;
  readonly parts: ReadonlyArray<{ readonly type: "text"; readonly text: string; readonly synthetic?: boolean }>;
}

/** A TUI toast. */
export interface Toast {
  readonly title: string;
  readonly message: string;
  readonly variant: "info" | "success" | "warning" | "error";
  readonly duration?: number;
}

/** Levels of OpenCode's own log. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * The handful of OpenCode calls the plugin makes. Every call rejects with an Error whose message names
 * the call and what went wrong; the caller decides what happens next.
 */
export interface OpencodePort {
  /** The latest messages of a session, oldest first. */
  messages(sessionID: string): Promise<readonly MessageInfo[]>;
  /**
   * The latest messages with their parts as OpenCode stores them (text, tool, step parts), oldest
   * first: what a headless run prints of a continuation. Optional: only that path reads it.
   */
  transcript?(sessionID: string): Promise<ReadonlyArray<{ readonly info: MessageInfo; readonly parts: readonly unknown[] }>>;
  /** The session's parent, when it is a sub-agent's session. Optional: only the headless run path asks. */
  parentOf?(sessionID: string): Promise<string | undefined>;
  /** Whether the session's runner is working (`GET /session/status`). Optional: headless run only. */
  isBusy?(sessionID: string): Promise<boolean>;
  /** Permission requests of a session waiting for an answer (`GET /permission`). Optional: headless run only. */
  pendingPermissions?(sessionID: string): Promise<ReadonlyArray<{ readonly id: string; readonly permission: string; readonly patterns: readonly string[] }>>;
  /** Answers a permission request (`POST /permission/{requestID}/reply`), as `opencode run` does. */
  replyPermission?(requestID: string, reply: "once" | "reject"): Promise<void>;
  /** Aborts the running turn; resolves once the session's runner is idle. */
  abort(sessionID: string): Promise<boolean>;
  /** Queues a prompt; resolves when OpenCode accepted it (the turn itself runs on). */
  promptAsync(sessionID: string, body: PromptBody): Promise<void>;
  toast(toast: Toast): Promise<void>;
  /**
   * Writes OpenCode's global config (`PATCH /global/config`); OpenCode then re-initializes its instances.
   * Not `client.config.update` (`PATCH /config`): in OpenCode 1.18 that writes `<project>/config.json`,
   * a file the project config loader no longer reads (it reads opencode.json / opencode.jsonc), so the
   * model written there never takes effect.
   */
  configUpdate(patch: Readonly<Record<string, unknown>>): Promise<void>;
  /** Token use of the assistant messages created at or after `since`, across the project's sessions. */
  tokenUse(since: number): Promise<ReadonlyArray<{ readonly providerID: string; readonly at: number; readonly tokens: number }>>;
  /**
   * Stores a changed message part (`PATCH /session/{sessionID}/message/{messageID}/part/{partID}`), so
   * the TUI and later turns see the repaired part. Optional: the v1 SDK has no method for the route.
   */
  updatePart?(part: { readonly sessionID: string; readonly messageID: string; readonly id: string }): Promise<void>;
  log(level: LogLevel, message: string, extra?: Record<string, unknown>): Promise<void>;
}

/** The service name under which the plugin writes to OpenCode's log. */
export const SERVICE = "opencode-session-fallback";

/** The local usage source reads at most this many recent sessions. */
export const MAX_HISTORY_SESSIONS = 200;

/** How many of the latest messages are read to find the failed turn. */
export const MESSAGE_WINDOW = 30;

/** The parts of the SDK client the adapter calls (structurally typed, so any client version fits). */
export interface SdkClientLike {
  session: {
    list?(options?: unknown): Promise<unknown>;
    get?(options: { path: { id: string } }): Promise<unknown>;
    status?(options?: unknown): Promise<unknown>;
    messages(options: { path: { id: string }; query?: { limit?: number } }): Promise<unknown>;
    abort(options: { path: { id: string } }): Promise<unknown>;
    promptAsync(options: { path: { id: string }; body: unknown }): Promise<unknown>;
  };
  tui: { showToast(options: { body: unknown }): Promise<unknown> };
  app: { log(options: { body: unknown }): Promise<unknown> };
  /** The SDK's underlying HTTP client (hey-api), used for the routes the v1 SDK has no method for. */
  _client?: {
    patch?(options: { url: string; path: Record<string, string>; body: unknown; headers?: Record<string, string> }): Promise<unknown>;
    get?(options: { url: string }): Promise<unknown>;
    post?(options: { url: string; path: Record<string, string>; body: unknown; headers?: Record<string, string> }): Promise<unknown>;
  };
}

/**
 * Adapts the SDK client OpenCode hands the plugin to {@link OpencodePort}: unwraps `{ data, error }`
 * results into values or Errors, and bounds every call by `timeoutMs` so a hung server never parks a
 * recovery forever.
 */
export function opencodePort(client: SdkClientLike, timeoutMs: number): OpencodePort {
  const call = async (what: string, run: () => Promise<unknown>): Promise<unknown> => {
    const result = await withTimeout(run(), timeoutMs, what);
    if (typeof result === "object" && result !== null && "error" in result && (result as { error?: unknown }).error) {
      const status = (result as { response?: { status?: unknown } }).response?.status;
      throw new Error(`${what} failed${typeof status === "number" ? ` (HTTP ${status})` : ""}: ${brief((result as { error: unknown }).error)}`);
    }
    return typeof result === "object" && result !== null && "data" in result ? (result as { data: unknown }).data : result;
  };
  const transcript = async (sessionID: string) => {
    const data = await call(`reading the messages of session ${sessionID}`, () =>
      client.session.messages({ path: { id: sessionID }, query: { limit: MESSAGE_WINDOW } }),
    );
    if (!Array.isArray(data)) throw new Error(`reading the messages of session ${sessionID} returned ${brief(data)}`);
    const entries: Array<{ info: MessageInfo; parts: readonly unknown[] }> = [];
    for (const entry of data) {
      const info = (entry as { info?: unknown } | null)?.info;
      if (typeof info === "object" && info !== null && typeof (info as { id?: unknown }).id === "string") {
        const raw = (entry as { parts?: unknown }).parts;
        const parts = Array.isArray(raw) ? (raw as unknown[]) : [];
        const lastText = lastTextOf(parts);
        entries.push({ info: { ...(info as MessageInfo), ...(lastText === undefined ? {} : { lastText }), hasOutput: hasOutputPart(parts) }, parts });
      }
    }
    return entries;
  };
  return {
    async messages(sessionID) {
      return (await transcript(sessionID)).map((entry) => entry.info);
    },
    transcript,
    async parentOf(sessionID) {
      const get = client.session.get;
      if (typeof get !== "function") return undefined;
      const data = await call(`reading session ${sessionID}`, () => get.call(client.session, { path: { id: sessionID } }));
      const parentID = (data as { parentID?: unknown } | null)?.parentID;
      return typeof parentID === "string" ? parentID : undefined;
    },
    async abort(sessionID) {
      const data = await call(`aborting session ${sessionID}`, () => client.session.abort({ path: { id: sessionID } }));
      return data === true;
    },
    async promptAsync(sessionID, body) {
      await call(`prompting session ${sessionID}`, () => client.session.promptAsync({ path: { id: sessionID }, body }));
    },
    async toast(toast) {
      await call("showing a toast", () => client.tui.showToast({ body: toast }));
    },
    async configUpdate(patch) {
      const http = client._client;
      if (typeof http?.patch !== "function") throw new Error("updating the global config is not supported by this OpenCode client");
      await call("updating OpenCode's global config", () =>
        http.patch!({ url: "/global/config", path: {}, body: patch, headers: { "Content-Type": "application/json" } }),
      );
    },
    async tokenUse(since) {
      const list = client.session.list;
      if (typeof list !== "function") throw new Error("listing sessions is not supported by this OpenCode client");
      const sessions = await call("listing sessions", () => list.call(client.session));
      if (!Array.isArray(sessions)) return [];
      const recent = sessions
        .filter((s) => typeof (s as { id?: unknown })?.id === "string" && Number((s as { time?: { updated?: unknown } }).time?.updated ?? 0) >= since)
        .slice(0, MAX_HISTORY_SESSIONS);
      const uses: Array<{ providerID: string; at: number; tokens: number }> = [];
      for (const session of recent) {
        const id = (session as { id: string }).id;
        const data = await call(`reading the messages of session ${id}`, () => client.session.messages({ path: { id } }));
        if (!Array.isArray(data)) continue;
        for (const entry of data) {
          const info = (entry as { info?: Record<string, unknown> } | null)?.info;
          if (!info || info.role !== "assistant" || typeof info.providerID !== "string") continue;
          const at = Number((info.time as { created?: unknown } | undefined)?.created ?? 0);
          if (!(at >= since)) continue;
          const t = info.tokens as { input?: unknown; output?: unknown; reasoning?: unknown; cache?: { read?: unknown; write?: unknown } } | undefined;
          const tokens = [t?.input, t?.output, t?.reasoning, t?.cache?.read, t?.cache?.write].reduce<number>((sum, v) => sum + (typeof v === "number" && v > 0 ? v : 0), 0);
          if (tokens > 0) uses.push({ providerID: info.providerID, at, tokens });
        }
      }
      return uses;
    },
    async isBusy(sessionID) {
      const status = client.session.status;
      if (typeof status !== "function") return false;
      const data = await call("reading the session status", () => status.call(client.session));
      const type = (data as Record<string, { type?: unknown } | undefined> | null)?.[sessionID]?.type;
      return type === "busy" || type === "retry";
    },
    async pendingPermissions(sessionID) {
      const http = client._client;
      if (typeof http?.get !== "function") return [];
      const data = await call("listing permission requests", () => http.get!({ url: "/permission" }));
      if (!Array.isArray(data)) return [];
      return data.flatMap((entry) => {
        const e = entry as { id?: unknown; sessionID?: unknown; permission?: unknown; patterns?: unknown } | null;
        if (typeof e?.id !== "string" || e.sessionID !== sessionID) return [];
        const patterns = Array.isArray(e.patterns) ? e.patterns.filter((p): p is string => typeof p === "string") : [];
        return [{ id: e.id, permission: typeof e.permission === "string" ? e.permission : "permission", patterns }];
      });
    },
    async replyPermission(requestID, reply) {
      const http = client._client;
      if (typeof http?.post !== "function") throw new Error("answering a permission request is not supported by this OpenCode client");
      await call(`answering permission request ${requestID}`, () =>
        http.post!({ url: "/permission/{requestID}/reply", path: { requestID }, body: { reply }, headers: { "Content-Type": "application/json" } }),
      );
    },
    async updatePart(part) {
      const http = client._client;
      if (typeof http?.patch !== "function") throw new Error("storing a message part is not supported by this OpenCode client");
      await call(`storing part ${part.id} of session ${part.sessionID}`, () =>
        http.patch!({
          url: "/session/{sessionID}/message/{messageID}/part/{partID}",
          path: { sessionID: part.sessionID, messageID: part.messageID, partID: part.id },
          body: part,
          headers: { "Content-Type": "application/json" },
        }),
      );
    },
    async log(level, message, extra) {
      await call("writing to OpenCode's log", () =>
        client.app.log({ body: { service: SERVICE, level, message, ...(extra ? { extra } : {}) } }),
      );
    },
  };
}

/** Rejects with a message naming `what` when `promise` has not settled after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    (timer as { unref?: () => void }).unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function brief(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

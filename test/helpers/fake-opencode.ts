import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { LogLevel, MessageInfo, OpencodePort, PromptBody, Toast } from "../../src/host/opencode-port";

/** One call the plugin made to OpenCode. */
export type PortCall =
  | { readonly call: "messages"; readonly sessionID: string }
  | { readonly call: "abort"; readonly sessionID: string }
  | { readonly call: "promptAsync"; readonly sessionID: string; readonly body: PromptBody }
  | { readonly call: "toast"; readonly toast: Toast }
  | { readonly call: "configUpdate"; readonly patch: Readonly<Record<string, unknown>> }
  | { readonly call: "log"; readonly level: LogLevel; readonly message: string };

/** A fake OpenCode: plain object implementing the port, with scripted sessions and recorded calls. */
export class FakeOpencode implements OpencodePort {
  readonly calls: PortCall[] = [];
  readonly sessions = new Map<string, MessageInfo[]>();
  /** Replace to make a call fail or hang. */
  failures: Partial<Record<"messages" | "abort" | "promptAsync" | "toast" | "log" | "configUpdate", () => Promise<never>>> = {};
  /** What `tokenUse` answers (the local usage source's history). */
  history: Array<{ providerID: string; at: number; tokens: number }> = [];
  /** Called inside `abort`, before it resolves: lets a test publish the MessageAbortedError OpenCode would. */
  onAbort: (sessionID: string) => void = () => {};

  /** A session whose last turn failed on `model`, run by `agent`. */
  failedTurn(sessionID: string, agent: string, model = "primary/model-a", error: unknown = undefined): void {
    const [providerID, modelID] = model.split("/") as [string, string];
    this.sessions.set(sessionID, [
      { id: `msg_user_${sessionID}`, role: "user", agent, model: { providerID, modelID } },
      { id: `msg_asst_${sessionID}`, role: "assistant", mode: agent, providerID, modelID, parentID: `msg_user_${sessionID}`, ...(error ? { error } : {}) },
    ]);
  }

  /**
   * A new turn that failed, appended as OpenCode stores one: a user message and its assistant message,
   * each with a fresh id that sorts after every earlier one. Returns the assistant message's id.
   */
  appendFailedTurn(sessionID: string, agent: string, model: string, error: unknown): string {
    const [providerID, modelID] = model.split("/") as [string, string];
    const messages = this.sessions.get(sessionID) ?? [];
    const user = this.nextID();
    const assistant = this.nextID();
    messages.push({ id: user, role: "user", agent, model: { providerID, modelID } }, { id: assistant, role: "assistant", mode: agent, providerID, modelID, parentID: user, error });
    this.sessions.set(sessionID, messages);
    return assistant;
  }

  count(call: PortCall["call"]): number {
    return this.calls.filter((c) => c.call === call).length;
  }

  prompts(): Array<{ sessionID: string; body: PromptBody }> {
    return this.calls.flatMap((c) => (c.call === "promptAsync" ? [{ sessionID: c.sessionID, body: c.body }] : []));
  }

  async messages(sessionID: string): Promise<readonly MessageInfo[]> {
    this.calls.push({ call: "messages", sessionID });
    if (this.failures.messages) return this.failures.messages();
    return this.sessions.get(sessionID) ?? [];
  }
  /**
   * Like OpenCode 1.18.33: the running turn's assistant message is stored as completed with NO error, no
   * `finish`, zero tokens and only a patch part (pinned against the real server by
   * test/e2e/host-shapes.test.ts). A message that already ended is left as it is.
   */
  async abort(sessionID: string): Promise<boolean> {
    this.calls.push({ call: "abort", sessionID });
    if (this.failures.abort) return this.failures.abort();
    const messages = this.sessions.get(sessionID);
    const last = messages?.[messages.length - 1];
    if (messages && last?.role === "assistant" && !last.time?.completed && (last.error === undefined || last.error === null)) {
      messages[messages.length - 1] = abortedShape(last, this.clock());
    }
    this.onAbort(sessionID);
    return true;
  }
  /** Like OpenCode: the prompt is stored as the session's newest user message (its answer comes later, if a test adds it). */
  async promptAsync(sessionID: string, body: PromptBody): Promise<void> {
    this.calls.push({ call: "promptAsync", sessionID, body });
    if (this.failures.promptAsync) return this.failures.promptAsync();
    const messages = this.sessions.get(sessionID);
    messages?.push({ id: this.nextID(), role: "user", agent: body.agent, model: body.model });
  }
  /** Adds the model's answer to the session's newest user message, as OpenCode stores a finished turn. */
  answer(sessionID: string, model: string, text = "answer"): MessageInfo {
    const [providerID, modelID] = model.split("/") as [string, string];
    const messages = this.sessions.get(sessionID) ?? [];
    const user = [...messages].reverse().find((m) => m.role === "user");
    const now = this.clock();
    const message: MessageInfo = {
      id: this.nextID(),
      role: "assistant",
      mode: user?.agent,
      agent: user?.agent,
      providerID,
      modelID,
      ...(user ? { parentID: user.id } : {}),
      time: { created: now, completed: now },
      finish: "stop",
      tokens: { output: 3 },
      lastText: text,
      hasOutput: true,
    };
    messages.push(message);
    this.sessions.set(sessionID, messages);
    return message;
  }
  /** The clock stamped on stored messages. */
  clock: () => number = Date.now;
  private sequence = 0;
  /** Message IDs that sort after every scripted one (OpenCode's IDs ascend with time). */
  private nextID(): string {
    this.sequence += 1;
    return `msg_~${String(this.sequence).padStart(6, "0")}`;
  }
  async toast(toast: Toast): Promise<void> {
    this.calls.push({ call: "toast", toast });
    if (this.failures.toast) return this.failures.toast();
  }
  async configUpdate(patch: Readonly<Record<string, unknown>>): Promise<void> {
    this.calls.push({ call: "configUpdate", patch });
    if (this.failures.configUpdate) return this.failures.configUpdate();
  }
  async tokenUse(since: number) {
    return this.history.filter((u) => u.at >= since);
  }
  async log(level: LogLevel, message: string): Promise<void> {
    this.calls.push({ call: "log", level, message });
    if (this.failures.log) return this.failures.log();
  }
}

/** OpenCode 1.18.33's stored shape of an assistant message aborted during its retry wait. */
export function abortedShape(message: MessageInfo, now: number): MessageInfo {
  const { error: _error, finish: _finish, lastText: _text, ...rest } = message;
  return { ...rest, time: { ...message.time, completed: now }, tokens: { output: 0 }, hasOutput: false };
}

/** A temp project with `.opencode/agent/*.md` files and an empty home. */
export function tempProject(agents: Record<string, string>): { dir: string; home: string; write(name: string, text: string): void; cleanup(): void } {
  const root = mkdtempSync(path.join(tmpdir(), "osf-unit-"));
  const dir = path.join(root, "project");
  const home = path.join(root, "home");
  mkdirSync(home, { recursive: true });
  const write = (name: string, text: string) => {
    const file = path.join(dir, ".opencode", "agent", `${name}.md`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  };
  for (const [name, text] of Object.entries(agents)) write(name, text);
  mkdirSync(dir, { recursive: true });
  // A lane write of the test's plugin may still be creating its lock folder: retry instead of failing on ENOTEMPTY.
  return { dir, home, write, cleanup: () => rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 }) };
}

/** Lets queued microtasks and promise chains settle. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Real provider payloads, as OpenCode hands them to a plugin. */
export const QUOTA_ERROR = {
  name: "APIError",
  data: {
    message: "You exceeded your current quota, please check your plan and billing details.",
    statusCode: 429,
    isRetryable: true,
    responseBody: '{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}',
  },
};
export const QUOTA_RETRY = { type: "retry", attempt: 1, message: "You exceeded your current quota, please check your plan and billing details.", next: 0 };
export const AUTH_POOL_ERROR = {
  name: "APIError",
  data: { message: "Service Unavailable: auth_unavailable: no auth available", statusCode: 503, isRetryable: true, responseBody: '{"error":{"message":"auth_unavailable: no auth available","type":"server_error","code":"internal_server_error"}}' },
};
export const ABORTED = { name: "MessageAbortedError", data: { message: "The operation was aborted." } };

export const ev = {
  retry: (sessionID: string, status: object = QUOTA_RETRY) => ({ type: "session.status", properties: { sessionID, status } }),
  error: (sessionID: string, error: unknown = QUOTA_ERROR) => ({ type: "session.error", properties: { sessionID, error } }),
  idle: (sessionID: string) => ({ type: "session.idle", properties: { sessionID } }),
  statusIdle: (sessionID: string) => ({ type: "session.status", properties: { sessionID, status: { type: "idle" } } }),
  part: (sessionID: string) => ({ type: "message.part.updated", properties: { part: { sessionID, type: "text", text: "x" } } }),
};

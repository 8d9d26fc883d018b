import type { MessageInfo } from "./opencode-port";
import type { ModelRef } from "./model-ref";
import { redactSecrets } from "../support/redact";

/** The last message of a role, in the order OpenCode lists them (oldest first). */
export function lastOf(messages: readonly MessageInfo[], role: "user" | "assistant"): MessageInfo | undefined {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === role) return messages[i];
  return undefined;
}

/** The lane of a message: an assistant's `providerID`/`modelID`, or a user message's `model`. */
export function modelOf(message: MessageInfo | undefined): ModelRef | undefined {
  if (!message) return undefined;
  if (typeof message.providerID === "string" && typeof message.modelID === "string") {
    return { providerID: message.providerID, modelID: message.modelID };
  }
  return toModelRef(message.model);
}

/** A `{ providerID, modelID }` of unknown shape, checked. */
export function toModelRef(model: unknown): ModelRef | undefined {
  if (typeof model !== "object" || model === null) return undefined;
  const { providerID, modelID } = model as { providerID?: unknown; modelID?: unknown };
  return typeof providerID === "string" && typeof modelID === "string" ? { providerID, modelID } : undefined;
}

/** Whether two lanes are the same `provider/model`. */
export function sameModel(a: ModelRef, b: ModelRef): boolean {
  return a.providerID === b.providerID && a.modelID === b.modelID;
}

/** The greatest message ID (OpenCode's IDs ascend with time). */
export function newestID(messages: readonly MessageInfo[]): string {
  let newest = "";
  for (const m of messages) if (m.id > newest) newest = m.id;
  return newest;
}

/**
 * Whether a stored assistant message shows that its model answered: completed, no error, and a finish
 * reason, output tokens, or a text or tool part. Completed-and-no-error alone is not evidence: OpenCode
 * 1.18.33 stores a turn aborted during its retry wait (by the plugin, or by the user's ESC) as completed
 * with no error, no finish, zero tokens and only a patch part. The one rule for every place that judges
 * a turn (the idle watchdog, the pace router, a continuation a parent waits on).
 *
 * @example
 * modelAnswered({ id: "m", role: "assistant", time: { completed: 1 } }); // false: nothing was produced
 * modelAnswered({ id: "m", role: "assistant", time: { completed: 1 }, finish: "stop" }); // true
 */
export function modelAnswered(message: MessageInfo | undefined): boolean {
  if (!message || message.role !== "assistant" || !message.time?.completed) return false;
  if (message.error !== undefined && message.error !== null) return false;
  const finished = typeof message.finish === "string" && message.finish !== "" && message.finish !== "error";
  const output = typeof message.tokens?.output === "number" && message.tokens.output > 0;
  return finished || output || message.hasOutput === true;
}

/** A short, redacted text of a stored message error, for a parent's failed task or a run's notice. */
export function errorText(error: unknown): string {
  const data = (error as { data?: { message?: unknown } } | null)?.data;
  const name = (error as { name?: unknown } | null)?.name;
  const text = redactSecrets(typeof data?.message === "string" ? data.message : typeof name === "string" ? name : "unknown error");
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

import type { MessageInfo } from "./opencode-port";
import type { ModelRef } from "./resolve-fallback";

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

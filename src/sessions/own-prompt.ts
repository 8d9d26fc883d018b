/*
 * How the plugin marks what it writes into a session, so that every stage can tell its own messages from
 * the user's: the continuation text (a synthetic user part) and the tag around its system notes.
 */

/** Marker that opens the continuation block, so a reader of a request can tell it apart from agent prompts. */
export const CONTINUATION_TAG = "session-fallback";

/** The text of the continuation user message. Marked synthetic: the TUI shows it as the plugin's, not the user's. */
export const CONTINUE_TEXT =
  "[session-fallback] The previous model could not go on. Continue from the current state of this session; if my last message before this note has no answer yet, answer it now.";

/** Whether a new turn's parts are the plugin's own continuation (sent by a recovery), not the user's. */
export function isOwnContinuation(parts: readonly unknown[]): boolean {
  return parts.some((p) => typeof p === "object" && p !== null && (p as { type?: unknown }).type === "text" && (p as { text?: unknown }).text === CONTINUE_TEXT);
}

/**
 * Text safe for a terminal: control characters shown, not obeyed. A checkout's agent file or an error
 * body can hold escape sequences (colours, cursor moves, OSC 8 links, a title change, a clear screen) or
 * bidirectional overrides that make a line read otherwise than it is; `doctor`, `status` and `explain`
 * print what came from such places through this.
 */

/** C0 controls but tab and newline, DEL, C1 controls, and the bidirectional embeddings, overrides and isolates. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Replaces each control character by its `\uXXXX` escape (so ESC is seen as `\u001b`, and what follows
 * it is plain text).
 *
 * @example
 * ```ts
 * terminalSafe("model: \u001b[2Jgone") // "model: \\u001b[2Jgone"
 * ```
 */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

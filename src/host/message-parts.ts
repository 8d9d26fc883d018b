/* What the plugin reads of a stored message's parts (their shape is OpenCode's, so every field is checked). */

/** A non-empty text part or a tool part: the model produced something (a patch part alone is OpenCode's). */
export function hasOutputPart(parts: unknown): boolean {
  if (!Array.isArray(parts)) return false;
  return parts.some((part) => {
    const p = part as { type?: unknown; text?: unknown } | null;
    return p?.type === "tool" || (p?.type === "text" && typeof p.text === "string" && p.text.trim() !== "");
  });
}

/** The text of the last text part, as OpenCode's task tool reads a sub-agent's answer. */
export function lastTextOf(parts: unknown): string | undefined {
  if (!Array.isArray(parts)) return undefined;
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i] as { type?: unknown; text?: unknown } | null;
    if (part?.type === "text" && typeof part.text === "string") return part.text;
  }
  return undefined;
}

import { redactSecrets } from "./redact";

/**
 * Runs a call whose failure changes nothing for the session (a toast, a log line): it is awaited, and
 * whatever it throws or rejects with is dropped.
 */
export async function quietly(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch {
    // Best effort by design: the caller has nothing better to do with the failure.
  }
}

/**
 * A short text of any error for a log line or a toast: its message, redacted BEFORE it is cut, so a key
 * that straddles the cut cannot leak its first characters.
 */
export function describeError(error: unknown, max = 500): string {
  let raw: string;
  if (error instanceof Error) raw = error.message;
  else if (typeof error === "string") raw = error;
  else {
    try {
      raw = JSON.stringify(error) ?? String(error);
    } catch {
      raw = String(error);
    }
  }
  const text = redactSecrets(raw);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

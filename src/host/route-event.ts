/**
 * A bus event narrowed to what the plugin acts on. Every other event is `undefined`.
 *
 * - `retry`: OpenCode is about to retry a failed provider call (`session.status` with `status.type === "retry"`);
 *   `error` is the retry status itself, whose `message` is all OpenCode says about the failure.
 * - `error`: a turn ended with an error (`session.error`).
 * - `idle`: a session went idle (`session.idle`); the watchdog checks its last assistant message.
 */
export type RoutedEvent =
  | { readonly type: "retry"; readonly sessionID: string; readonly error: RetryStatus }
  | { readonly type: "error"; readonly sessionID: string; readonly error: unknown }
  | { readonly type: "idle"; readonly sessionID: string };

/** A `session.status` retry status as OpenCode publishes it. */
export interface RetryStatus {
  readonly type: "retry";
  readonly attempt: number;
  readonly message: string;
  readonly next: number;
}

/** Event types the plugin reacts to; everything else leaves at the first comparison. */
const SESSION_ERROR = "session.error";
const SESSION_STATUS = "session.status";
const SESSION_IDLE = "session.idle";

/**
 * Narrows an event of any shape. Total: it never throws, whatever it gets (getters that throw,
 * proxies, cycles), and it reads nothing but `type` from an event it does not act on.
 *
 * @example
 * ```ts
 * routeEvent({ type: "session.idle", properties: { sessionID: "ses_1" } }); // { type: "idle", sessionID: "ses_1" }
 * routeEvent({ type: "message.part.updated", properties: {} });            // undefined
 * ```
 */
export function routeEvent(event: unknown): RoutedEvent | undefined {
  try {
    if (typeof event !== "object" || event === null) return undefined;
    const type = (event as { type?: unknown }).type;
    if (type !== SESSION_STATUS && type !== SESSION_ERROR && type !== SESSION_IDLE) return undefined;
    const properties = (event as { properties?: unknown }).properties;
    if (typeof properties !== "object" || properties === null) return undefined;
    const sessionID = (properties as { sessionID?: unknown }).sessionID;
    if (typeof sessionID !== "string" || sessionID.length === 0 || sessionID.length > 512) return undefined;

    if (type === SESSION_STATUS) {
      const status = (properties as { status?: unknown }).status;
      if (typeof status !== "object" || status === null) return undefined;
      const s = status as { type?: unknown; attempt?: unknown; message?: unknown; next?: unknown };
      if (s.type !== "retry") return undefined;
      return {
        type: "retry",
        sessionID,
        error: {
          type: "retry",
          attempt: typeof s.attempt === "number" ? s.attempt : 0,
          message: typeof s.message === "string" ? s.message : "",
          next: typeof s.next === "number" ? s.next : 0,
        },
      };
    }
    if (type === SESSION_ERROR) {
      return { type: "error", sessionID, error: (properties as { error?: unknown }).error };
    }
    return { type: "idle", sessionID };
  } catch {
    return undefined;
  }
}

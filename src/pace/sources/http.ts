import type { HttpGet } from "../usage-types";

/** The error a call that ran past its time limit rejects with. Its message never carries the URL or headers. */
export class UsageTimeoutError extends Error {
  override readonly name = "UsageTimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
  }
}

/**
 * Runs `run` with a time limit: past `timeoutMs` the signal handed to `run` is aborted and the returned
 * promise rejects with {@link UsageTimeoutError}, whether or not `run` honours the signal (a fake or a
 * stuck socket may not). The timer is unref'd, so a pending usage read never keeps the host process alive,
 * and it is cleared as soon as `run` settles.
 *
 * @example
 * ```ts
 * const body = await withTimeout((signal) => fetch(url, { signal }).then((r) => r.text()), 5_000);
 * ```
 */
export function withTimeout<T>(run: (signal: AbortSignal) => Promise<T>, timeoutMs: number): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new UsageTimeoutError(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    // Node timers have unref; fake timers and other runtimes may not.
    (timer as { unref?: () => void }).unref?.();
  });
  let work: Promise<T>;
  try {
    work = run(controller.signal);
  } catch (error) {
    work = Promise.reject(error);
  }
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** The body as JSON, or null when it is empty or not JSON (an HTML error page, a proxy's text). */
function jsonOrNull(text: string): unknown {
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/**
 * The {@link HttpGet} the plugin hands to the usage sources: a GET on the global `fetch` (or `fetchImpl`)
 * that gives up after `timeoutMs`, body read included. A non-2xx status is an answer, not an error; a
 * network failure or the time limit rejects, and the sources turn that into `{ ok: false, reason }`.
 *
 * @example
 * ```ts
 * const http = fetchHttpGet(5_000);
 * const { status, json } = await http("https://api.github.com/copilot_internal/user", { Authorization: "token …" });
 * ```
 */
export function fetchHttpGet(timeoutMs: number, fetchImpl?: typeof fetch): HttpGet {
  return (url, headers) =>
    withTimeout(async (signal) => {
      // Looked up per call, so a fetch installed after init (or stubbed in a test) is the one used.
      const doFetch = fetchImpl ?? globalThis.fetch;
      const response = await doFetch(url, { method: "GET", headers: { ...headers }, signal, redirect: "follow" });
      const text = await response.text();
      return { status: response.status, json: jsonOrNull(text) };
    }, timeoutMs);
}

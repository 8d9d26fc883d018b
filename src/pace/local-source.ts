import type { ProviderUsage, UsageSource, UsageWindow } from "./usage-types";
import { windowLengthMs } from "./window-length";

/** One assistant turn's token use, as OpenCode records it on the message. */
export interface TokenUse {
  readonly providerID: string;
  /** Epoch ms the message was created. */
  readonly at: number;
  readonly tokens: number;
}

/** The session history OpenCode keeps, as the local source reads it; the plugin adapts its client. */
export interface SessionHistory {
  /** Token use of every assistant message created at or after `since`, across the project's sessions. */
  tokenUse(since: number): Promise<readonly TokenUse[]>;
}

/** A history read is reused this long: the router asks after every turn, the history changes slowly. */
export const LOCAL_CACHE_MS = 60_000;

/**
 * Windows of a local budget, anchored like subscription windows: a window opens with the first use after
 * the previous one closed and lasts its length; the current one is the window containing `now`.
 */
export function anchoredWindow(uses: readonly TokenUse[], name: string, lengthMs: number, budget: number, now: number): UsageWindow | undefined {
  const sorted = [...uses].sort((a, b) => a.at - b.at);
  let start: number | undefined;
  let tokens = 0;
  for (const use of sorted) {
    if (use.at > now) break;
    if (start === undefined || use.at >= start + lengthMs) {
      start = use.at;
      tokens = 0;
    }
    tokens += use.tokens;
  }
  if (start === undefined || now >= start + lengthMs) return undefined;
  return { name, usedPercent: (tokens / budget) * 100, windowMs: lengthMs, resetsAt: start + lengthMs };
}

/**
 * Usage that needs no credentials: the tokens OpenCode recorded on assistant messages, per provider,
 * against the budgets the user declared (`OPENCODE_SESSION_FALLBACK_LOCAL_BUDGETS`).
 */
export function localUsageSource(budgets: Readonly<Record<string, Readonly<Record<string, number>>>>, history: SessionHistory): UsageSource {
  let cache: { at: number; uses: readonly TokenUse[] } | undefined;
  const longest = Math.max(0, ...Object.values(budgets).flatMap((w) => Object.keys(w).map((n) => windowLengthMs(n) ?? 0)));
  return {
    id: "local",
    covers: (providerID) => budgets[providerID] !== undefined,
    async read(providerID, now) {
      const perWindow = budgets[providerID];
      if (!perWindow) return { ok: false, reason: `no local budget declared for ${providerID}` };
      try {
        if (!cache || now - cache.at > LOCAL_CACHE_MS) cache = { at: now, uses: await history.tokenUse(now - 2 * longest) };
      } catch (error) {
        return { ok: false, reason: `the session history could not be read (${error instanceof Error ? error.message : String(error)})` };
      }
      const uses = cache.uses.filter((u) => u.providerID === providerID);
      const windows: UsageWindow[] = [];
      for (const [name, budget] of Object.entries(perWindow)) {
        const length = windowLengthMs(name);
        if (!length) continue;
        const window = anchoredWindow(uses, name, length, budget, now);
        if (window) windows.push(window);
      }
      const usage: ProviderUsage = { providerID, windows, source: "local", fetchedAt: now };
      return { ok: true, usage };
    },
  };
}

/**
 * One usage window of a provider account, as its usage API reports it: how much of the window's
 * allowance is used, and when the window resets.
 */
export interface UsageWindow {
  /** Stable name: `5h`, `7d`, `7d-opus`, `monthly`, `premium`, … */
  readonly name: string;
  /** Percent of the window's allowance used, 0-100 (may exceed 100 when over). */
  readonly usedPercent: number;
  /** Length of the window in ms (5 h, 7 d, a month…). */
  readonly windowMs: number;
  /** Epoch ms at which the window resets. */
  readonly resetsAt: number;
}

/** What a source knows of one provider's usage. */
export interface ProviderUsage {
  /** OpenCode provider ID the usage belongs to (`anthropic`, `openai`, `github-copilot`, …). */
  readonly providerID: string;
  readonly windows: readonly UsageWindow[];
  /** The source that produced it (`anthropic-oauth`, `codex`, `copilot`, `local`, `test`). */
  readonly source: string;
  /** Epoch ms of the reading. */
  readonly fetchedAt: number;
}

/** OpenCode's stored credentials for a provider (`auth.json`), as far as usage sources need them. */
export type StoredAuth =
  | { readonly type: "oauth"; readonly access?: string; readonly refresh?: string; readonly expires?: number; readonly accountId?: string }
  | { readonly type: "api"; readonly key: string }
  | { readonly type: string; readonly [key: string]: unknown };

/** HTTP as the sources need it; tests pass a fake, the plugin passes `fetch` with a timeout. */
export type HttpGet = (url: string, headers: Readonly<Record<string, string>>) => Promise<{ readonly status: number; readonly json: unknown }>;

/** What a provider-API usage source (Anthropic, Codex, Copilot) needs. */
export interface UsageSourceOptions {
  /** OpenCode's credential store (`auth.json`), read by the plugin; see `readAuthStore`. */
  readonly auth: () => Readonly<Record<string, StoredAuth>>;
  readonly http: HttpGet;
  /** The provider API's base URL; each source names its default (settings' `*_USAGE_URL` override it). */
  readonly baseUrl?: string;
  /** The source answers `{ ok: false }` after this even if `http` never settles. Default 20 s. */
  readonly timeoutMs?: number;
}

/**
 * A usage source: reads one provider family's usage. `read` never throws: a source that fails or times
 * out answers `{ ok: false, reason }` and the router skips it with a log line.
 */
export interface UsageSource {
  readonly id: string;
  /** Whether this source can report on `providerID`. */
  covers(providerID: string): boolean;
  read(providerID: string, now: number): Promise<{ readonly ok: true; readonly usage: ProviderUsage } | { readonly ok: false; readonly reason: string }>;
}

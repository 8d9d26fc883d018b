import { z } from "zod";
import type { ProviderUsage, UsageSource, UsageSourceOptions, UsageWindow } from "../usage-types";
import { findLogin } from "./find-login";
import { DEFAULT_SOURCE_TIMEOUT_MS, guardRead, parseShape, requestUsage, trimBaseUrl, USAGE_USER_AGENT } from "./request-usage";
import type { Answer } from "./request-usage";

/**
 * The endpoint VS Code's Copilot extension polls for the plan's quotas (undocumented; not in GitHub's
 * REST description). A real body is pasted in BerriAI/litellm#18242.
 */
export const COPILOT_USAGE_PATH = "/copilot_internal/user";

/** The GitHub API version the Copilot clients send with it (slkiser/opencode-quota `src/lib/copilot.ts`). */
export const COPILOT_API_VERSION = "2025-04-01";

/**
 * One quota snapshot. `percent_remaining` is 0-100 (fractional, and below 0 in overage); `entitlement` is
 * the month's allowance, 0 for a quota the plan does not meter (then `unlimited` is true, or the account
 * bills by token and the snapshot is a placeholder: slkiser/opencode-quota treats both as "no quota").
 */
const CopilotSnapshotSchema = z
  .object({
    entitlement: z.number().optional(),
    remaining: z.number().optional(),
    quota_remaining: z.number().optional(),
    percent_remaining: z.number().optional(),
    unlimited: z.boolean().optional(),
  })
  .nullable()
  .optional();

const CopilotUserSchema = z.object({
  /** ISO time (`2026-01-01T00:00:00.000Z`); newer bodies only. */
  quota_reset_date_utc: z.string().optional(),
  /** Bare date (`2026-01-01`), read as UTC midnight. */
  quota_reset_date: z.string().optional(),
  quota_snapshots: z.object({
    premium_interactions: CopilotSnapshotSchema,
    chat: CopilotSnapshotSchema,
    completions: CopilotSnapshotSchema,
  }),
});

/** The snapshots this source reports, and the window name each gets. */
const COPILOT_WINDOWS: ReadonlyArray<{ readonly field: "premium_interactions" | "chat" | "completions"; readonly name: string }> = [
  { field: "premium_interactions", name: "premium" },
  { field: "chat", name: "chat" },
  { field: "completions", name: "completions" },
];

/**
 * The calendar month that ends at `resetsAt` (UTC): reset on Jan 1 → the window is Dec 1 → Jan 1. A reset
 * on a day the previous month lacks (Mar 31) starts on that month's last day (Feb 28).
 */
export function monthEndingAt(resetsAt: number): { readonly start: number; readonly windowMs: number } {
  const end = new Date(resetsAt);
  const year = end.getUTCFullYear();
  const month = end.getUTCMonth() - 1;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const start = Date.UTC(year, month, Math.min(end.getUTCDate(), lastDay), end.getUTCHours(), end.getUTCMinutes(), end.getUTCSeconds(), end.getUTCMilliseconds());
  return { start, windowMs: resetsAt - start };
}

/**
 * Reads the body of `GET /copilot_internal/user` into monthly windows: `premium` (premium requests), and
 * `chat` / `completions` when the plan meters them. Used = 100 − `percent_remaining`. An unlimited or
 * unmetered snapshot (entitlement 0) is no window. Pure and total.
 *
 * @example
 * ```ts
 * parseCopilotUsage({ quota_reset_date: "2026-01-01", quota_snapshots: { premium_interactions: { entitlement: 300, percent_remaining: 25, unlimited: false } } });
 * // { ok: true, value: [{ name: "premium", usedPercent: 75, windowMs: 2_678_400_000, resetsAt: 1_767_225_600_000 }] }
 * ```
 */
export function parseCopilotUsage(json: unknown): Answer<UsageWindow[]> {
  const body = parseShape(CopilotUserSchema, json);
  if (!body.ok) return body;
  const metered: Array<{ name: string; usedPercent: number }> = [];
  for (const row of COPILOT_WINDOWS) {
    const snapshot = body.value.quota_snapshots[row.field];
    if (!snapshot || snapshot.unlimited === true) continue;
    if (snapshot.entitlement !== undefined && snapshot.entitlement <= 0) continue;
    let usedPercent: number;
    if (snapshot.percent_remaining !== undefined) usedPercent = 100 - snapshot.percent_remaining;
    else {
      const remaining = snapshot.quota_remaining ?? snapshot.remaining;
      if (snapshot.entitlement === undefined || remaining === undefined) {
        return { ok: false, reason: `unexpected response shape (quota_snapshots.${row.field}.percent_remaining missing)` };
      }
      usedPercent = (1 - remaining / snapshot.entitlement) * 100;
    }
    if (!Number.isFinite(usedPercent)) return { ok: false, reason: `unexpected response shape (quota_snapshots.${row.field} is not a finite quota)` };
    metered.push({ name: row.name, usedPercent });
  }
  if (metered.length === 0) return { ok: true, value: [] };
  const resetText = body.value.quota_reset_date_utc ?? body.value.quota_reset_date;
  if (resetText === undefined) return { ok: false, reason: "unexpected response shape (quota_reset_date missing)" };
  const resetsAt = Date.parse(resetText);
  if (!Number.isFinite(resetsAt)) return { ok: false, reason: "unexpected response shape (quota_reset_date is not a date)" };
  const { windowMs } = monthEndingAt(resetsAt);
  return { ok: true, value: metered.map((m) => ({ ...m, windowMs, resetsAt })) };
}

/**
 * The GitHub API a Copilot login talks to: api.github.com, or `api.<tenant>.ghe.com` for a GitHub
 * Enterprise Cloud (data residency) login, as slkiser/opencode-quota derives it. A self-hosted GitHub
 * Enterprise Server is not supported (its API path differs and is unconfirmed).
 */
export function copilotApiBase(enterpriseUrl: string | undefined, baseUrl: string): Answer<string> {
  const raw = enterpriseUrl?.trim();
  if (!raw) return { ok: true, value: trimBaseUrl(baseUrl) };
  let host: string;
  try {
    host = new URL(raw.includes("://") ? raw : `https://${raw}`).hostname.toLowerCase();
  } catch {
    return { ok: false, reason: "the github-copilot login's enterpriseUrl is not a URL or host name" };
  }
  if (host.endsWith(".ghe.com") && !host.startsWith("api.")) return { ok: true, value: `https://api.${host}` };
  return { ok: false, reason: `Copilot usage of a GitHub Enterprise Server login (${host}) is not supported; only github.com and *.ghe.com` };
}

/**
 * Usage of a GitHub Copilot plan logged in to OpenCode (`github-copilot`, device-flow OAuth): `GET
 * ${baseUrl}/copilot_internal/user` with `Authorization: token <GitHub OAuth token>`. OpenCode 1.18 stores
 * that token as both `refresh` and `access` (`expires: 0`); older versions kept a short-lived Copilot token
 * in `access`, so `refresh` is read first. Windows are monthly, ending at `quota_reset_date`. `baseUrl`
 * defaults to `https://api.github.com`; a `*.ghe.com` login goes to its own `api.` host.
 *
 * @example
 * ```ts
 * const source = copilotUsageSource({ auth: () => store, http: fetchHttpGet(5_000) });
 * const answer = await source.read("github-copilot", Date.now());
 * ```
 */
export function copilotUsageSource(options: UsageSourceOptions): UsageSource {
  const baseUrl = options.baseUrl ?? "https://api.github.com";
  const timeoutMs = options.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS;
  return {
    id: "copilot",
    covers: (providerID) => providerID === "github-copilot",
    read(providerID, now) {
      let secrets: readonly string[] = [];
      return guardRead("copilot", () => secrets, async () => {
        if (providerID !== "github-copilot") return { ok: false, reason: `the copilot source covers github-copilot, not ${providerID}` };
        const login = findLogin(options.auth, providerID);
        if (login.kind === "missing") return { ok: false, reason: "no github-copilot login in OpenCode's auth.json" };
        if (login.kind === "unreadable") return { ok: false, reason: login.reason };
        secrets = login.secrets;
        if (login.kind !== "oauth") return { ok: false, reason: `github-copilot usage needs the GitHub (OAuth) login, not ${login.kind === "api" ? "an API key" : login.what}` };
        const token = login.oauth.refresh?.trim() || login.oauth.access?.trim();
        if (!token) return { ok: false, reason: "the github-copilot OAuth login has no GitHub token" };
        const base = copilotApiBase(login.oauth.enterpriseUrl, baseUrl);
        if (!base.ok) return base;
        const body = await requestUsage({
          http: options.http,
          url: `${base.value}${COPILOT_USAGE_PATH}`,
          headers: {
            Authorization: `token ${token}`,
            Accept: "application/json",
            "X-GitHub-Api-Version": COPILOT_API_VERSION,
            "User-Agent": USAGE_USER_AGENT,
          },
          secrets,
          timeoutMs,
          refusedHint: "the GitHub login was refused for Copilot usage; log in again with `opencode auth login`",
        });
        const windows = body.ok ? parseCopilotUsage(body.value) : body;
        if (!windows.ok) return windows;
        const usage: ProviderUsage = { providerID, windows: windows.value, source: "copilot", fetchedAt: now };
        return { ok: true, usage };
      });
    },
  };
}

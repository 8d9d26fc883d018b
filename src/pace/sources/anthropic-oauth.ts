import { z } from "zod";
import type { ProviderUsage, UsageSource, UsageSourceOptions, UsageWindow } from "../usage-types";
import { oauthAccess } from "./find-login";
import { DEFAULT_SOURCE_TIMEOUT_MS, guardRead, parseShape, requestUsage, trimBaseUrl, USAGE_USER_AGENT } from "./request-usage";
import type { Answer } from "./request-usage";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The beta flag Anthropic requires before it accepts an OAuth bearer token on `/api/oauth/usage`
 * (Claude Code sends it; without it the token is rejected). Seen in robinebers/openusage
 * `docs/providers/claude.md` and charlieyou/aim `QUOTA_APIS.md`.
 */
export const ANTHROPIC_OAUTH_BETA = "oauth-2025-04-20";

/** The path of Claude's subscription usage endpoint, under `https://api.anthropic.com`. */
export const ANTHROPIC_USAGE_PATH = "/api/oauth/usage";

/**
 * The windows of `/api/oauth/usage` this source reports, one row per response field. `utilization` is a
 * percentage (0-100) and `resets_at` an ISO time. `seven_day_oauth_apps`, `extra_usage` and
 * `iguana_necktie` are other meters (or always null) and are left out.
 */
const ANTHROPIC_WINDOWS: ReadonlyArray<{ readonly field: "five_hour" | "seven_day" | "seven_day_opus" | "seven_day_sonnet"; readonly name: string; readonly windowMs: number }> = [
  { field: "five_hour", name: "5h", windowMs: 5 * HOUR_MS },
  { field: "seven_day", name: "7d", windowMs: 7 * DAY_MS },
  { field: "seven_day_opus", name: "7d-opus", windowMs: 7 * DAY_MS },
  { field: "seven_day_sonnet", name: "7d-sonnet", windowMs: 7 * DAY_MS },
];

/**
 * One window. `resets_at` is null for a window with no use yet (seen as `{ "utilization": 0.0,
 * "resets_at": null }`), and a window the plan lacks is null as a whole.
 */
const AnthropicWindowSchema = z
  .object({
    utilization: z.number().refine(Number.isFinite, "utilization is not a finite number"),
    resets_at: z.string().nullable().optional(),
  })
  .nullable()
  .optional();

const AnthropicUsageSchema = z
  .object({
    five_hour: AnthropicWindowSchema,
    seven_day: AnthropicWindowSchema,
    seven_day_opus: AnthropicWindowSchema,
    seven_day_sonnet: AnthropicWindowSchema,
  })
  .refine((body) => body.five_hour !== undefined || body.seven_day !== undefined, "five_hour and seven_day missing");

/**
 * Reads the body of `GET /api/oauth/usage` into windows: `5h`, `7d`, and `7d-opus` / `7d-sonnet` when the
 * plan has them. A window that has not started (`resets_at: null`) resets one full length after `now`:
 * nothing of it has elapsed. Pure and total.
 *
 * @example
 * ```ts
 * parseAnthropicUsage({ five_hour: { utilization: 24, resets_at: "2026-01-02T19:59:59.600956+00:00" }, seven_day: null }, now);
 * // { ok: true, value: [{ name: "5h", usedPercent: 24, windowMs: 18_000_000, resetsAt: 1767383999600 }] }
 * ```
 */
export function parseAnthropicUsage(json: unknown, now: number): Answer<UsageWindow[]> {
  const body = parseShape(AnthropicUsageSchema, json);
  if (!body.ok) return body;
  const windows: UsageWindow[] = [];
  for (const row of ANTHROPIC_WINDOWS) {
    const window = body.value[row.field];
    if (!window) continue;
    let resetsAt = now + row.windowMs;
    if (typeof window.resets_at === "string") {
      resetsAt = Date.parse(window.resets_at);
      if (!Number.isFinite(resetsAt)) return { ok: false, reason: `unexpected response shape (${row.field}.resets_at is not a date)` };
    }
    windows.push({ name: row.name, usedPercent: window.utilization, windowMs: row.windowMs, resetsAt });
  }
  return { ok: true, value: windows };
}

/**
 * Usage of a Claude subscription (Pro/Max) logged in to OpenCode by OAuth: `GET
 * ${baseUrl}/api/oauth/usage` with the login's access token and the `anthropic-beta: oauth-2025-04-20`
 * flag. An API key has no such windows. OpenCode 1.18 itself ships no Claude OAuth login; the `anthropic`
 * OAuth entry comes from an auth plugin (opencode-anthropic-auth and forks), in the same `auth.json` shape.
 * The source never refreshes a token: OpenCode (or the plugin) does that on its next request. `baseUrl`
 * defaults to `https://api.anthropic.com`.
 *
 * @example
 * ```ts
 * const source = anthropicUsageSource({ auth: () => store, http: fetchHttpGet(5_000) });
 * const answer = await source.read("anthropic", Date.now());
 * ```
 */
export function anthropicUsageSource(options: UsageSourceOptions): UsageSource {
  const url = `${trimBaseUrl(options.baseUrl ?? "https://api.anthropic.com")}${ANTHROPIC_USAGE_PATH}`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS;
  return {
    id: "anthropic-oauth",
    covers: (providerID) => providerID === "anthropic",
    read(providerID, now) {
      let secrets: readonly string[] = [];
      return guardRead("anthropic-oauth", () => secrets, async () => {
        if (providerID !== "anthropic") return { ok: false, reason: `the anthropic-oauth source covers anthropic, not ${providerID}` };
        const gate = oauthAccess(options.auth, providerID, now, { needs: "an OAuth (Claude subscription) login", apiKey: "anthropic usage needs an OAuth (Claude subscription) login" });
        secrets = gate.secrets;
        if (!gate.ok) return { ok: false, reason: gate.reason };
        const { access } = gate;
        const body = await requestUsage({
          http: options.http,
          url,
          headers: {
            Authorization: `Bearer ${access}`,
            "anthropic-beta": ANTHROPIC_OAUTH_BETA,
            Accept: "application/json",
            "User-Agent": USAGE_USER_AGENT,
          },
          secrets,
          timeoutMs,
          refusedHint: "the Claude login was refused (expired, revoked, or without the user:profile scope); log in again",
        });
        const windows = body.ok ? parseAnthropicUsage(body.value, now) : body;
        if (!windows.ok) return windows;
        const usage: ProviderUsage = { providerID, windows: windows.value, source: "anthropic-oauth", fetchedAt: now };
        return { ok: true, usage };
      });
    },
  };
}

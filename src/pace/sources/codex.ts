import { z } from "zod";
import type { ProviderUsage, UsageSource, UsageSourceOptions, UsageWindow } from "../usage-types";
import { oauthAccess } from "./find-login";
import type { OAuthLogin } from "./find-login";
import { DEFAULT_SOURCE_TIMEOUT_MS, guardRead, parseShape, requestUsage, trimBaseUrl, USAGE_USER_AGENT } from "./request-usage";
import type { Answer } from "./request-usage";

/**
 * The path Codex CLI reads its rate limits from on the ChatGPT backend (`/status`): openai/codex
 * `codex-rs/backend-client/src/client.rs` builds `{base}/backend-api` + `/wham/usage` for chatgpt.com.
 */
export const CODEX_USAGE_PATH = "/backend-api/wham/usage";

/**
 * One window of `rate_limit`, after openai/codex `RateLimitWindowSnapshot`: `used_percent` (0-100),
 * `limit_window_seconds` (18000 = 5 h, 604800 = 7 d), `reset_at` (epoch seconds) and
 * `reset_after_seconds`. Either reset field will do; `reset_at` wins.
 */
const CodexWindowSchema = z
  .object({
    used_percent: z.number().refine(Number.isFinite, "used_percent is not a finite number"),
    limit_window_seconds: z.number().positive(),
    reset_at: z.number().nullable().optional(),
    reset_after_seconds: z.number().nullable().optional(),
  })
  .refine((w) => typeof w.reset_at === "number" || typeof w.reset_after_seconds === "number", "reset_at and reset_after_seconds missing")
  .nullable()
  .optional();

/**
 * `GET /backend-api/wham/usage` (openai/codex `RateLimitStatusPayload`). `rate_limit` may be null (no
 * limits reported); `code_review_rate_limit`, `additional_rate_limits` and `credits` are other meters.
 */
const CodexUsageSchema = z.object({
  rate_limit: z
    .object({
      primary_window: CodexWindowSchema,
      secondary_window: CodexWindowSchema,
    })
    .nullable(),
});

/** A window's name from its length: 18000 s → `5h`, 604800 s → `7d`, 900 s → `15m`. */
export function windowNameForSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s % 86_400 === 0) return `${s / 86_400}d`;
  if (s % 3_600 === 0) return `${s / 3_600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/**
 * Reads the body of `GET /backend-api/wham/usage` into windows named by their length (`5h`, `7d`). Pure
 * and total.
 *
 * @example
 * ```ts
 * parseCodexUsage({ rate_limit: { primary_window: { used_percent: 3, limit_window_seconds: 18000, reset_after_seconds: 15858, reset_at: 1767385852 }, secondary_window: null } }, now);
 * // { ok: true, value: [{ name: "5h", usedPercent: 3, windowMs: 18_000_000, resetsAt: 1_767_385_852_000 }] }
 * ```
 */
export function parseCodexUsage(json: unknown, now: number): Answer<UsageWindow[]> {
  const body = parseShape(CodexUsageSchema, json);
  if (!body.ok) return body;
  const windows: UsageWindow[] = [];
  const limit = body.value.rate_limit;
  for (const window of [limit?.primary_window, limit?.secondary_window]) {
    if (!window) continue;
    const resetsAt = typeof window.reset_at === "number" ? window.reset_at * 1000 : now + (window.reset_after_seconds ?? 0) * 1000;
    let name = windowNameForSeconds(window.limit_window_seconds);
    // Two windows of one length have never been seen; keep names unique should it happen.
    if (windows.some((w) => w.name === name)) name = `${name}-secondary`;
    windows.push({ name, usedPercent: window.used_percent, windowMs: window.limit_window_seconds * 1000, resetsAt });
  }
  return { ok: true, value: windows };
}

/** The payload of a JWT, or undefined. Only read for the account id; the signature is not the point here. */
function jwtPayload(token: string): Record<string, unknown> | undefined {
  const part = token.split(".")[1];
  if (!part) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
    return typeof payload === "object" && payload !== null ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The ChatGPT account the usage belongs to: the login's `accountId`, else the access token's claims, as
 * OpenCode 1.18 derives it for its own `ChatGPT-Account-Id` header (`chatgpt_account_id`, then the
 * `https://api.openai.com/auth` claim's, then the first organization's id).
 */
export function chatgptAccountId(oauth: OAuthLogin): string | undefined {
  if (oauth.accountId?.trim()) return oauth.accountId.trim();
  const claims = oauth.access ? jwtPayload(oauth.access) : undefined;
  if (!claims) return undefined;
  const auth = claims["https://api.openai.com/auth"] as { chatgpt_account_id?: unknown } | undefined;
  const orgs = claims.organizations as ReadonlyArray<{ id?: unknown }> | undefined;
  const candidates = [claims.chatgpt_account_id, auth?.chatgpt_account_id, Array.isArray(orgs) ? orgs[0]?.id : undefined];
  const found = candidates.find((c): c is string => typeof c === "string" && c.trim() !== "");
  return found?.trim();
}

/**
 * Usage of a ChatGPT plan (Plus/Pro/…) logged in to OpenCode's `openai` provider by OAuth ("ChatGPT
 * Pro/Plus"): `GET ${baseUrl}/backend-api/wham/usage` with the login's access token and
 * `ChatGPT-Account-Id`, the endpoint Codex CLI's `/status` reads. Windows are named by length (`5h`, `7d`).
 * An OpenAI API key has no such windows. The `x-codex-primary-used-percent` family of headers carries the
 * same numbers, but only on model responses, which this source does not see. `baseUrl` defaults to
 * `https://chatgpt.com`.
 *
 * @example
 * ```ts
 * const source = codexUsageSource({ auth: () => store, http: fetchHttpGet(5_000) });
 * const answer = await source.read("openai", Date.now());
 * ```
 */
export function codexUsageSource(options: UsageSourceOptions): UsageSource {
  const url = `${trimBaseUrl(options.baseUrl ?? "https://chatgpt.com")}${CODEX_USAGE_PATH}`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS;
  return {
    id: "codex",
    covers: (providerID) => providerID === "openai",
    read(providerID, now) {
      let secrets: readonly string[] = [];
      return guardRead("codex", () => secrets, async () => {
        if (providerID !== "openai") return { ok: false, reason: `the codex source covers openai, not ${providerID}` };
        const gate = oauthAccess(options.auth, providerID, now, { needs: "a ChatGPT (OAuth) login", apiKey: "openai usage needs a ChatGPT (OAuth) login; an API key has no usage windows" });
        secrets = gate.secrets;
        if (!gate.ok) return { ok: false, reason: gate.reason };
        const { access, oauth } = gate;
        const account = chatgptAccountId(oauth);
        const body = await requestUsage({
          http: options.http,
          url,
          headers: {
            Authorization: `Bearer ${access}`,
            Accept: "application/json",
            "User-Agent": USAGE_USER_AGENT,
            ...(account ? { "ChatGPT-Account-Id": account } : {}),
          },
          secrets,
          timeoutMs,
          refusedHint: "the ChatGPT login was refused; it is refreshed on the next openai request, or log in again",
        });
        const windows = body.ok ? parseCodexUsage(body.value, now) : body;
        if (!windows.ok) return windows;
        const usage: ProviderUsage = { providerID, windows: windows.value, source: "codex", fetchedAt: now };
        return { ok: true, usage };
      });
    },
  };
}

import type { Signature } from "./types";

/**
 * Group 2: pooled-login exhaustion (`auth-pool`).
 * Part of {@link SIGNATURES} (see `./index.ts`): row order is priority, keep it.
 */
export const AUTH_POOL_ROWS: readonly Signature[] = [
  // ── 2. Pooled logins exhausted (auth-pool) ───────────────────────────────────────────────────
  {
    id: "cliproxy-auth-unavailable",
    provider: "cliproxy",
    kind: "auth-pool",
    when: [{ text: /\bauth_unavailable\b|\bno auth available\b/i }],
    sample: "Service Unavailable: auth_unavailable: no auth available",
    seen: "https://github.com/router-for-me/CLIProxyAPI/issues/949 (corpus: cliproxy-auth-unavailable)",
    note: "Arrives as a 503 or 500 (retried by OpenCode): must precede the 5xx rows.",
  },
  {
    id: "proxy-credentials-cooling-down",
    provider: "antigravity-proxy",
    kind: "auth-pool",
    when: [{ text: /\bcredentials\b[^\n]{0,160}?\bcooling down\b/i }],
    sample: "All credentials for model claude-opus-4-7 are cooling down",
    seen: "oh-my-openagent provider-matrix test (corpus: credentials-cooling-down)",
  },
  {
    id: "antigravity-accounts-exhausted",
    provider: "antigravity-auth",
    kind: "auth-pool",
    when: [{ text: /\bQuota protection: All \d+ account\(s\) are over\b|\bAll \d+ account\(s\) rate-limited for\b/ }],
    sample: "Quota protection: All 3 account(s) are over 90% usage for claude. Quota resets in 11h 1m.",
    seen: "https://github.com/NoeFabris/opencode-antigravity-auth/pull/300 (the plugin's messages when every pooled account is spent)",
    note: "A multi-account login plugin says all its logins are out: the pool is spent until the reset it names.",
  },
  {
    id: "antigravity-accounts-invalid",
    provider: "antigravity-auth",
    kind: "auth",
    scope: "account",
    when: [{ text: /\bAll Antigravity accounts have invalid refresh tokens\b/ }],
    sample: "All Antigravity accounts have invalid refresh tokens. Run `opencode auth login` and reauthenticate.",
    seen: "https://github.com/NoeFabris/opencode-antigravity-auth/pull/300 (the same code block)",
    note: "Every login of the pool is refused: no reset will bring them back, the user must sign in again.",
  },
];

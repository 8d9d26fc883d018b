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
];

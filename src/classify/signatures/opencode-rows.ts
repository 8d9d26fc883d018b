import type { Signature } from "./types";

/**
 * Group 1: what OpenCode itself names (abort, context overflow, missing key, SDK connection error).
 * Part of {@link SIGNATURES} (see `./index.ts`): row order is priority, keep it.
 */
export const OPENCODE_ROWS: readonly Signature[] = [
  // ── 1. What OpenCode names itself ────────────────────────────────────────────────────────────
  {
    id: "opencode-message-aborted",
    provider: "opencode",
    kind: "abort",
    when: [{ name: ["MessageAbortedError", "AbortError"] }],
    sample: "MessageAbortedError: The operation was aborted.",
    seen: "OpenCode MessageAbortedError (corpus: user-abort)",
    note: "First row: an abort (ESC, or one the plugin caused) is never a quota, whatever its text says.",
  },
  {
    id: "opencode-context-overflow",
    provider: "opencode",
    kind: "context",
    when: [{ name: ["ContextOverflowError"] }],
    sample: "ContextOverflowError: prompt is too long: 215000 tokens > 200000 maximum",
    seen: "OpenCode ContextOverflowError (corpus: context-overflow)",
    note: "OpenCode compacts and continues by itself.",
  },
  {
    id: "opencode-provider-auth",
    provider: "opencode",
    kind: "auth",
    scope: "account",
    when: [{ name: ["ProviderAuthError"] }],
    sample: "ProviderAuthError: Anthropic API key is missing.",
    seen: "OpenCode message-v2 ProviderAuthError (corpus: provider-auth-missing-key)",
  },
  {
    id: "opencode-token-refresh-failed",
    provider: "opencode",
    kind: "auth",
    when: [{ text: /\bToken refresh failed: 4(?:00|01|03)\b/ }],
    sample: "Token refresh failed: 400",
    seen: "https://github.com/anomalyco/opencode/issues/16210, https://github.com/anomalyco/opencode/issues/14083 (corpus: opencode-token-refresh-failed)",
    note: "OpenCode's OAuth refresh refused (an expired or revoked login: invalid_grant). A 429 or 5xx refresh failure is not this row.",
  },
  {
    id: "opencode-token-refresh-throttled",
    provider: "opencode",
    kind: "rate-limit",
    when: [{ text: /\bToken refresh failed: 429\b/ }],
    sample: "Token refresh failed: 429",
    seen: "https://github.com/anomalyco/opencode/issues/18342 (a comment)",
    note: "The OAuth server throttled the refresh; the login itself is fine.",
  },
  {
    id: "opencode-token-refresh-server-error",
    provider: "opencode",
    kind: "overload",
    when: [{ text: /\bToken refresh failed: 5\d\d\b/ }],
    sample: "Token refresh failed: 500",
    seen: "https://github.com/anomalyco/opencode/issues/15699",
    note: "The OAuth server failed; the login itself is fine.",
  },
  {
    id: "anthropic-sdk-connection-error",
    provider: "anthropic",
    kind: "unknown",
    when: [
      { name: ["APIConnectionError", "APIConnectionTimeoutError"] },
      { errorType: ["APIConnectionError"] },
      { message: /^\s*Connection error\.?\s*$/i },
    ],
    sample: "Connection error.",
    seen: "https://github.com/anthropics/claude-code/issues/4574 (Anthropic SDK APIConnectionError)",
    note:
      "Kind stays `unknown`: the SDK's connectivity wrapper hides whether the network or the provider failed. " +
      "A policy may make this rule eligible for a drill provider only (a loopback mock that drops connections).",
  },
];

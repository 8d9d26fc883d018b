import { GENERIC_PROVIDER } from "./types";
import type { Signature } from "./types";

/**
 * Group 6: generic rate-limit, overload and auth wordings.
 * Part of {@link SIGNATURES} (see `./index.ts`): row order is priority, keep it.
 */
export const GENERIC_WORDING_ROWS: readonly Signature[] = [
  // ── 6. Generic rate-limit, overload and auth wordings ────────────────────────────────────────
  {
    id: "generic-rate-limit-text",
    provider: GENERIC_PROVIDER,
    kind: "rate-limit",
    when: [{ text: /\brate[ _-]?limit(?:ed|s)?\b|\btoo many requests\b|\brate increased too quickly\b/i }],
    sample: "Too Many Requests",
    seen: "OpenCode 1.18.33 session/retry.ts normalized retry message \"Too Many Requests\"",
  },
  {
    id: "anthropic-overloaded",
    provider: "anthropic",
    kind: "overload",
    when: [{ errorType: ["overloaded_error"] }, { status: [529] }],
    sample: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
    seen: "Anthropic API errors documentation (corpus: anthropic-overloaded-529, anthropic-midstream-overloaded)",
  },
  {
    id: "opencode-retry-overloaded",
    provider: "opencode",
    kind: "overload",
    when: [{ retryStatus: true, text: /\bProvider is overloaded\b/i }],
    sample: "Provider is overloaded",
    seen: "OpenCode 1.18.33 session/retry.ts (corpus: retry-provider-overloaded)",
    note: "OpenCode also turns any non-API message containing \"exhausted\" or \"unavailable\" into this text: a quota can hide behind it.",
  },
  {
    id: "generic-overloaded-text",
    provider: GENERIC_PROVIDER,
    kind: "overload",
    when: [{ text: /\boverloaded\b|\bserver_is_overloaded\b|\b(?:currently|temporarily) at capacity\b|\bexperiencing high demand\b/i }],
    sample: "The engine is currently overloaded, please try again later",
    seen: "https://docs.wandb.ai/ja/inference/api-reference/errors (503); Gemini 503 \"This model is currently experiencing high demand.\"",
  },
  {
    id: "invalid-api-key",
    provider: GENERIC_PROVIDER,
    kind: "auth",
    scope: "account",
    when: [
      { errorCode: ["invalid_api_key"] },
      { errorType: ["authentication_error"] },
      { text: /\bIncorrect API key provided\b|\binvalid[ _-]?api[ _-]?key\b|\bAPI key (?:is )?(?:missing|invalid|not valid|expired)\b/i },
    ],
    sample: "Incorrect API key provided: sk-proj-****abcd.",
    seen: "OpenAI error codes documentation (corpus: openai-401-invalid-key)",
  },
];

import { GENERIC_PROVIDER } from "./types";
import type { Signature } from "./types";

/**
 * Group 7, last: bare status codes (402 quota, 429 rate-limit, 5xx overload, 401/403 auth).
 * Part of {@link SIGNATURES} (see `./index.ts`): row order is priority, keep it.
 */
export const GENERIC_STATUS_ROWS: readonly Signature[] = [
  // ── 7. Bare status codes ─────────────────────────────────────────────────────────────────────
  {
    id: "http-402-payment-required",
    provider: GENERIC_PROVIDER,
    kind: "quota",
    when: [{ status: [402] }],
    sample: "402 Payment Required",
    seen: "Cerebras/Gemini prepay/Together/Groq/DeepSeek/OpenRouter/Copilot all answer 402 for money (matrx_ai test table; corpus 402 rows)",
    note:
      "Decision: a bare 402 is quota by its status alone, whatever the text. It is the one quota row without an " +
      "exhaustion word, so the property test generates every status except 402.",
  },
  {
    id: "http-429",
    provider: GENERIC_PROVIDER,
    kind: "rate-limit",
    when: [{ status: [429] }],
    sample: "429 Too Many Requests",
    seen: "RFC 6585; a 429 without other signal is transient",
  },
  {
    id: "http-5xx",
    provider: GENERIC_PROVIDER,
    kind: "overload",
    when: [{ status: [500, 502, 503, 504] }],
    sample: "The server had an error while processing your request. Sorry about that! (request id req_4290b1c2a9e)",
    seen: "corpus: negative-500-digits (a 5xx whose request id contains 429 is not a quota)",
  },
  {
    id: "http-401-403",
    provider: GENERIC_PROVIDER,
    kind: "auth",
    when: [{ status: [401, 403] }],
    sample: "401 Unauthorized",
    seen: "OPENCODE.md: HTTP 401/403 arrive as APIError with isRetryable false",
  },
];

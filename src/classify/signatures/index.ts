/**
 * The provider signature table: data, not code. One row per signature; the first row whose condition
 * holds decides the verdict, so ROW ORDER IS PRIORITY:
 *
 * 1. what OpenCode itself names (abort, context overflow, missing key, SDK connection error);
 * 2. pooled-login exhaustion (auth-pool);
 * 3. provider-specific quota signatures (codes and exact wordings), including the traps that arrive
 *    with a misleading status or type (Anthropic credit = 400 `invalid_request_error`, DeepSeek 402 with
 *    code `invalid_request_error`, MiniMax balance = 500, Volcengine/Moonshot/xAI quota = 403, Z.ai 1308
 *    inside a `rate_limit_error`), then gateways' budgets and billing codes (LiteLLM, OpenAI billing hard
 *    limit, Anthropic enforced spend limit, Zhipu's daily calls);
 * 4. daily windows (quota), then the rate limits that look like quotas (Gemini per-minute, Vertex
 *    "Resource exhausted", Cerebras `token_quota_exceeded` per minute, Together `credit_limit` type);
 * 5. generic exhaustion wordings (quota), context overflow wordings;
 * 6. generic rate-limit, overload and auth wordings;
 * 7. bare status codes last: 402 quota, 429 rate-limit, 5xx overload, 401/403 auth.
 *
 * Status codes are matched from the structured field only; words are matched with word boundaries,
 * so a request id (`req_4290b1c2a9e`), a URL or an unrelated 4xx cannot trigger a row.
 */
import { OPENCODE_ROWS } from "./opencode-rows";
import { AUTH_POOL_ROWS } from "./auth-pool-rows";
import { QUOTA_ROWS } from "./quota-rows";
import { GATEWAY_ROWS } from "./gateway-rows";
import { WINDOW_ROWS } from "./window-rows";
import { GENERIC_EXHAUSTION_ROWS } from "./generic-exhaustion-rows";
import { GENERIC_WORDING_ROWS } from "./generic-wording-rows";
import { GENERIC_STATUS_ROWS } from "./generic-status-rows";
import type { Signature } from "./types";

export type { Signature, SignatureCondition } from "./types";
export { GENERIC_PROVIDER } from "./types";
export { containsExhaustionWord, EXHAUSTION_WORDS } from "./exhaustion-words";

/**
 * The signature table, in priority order (first match wins).
 *
 * @example
 * ```ts
 * SIGNATURES.find((row) => row.id === "anthropic-credit-balance")?.kind // "quota"
 * ```
 */
export const SIGNATURES: readonly Signature[] = [
  ...OPENCODE_ROWS,
  ...AUTH_POOL_ROWS,
  ...QUOTA_ROWS,
  ...GATEWAY_ROWS,
  ...WINDOW_ROWS,
  ...GENERIC_EXHAUSTION_ROWS,
  ...GENERIC_WORDING_ROWS,
  ...GENERIC_STATUS_ROWS,
];

/**
 * The provider signature table: data, not code. One row per signature; the first row whose condition
 * holds decides the verdict, so ROW ORDER IS PRIORITY:
 *
 * 1. what OpenCode itself names (abort, context overflow, missing key, SDK connection error);
 * 2. pooled-login exhaustion (auth-pool);
 * 3. provider-specific quota signatures (codes and exact wordings), including the traps that arrive
 *    with a misleading status or type (Anthropic credit = 400 `invalid_request_error`, DeepSeek 402 with
 *    code `invalid_request_error`, MiniMax balance = 500, Volcengine/Moonshot/xAI quota = 403, Z.ai 1308
 *    inside a `rate_limit_error`);
 * 4. daily windows (quota), then the rate limits that look like quotas (Gemini per-minute, Vertex
 *    "Resource exhausted", Cerebras `token_quota_exceeded` per minute, Together `credit_limit` type);
 * 5. generic exhaustion wordings (quota), context overflow wordings;
 * 6. generic rate-limit, overload and auth wordings;
 * 7. bare status codes last: 402 quota, 429 rate-limit, 5xx overload, 401/403 auth.
 *
 * Status codes are matched from the structured field only; words are matched with word boundaries,
 * so a request id (`req_4290b1c2a9e`), a URL or an unrelated 4xx cannot trigger a row.
 */
import type { VerdictKind } from "./verdict";

/**
 * One way a signature can match: every field present must hold (AND). Absent fields are ignored.
 * Texts are searched in the error's name, message, nested provider message and body (each capped).
 */
export interface SignatureCondition {
  /** The error's `name` equals one of these (case-insensitive). */
  readonly name?: readonly string[];
  /** The structured HTTP status is one of these. */
  readonly status?: readonly number[];
  /** The provider's `error.type` equals one of these (case-insensitive). */
  readonly errorType?: readonly string[];
  /** The provider's `error.code` equals one of these (case-insensitive, numbers as text). */
  readonly errorCode?: readonly string[];
  /** Google's `error.status` equals one of these. */
  readonly googleStatus?: readonly string[];
  /** Some Google `QuotaFailure` `quotaId` matches. */
  readonly quotaId?: RegExp;
  /** A response header (lower-case name) is present and its value matches. */
  readonly header?: { readonly name: string; readonly value: RegExp };
  /** Only (true) or never (false) for a `session.status` retry status. */
  readonly retryStatus?: boolean;
  /** The top-level message (only) matches. */
  readonly message?: RegExp;
  /** Every one of these patterns matches the texts. */
  readonly text?: RegExp | readonly RegExp[];
  /** This pattern must NOT match the texts. */
  readonly notText?: RegExp;
}

/** One row of {@link SIGNATURES}. */
export interface Signature {
  /** Stable id; becomes `Verdict.rule`. */
  readonly id: string;
  /** Provider family; {@link GENERIC_PROVIDER} for rows that hold across providers. */
  readonly provider: string;
  /** The class the row assigns. */
  readonly kind: VerdictKind;
  /** Alternatives (OR); each is an AND of its fields. */
  readonly when: readonly SignatureCondition[];
  /** A real sample of what the row matches (its text, or the decisive field). */
  readonly sample: string;
  /** Where the sample was seen: a corpus source, an issue or a documentation page. */
  readonly seen: string;
  /** Why the row is where it is, or what a policy author must know. */
  readonly note?: string;
}

/** Provider of rows that hold across providers; such verdicts carry no `provider`. */
export const GENERIC_PROVIDER = "generic";

/**
 * Words at least one of which appears (case-insensitive, `_` and `-` read as spaces) in the texts of
 * every input that a `quota` or `auth-pool` row can match: the message, the body, the error
 * type/code, quota ids and header names/values. A verdict of `quota` or `auth-pool` for an input that
 * contains none of them is a bug (a pattern too broad). A bare HTTP 402 is the one exception: it is
 * `quota` by its status alone (see the `http-402-payment-required` row). Zhipu's business codes and the
 * Anthropic subscription header name are listed because rows match on them alone.
 */
export const EXHAUSTION_WORDS: readonly string[] = [
  "quota",
  "credit",
  "balance",
  "billing",
  "insufficient funds",
  "usage limit",
  "usagelimit",
  "free usage",
  "extra usage",
  "exhausted",
  "spending limit",
  "spend limit",
  "overdue",
  "arrearage",
  "cooling down",
  "no auth available",
  "auth unavailable",
  "per day",
  "perday",
  "daily",
  "tpd",
  "ratelimit unified",
  "1113",
  "1308",
  "1310",
  "余额",
  "额度",
  "配额",
  "欠费",
  "上限",
];

/** True when `text` contains one of {@link EXHAUSTION_WORDS} (case-insensitive, `_`/`-` as spaces). */
export function containsExhaustionWord(text: string): boolean {
  const normalized = text.toLowerCase().replace(/[_-]/g, " ");
  return EXHAUSTION_WORDS.some((word) => normalized.includes(word));
}

/**
 * The signature table, in priority order (first match wins).
 *
 * @example
 * ```ts
 * SIGNATURES.find((row) => row.id === "anthropic-credit-balance")?.kind // "quota"
 * ```
 */
export const SIGNATURES: readonly Signature[] = [
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
    when: [{ name: ["ProviderAuthError"] }],
    sample: "ProviderAuthError: Anthropic API key is missing.",
    seen: "OpenCode message-v2 ProviderAuthError (corpus: provider-auth-missing-key)",
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

  // ── 3. Provider-specific quota signatures ────────────────────────────────────────────────────
  {
    id: "openai-insufficient-quota",
    provider: "openai",
    kind: "quota",
    when: [{ errorCode: ["insufficient_quota"] }, { errorType: ["insufficient_quota"] }, { text: /\binsufficient_quota\b/ }],
    sample: '{"error":{"type":"insufficient_quota","code":"insufficient_quota"}}',
    seen: "https://github.com/mattvr/ShellGPT/issues/23 (corpus: openai-insufficient-quota)",
    note: "A 429 with isRetryable true: OpenCode retries it ~5 times before session.error.",
  },
  {
    id: "openai-instream-quota",
    provider: "openai",
    kind: "quota",
    when: [{ message: /^\s*Quota exceeded\. Check your plan and billing details\.?\s*$/i }],
    sample: "Quota exceeded. Check your plan and billing details.",
    seen: "OpenCode parseStreamError for an in-stream insufficient_quota event (corpus: openai-instream-quota)",
  },
  {
    id: "openai-no-credits",
    provider: "openai",
    kind: "quota",
    when: [{ text: /\bYou have no credits remaining\b/i }],
    sample: "You have no credits remaining. Add credits to continue using the API at https://platform.openai.com/settings/organization/billing/.",
    seen: "matrx_ai provider billing-refusal test table (public code; a live OpenAI mid-stream APIError)",
  },
  {
    id: "codex-usage-limit-reached",
    provider: "openai",
    kind: "quota",
    when: [{ errorType: ["usage_limit_reached"] }, { errorCode: ["usage_limit_reached"] }],
    sample: '{"error":{"type":"usage_limit_reached","message":"The usage limit has been reached","resets_at":1777936568}}',
    seen: "https://github.com/earendil-works/pi/issues/4172 (corpus: codex-usage-limit-reached)",
  },
  {
    id: "opencode-go-usage-limit",
    provider: "opencode",
    kind: "quota",
    when: [
      { errorType: ["GoUsageLimitError"] },
      { text: /\bGoUsageLimitError\b|\busage limit reached\. It will reset in\b/i },
    ],
    sample: "5 hour usage limit reached. It will reset in 2 hours 13 minutes. To continue using this model now, enable usage from your available balance",
    seen: "https://github.com/anomalyco/opencode/issues/49170 and OpenCode 1.18.33 session/retry.ts (corpus: opencode-go-5h, opencode-go-retry-status)",
  },
  {
    id: "opencode-zen-free-usage",
    provider: "opencode",
    kind: "quota",
    when: [{ errorType: ["FreeUsageLimitError"] }, { text: /\bFreeUsageLimitError\b|\bFree usage exceeded\b/i }],
    sample: "Free usage exceeded, subscribe to Go https://opencode.ai/go",
    seen: "OpenCode 1.18.33 session/retry.ts GO_UPSELL_MESSAGE (corpus: opencode-zen-free-usage)",
  },
  {
    id: "anthropic-credit-balance",
    provider: "anthropic",
    kind: "quota",
    when: [{ text: /\bcredit balance is too low\b/i }],
    sample: "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
    seen: "https://github.com/anthropics/claude-code/issues/4208 (corpus: anthropic-credit-balance)",
    note: "Trap: a 400 invalid_request_error, not a 402/429.",
  },
  {
    id: "anthropic-api-usage-limits",
    provider: "anthropic",
    kind: "quota",
    when: [{ text: /\breached your specified API usage limits\b/i }],
    sample: "You have reached your specified API usage limits. You will regain access on 2026-04-01 at 00:00 UTC.",
    seen: "https://github.com/anthropics/claude-code/issues/38035 (corpus: anthropic-spend-limit)",
    note: "Trap: a 400 invalid_request_error (workspace spend limit).",
  },
  {
    id: "anthropic-extra-usage",
    provider: "anthropic",
    kind: "quota",
    when: [{ text: /\bout of extra usage\b|\bextra usage is required\b/i }],
    sample: "Extra usage is required for long context requests.",
    seen: "https://github.com/anthropics/claude-code/issues/28818 (corpus: anthropic-extra-usage-required)",
    note: "A 429 rate_limit_error, yet waiting does not help: the plan does not cover the request until extra usage is bought.",
  },
  {
    id: "anthropic-subscription-window",
    provider: "anthropic",
    kind: "quota",
    when: [{ status: [429], header: { name: "anthropic-ratelimit-unified-status", value: /^\s*rejected\s*$/i } }],
    sample: "anthropic-ratelimit-unified-status: rejected; anthropic-ratelimit-unified-reset: 1800003600",
    seen:
      "Anthropic subscription (Claude Max, OAuth) unified rate-limit headers, as handled by public Claude-subscription proxies; " +
      "body as in https://github.com/anthropics/claude-code/issues/9046 (corpus: anthropic-subscription-window-rejected)",
    note: "The body only says rate_limit_error; the header says the 5-hour/weekly window is spent.",
  },
  {
    id: "claude-code-usage-limit",
    provider: "anthropic",
    kind: "quota",
    when: [{ text: /\busage limit reached\|\s*\d{9,13}\b/i }],
    sample: "Claude AI usage limit reached|1760000400",
    seen: "https://github.com/anthropics/claude-code/issues/9046 (corpus: claude-code-usage-limit-epoch)",
  },
  {
    id: "deepseek-402-insufficient-balance",
    provider: "deepseek",
    kind: "quota",
    when: [{ status: [402], text: /\bInsufficient Balance\b/i }],
    sample: '402 {"error":{"message":"Insufficient Balance","type":"unknown_error","code":"invalid_request_error"}}',
    seen: "https://github.com/Aider-AI/aider/issues/4851 and https://api-docs.deepseek.com/quick_start/error_codes (corpus: deepseek-402-balance)",
    note: "Trap: error.code is invalid_request_error.",
  },
  {
    id: "openrouter-402-credits",
    provider: "openrouter",
    kind: "quota",
    when: [{ status: [402], text: /\b(?:insufficient|more) credits\b|\bopenrouter_credits\b/i }],
    sample: "Your account or API key has insufficient credits. Add more credits and retry the request.",
    seen: "OpenRouter API errors documentation (corpus: openrouter-402-credits)",
  },
  {
    id: "copilot-quota-exceeded",
    provider: "github-copilot",
    kind: "quota",
    when: [{ errorCode: ["quota_exceeded"] }, { text: /\bYou have no quota\b/i }],
    sample: '{"message":"You have no quota","code":"quota_exceeded"}',
    seen: "https://github.com/anomalyco/opencode/issues/48330 and https://github.com/github/copilot-cli/issues/730 (corpus: copilot-402-no-quota)",
  },
  {
    id: "zhipu-1113-balance",
    provider: "zhipu",
    kind: "quota",
    when: [{ errorCode: ["1113"] }, { text: /余额不足或无可用资源包/ }],
    sample: '{"error":{"code":"1113","message":"余额不足或无可用资源包,请充值。"}}',
    seen: "https://github.com/continuedev/continue/issues/10296 (corpus: zhipu-1113-balance)",
    note: "Arrives as a 429: must precede the 429 rows. Code compared for equality, never searched in text.",
  },
  {
    id: "zhipu-1308-usage-limit",
    provider: "zhipu",
    kind: "quota",
    when: [{ errorCode: ["1308", "1310"] }, { text: /\[13(?:08|10)\]\[|已达到[^。\n]{0,24}使用上限/ }],
    sample: '{"error":{"code":"1308","message":"已达到 5 小时的使用上限。您的限额将在 2026-08-25 07:41:44 重置。"}}',
    seen:
      "https://github.com/dirge-code/dirge/issues/818 (corpus: zhipu-1308-usage-limit); English/Anthropic dialect " +
      "\"Usage limit reached for 5 hour. Your limit will reset at …\" recorded in public code (corpus: zai-1308-anthropic-dialect)",
    note: "Trap: the Anthropic-compatible endpoint wraps it in a 429 rate_limit_error. 1310 is the weekly/monthly window.",
  },
  {
    id: "volcengine-account-quota-exceeded",
    provider: "volcengine",
    kind: "quota",
    when: [{ errorCode: ["AccountQuotaExceeded"] }],
    sample: "You have exceeded the 5-hour usage quota. It will reset at 2026-05-11 01:20:12 +0800 CST.",
    seen: "https://github.com/anomalyco/opencode/issues/39790 (corpus: volcano-5h-quota)",
  },
  {
    id: "volcengine-account-overdue",
    provider: "volcengine",
    kind: "quota",
    when: [{ errorCode: ["AccountOverdueError", "ServiceOverdue"] }, { errorType: ["AccountOverdueError"] }],
    sample: "The request failed because your account has an overdue balance. Request ID: {id}",
    seen: "https://volcengine.com/docs/82379/1299023 and https://github.com/volcengine/OpenViking/issues/729 (corpus: volcengine-account-overdue)",
    note: "Trap: a 403; must precede the 401/403 auth rows.",
  },
  {
    id: "dashscope-arrearage",
    provider: "dashscope",
    kind: "quota",
    when: [{ errorCode: ["Arrearage"] }, { errorType: ["Arrearage"] }],
    sample: '{"error":{"code":"Arrearage","type":"Arrearage","message":"Access denied, please make sure your account is in good standing."}}',
    seen: "https://github.com/hsliuping/TradingAgents-CN/issues/170 and https://github.com/tencentmusic/supersonic/issues/1572 (corpus: dashscope-arrearage)",
    note: "Trap: a 400 whose message speaks of access, not money.",
  },
  {
    id: "dashscope-free-tier-only",
    provider: "dashscope",
    kind: "quota",
    when: [
      { errorCode: ["AllocationQuota.FreeTierOnly"] },
      { errorType: ["AllocationQuota.FreeTierOnly"] },
      { text: /\bfree tier of the model has been exhausted\b/i },
    ],
    sample: "The free tier of the model has been exhausted. If you wish to continue access the model on a paid basis, please disable the \"use free tier only\" mode in the management console.",
    seen: "https://github.com/APIParkLab/APIPark/issues/394 (corpus: dashscope-free-tier-only)",
  },
  {
    id: "moonshot-exceeded-current-quota",
    provider: "moonshot",
    kind: "quota",
    when: [{ errorType: ["exceeded_current_quota_error"] }],
    sample: "Your account org-abc <ak-xyz> is suspended due to insufficient balance, please recharge your account or check your plan and billing details",
    seen: "https://github.com/continuedev/continue/issues/11443 and https://github.com/MoonshotAI/Kimi-K2/issues/5 (corpus: kimi-suspended-balance, moonshot-403-exceeded-quota)",
    note: "Seen as 429 and as 403.",
  },
  {
    id: "minimax-insufficient-balance",
    provider: "minimax",
    kind: "quota",
    when: [{ errorType: ["insufficient_balance_error"] }, { text: /\binsufficient balance \(1008\)/i }],
    sample: '500 {"type":"error","error":{"type":"api_error","message":"insufficient balance (1008)"}}',
    seen: "https://github.com/MiniMax-AI/MiniMax-M2/issues/62 and https://github.com/modelscope/modelscope/issues/1691 (corpus: minimax-insufficient-balance-500)",
    note: "Trap: a 500 api_error on the Anthropic-compatible endpoint; must precede the 5xx rows.",
  },
  {
    id: "groq-insufficient-balance",
    provider: "groq",
    kind: "quota",
    when: [{ errorType: ["insufficient_balance"] }],
    sample: '402 {"error":{"message":"Your organization has insufficient balance.","type":"insufficient_balance"}}',
    seen: "matrx_ai provider billing-refusal test table (public code; corpus: groq-402-insufficient-balance)",
  },
  {
    id: "xai-credits-or-spending-limit",
    provider: "xai",
    kind: "quota",
    when: [{ text: /\bused all available credits\b|\breached its monthly spending limit\b|\bdoesn't have any credits\b/i }],
    sample: "Your team 0f3c-1b2a has either used all available credits or reached its monthly spending limit.",
    seen: "https://github.com/continuedev/continue/issues/10373 (corpus: xai-credits, xai-403-no-credits)",
    note: "xAI's body code is \"Some resource has been exhausted\": must precede the Vertex row.",
  },
  {
    id: "fireworks-account-suspended",
    provider: "fireworks",
    kind: "quota",
    when: [{ text: /\bsuspended, possibly due to reaching the monthly spending limit\b/i }],
    sample: "Account ferroxlabs is suspended, possibly due to reaching the monthly spending limit or failure to pay past invoices.",
    seen: "https://github.com/FerroxLabs/wayland/issues/545 and https://github.com/pollinations/pollinations/issues/12136 (corpus: fireworks-412-suspended)",
    note: "Arrives as 412 PRECONDITION_FAILED.",
  },
  {
    id: "together-credit-limit",
    provider: "together",
    kind: "quota",
    when: [{ text: /\bCredit limit exceeded\b/i }],
    sample: "Credit limit exceeded. Please navigate to https://api.together.xyz/settings/billing to add credit or upgrade your plan.",
    seen: "https://github.com/expectedparrot/edsl/issues/2098 (corpus: together-402-credit-limit)",
    note: "Together also uses type credit_limit for a per-minute rate limit: never match that type alone.",
  },
  {
    id: "antigravity-capacity-exhausted",
    provider: "antigravity-proxy",
    kind: "quota",
    when: [{ text: /\bexhausted your capacity on\b/i }],
    sample: "RESOURCE_EXHAUSTED: You have exhausted your capacity on claude-opus-4-6-thinking. Quota will reset after 2h9m48s.",
    seen: "https://github.com/nguyenphutrong/quotio/issues/375 (corpus: antigravity-capacity-exhausted)",
    note: "Trap: a 400 invalid_request_error.",
  },
  {
    id: "gemini-free-tier-limit-zero",
    provider: "google",
    kind: "quota",
    when: [{ text: /\bQuota exceeded for metric: [^\n,]{1,200}, limit: 0\b/i }],
    sample: "Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: gemini-3.1-pro",
    seen: "https://github.com/google-gemini/gemini-cli/issues/22486 (corpus: gemini-free-tier-limit-zero)",
    note: "A limit of 0 never refills, even though the text says \"Please retry in 56s\": must precede the per-minute row.",
  },

  // ── 4a. Daily windows (quota) ───────────────────────────────────────────────────────────────
  {
    id: "gemini-per-day-quota",
    provider: "google",
    kind: "quota",
    when: [{ quotaId: /PerDay/i }, { googleStatus: ["RESOURCE_EXHAUSTED"], text: /\bper day\b/i }],
    sample: "quotaId: GenerateRequestsPerDayPerProjectPerModel-FreeTier",
    seen: "https://github.com/google-gemini/gemini-cli/issues/8437 (corpus: gemini-per-day-quota)",
    note: "Gemini says \"You exceeded your current quota\" for per-day AND per-minute limits: the quotaId decides.",
  },
  {
    id: "cerebras-tokens-per-day",
    provider: "cerebras",
    kind: "quota",
    when: [{ errorCode: ["token_quota_exceeded"], text: /\bper day\b/i }],
    sample: '{"message":"Tokens per day limit exceeded - too many tokens processed.","type":"too_many_tokens_error","code":"token_quota_exceeded"}',
    seen: "Cerebras 429 body as recorded in public code (corpus: cerebras-tokens-per-day)",
  },
  {
    id: "bedrock-tokens-per-day",
    provider: "amazon-bedrock",
    kind: "quota",
    when: [{ text: /\bToo many tokens per day\b/i }],
    sample: "ThrottlingException: Too many tokens per day, please wait before trying again.",
    seen: "https://github.com/minorun365/agent-book/issues/29 (corpus: bedrock-tokens-per-day)",
    note: "Same exception as the per-minute throttle; only the words tell the daily quota apart.",
  },
  {
    id: "openrouter-free-models-per-day",
    provider: "openrouter",
    kind: "quota",
    when: [{ text: /\bfree-models-per-day\b/i }],
    sample: "Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day",
    seen: "https://github.com/Gitlawb/openclaude/issues/936 and https://github.com/Gitlawb/openclaude/issues/1549 (corpus: openrouter-free-models-per-day)",
  },
  {
    id: "moonshot-tpd-limit",
    provider: "moonshot",
    kind: "quota",
    when: [{ text: /\breached organization TPD rate limit\b/i }],
    sample: "Your account org-78cd <ak-f94z> request reached organization TPD rate limit, current: 1526210, limit: 1500000",
    seen: "https://github.com/MoonshotAI/kimi-cli/issues/1599 (corpus: moonshot-tpd)",
  },
  {
    id: "daily-limit-reached",
    provider: GENERIC_PROVIDER,
    kind: "quota",
    when: [{ text: /\bon (?:tokens|requests) per day \((?:TPD|RPD)\)|\bdaily (?:quota|limit)\b|\bquota limit per day\b/i }],
    sample: "Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_01` service tier `on_demand` on tokens per day (TPD): Limit 100000, Used 97050, Requested 3619. Please try again in 9m38.016s.",
    seen: "https://github.com/continuedev/continue/issues/10920 (Groq; corpus: groq-tpd) and https://github.com/google-gemini/gemini-cli/issues/15576",
    note: "Daily windows are quota (the lane is spent until the window rolls), with the wait in retryAfterMs.",
  },

  // ── 4b. Rate limits that look like quotas ────────────────────────────────────────────────────
  {
    id: "gemini-per-minute",
    provider: "google",
    kind: "rate-limit",
    when: [
      { quotaId: /PerMinute/i },
      { googleStatus: ["RESOURCE_EXHAUSTED"], text: /\bretry in \d|"retryDelay"/i },
      { text: [/\bQuota exceeded for metric\b/i, /\bretry in \d/i] },
    ],
    sample: "Resource has been exhausted (e.g. check quota). Please retry in 20.04s.",
    seen: "https://github.com/continuedev/continue/issues/10062 (corpus: gemini-per-minute)",
    note: "Gemini's per-minute limit uses the same \"current quota … billing\" words as its daily quota.",
  },
  {
    id: "vertex-resource-exhausted",
    provider: "google-vertex",
    kind: "rate-limit",
    when: [
      { googleStatus: ["RESOURCE_EXHAUSTED"], text: /\bResource (?:has been )?exhausted\b/i },
      { text: /\bResource exhausted\. Please try again later\b/i },
    ],
    sample: "Resource exhausted. Please try again later. Please refer to https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.",
    seen: "https://github.com/google-gemini/gemini-cli/issues/14811 (corpus: vertex-resource-exhausted)",
    note: "Vertex dynamic shared quota: transient, despite the word \"exhausted\".",
  },
  {
    id: "cerebras-tokens-per-minute",
    provider: "cerebras",
    kind: "rate-limit",
    when: [{ errorCode: ["token_quota_exceeded"] }, { text: /\bTokens per minute limit exceeded\b/i }],
    sample: '{"message":"Tokens per minute limit exceeded - too many tokens processed.","type":"too_many_tokens_error","param":"quota","code":"token_quota_exceeded"}',
    seen: "https://github.com/continuedev/continue/issues/9800 and https://github.com/anomalyco/opencode/issues/7463 (corpus: cerebras-tokens-per-minute)",
    note: "Trap: the code says quota, the limit is per minute.",
  },
  {
    id: "together-rate-limited",
    provider: "together",
    kind: "rate-limit",
    when: [{ text: /\bYou have been rate limited\b/i }],
    sample: "You have been rate limited. Your rate limit is 60 queries per minute. Please navigate to https://api.together.xyz/settings/billing to upgrade to a paid plan.",
    seen: "https://github.com/togethercomputer/MoA/issues/27 (corpus: together-rate-limited-credit-type)",
    note: "Trap: type credit_limit and a billing URL, yet a per-minute limit.",
  },
  {
    id: "azure-openai-rate-limit",
    provider: "azure",
    kind: "rate-limit",
    when: [{ text: /\bexceeded (?:the )?(?:token|call) rate limit\b/i }],
    sample: "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-02-01 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 60 seconds.",
    seen: "https://github.com/DmitryKatson/bc-code-interpreter/issues/2 (corpus: azure-openai-token-rate-limit)",
    note: "Its text links aka.ms/oai/quotaincrease: the word boundary keeps \"quota\" rows off it.",
  },
  {
    id: "bedrock-service-quota-exceeded",
    provider: "amazon-bedrock",
    kind: "rate-limit",
    when: [
      { name: ["ServiceQuotaExceededException"] },
      { header: { name: "x-amzn-errortype", value: /^ServiceQuotaExceededException\b/ } },
      { text: /\bexceeds the service quota for your account\b/i },
    ],
    sample: "Your request exceeds the service quota for your account. You can view your quotas at Viewing service quotas. You can resubmit your request later.",
    seen: "https://docs.aws.amazon.com/botocore/latest/reference/services/bedrock-runtime/client/exceptions/ServiceQuotaExceededException.html",
    note: "AWS documents it as resubmittable later (a per-minute account quota), so transient; the daily Bedrock quota is `bedrock-tokens-per-day`.",
  },
  {
    id: "bedrock-throttling",
    provider: "amazon-bedrock",
    kind: "rate-limit",
    when: [
      { name: ["ThrottlingException"] },
      { header: { name: "x-amzn-errortype", value: /^ThrottlingException\b/ } },
      { text: /\bToo many (?:tokens|requests), please wait before trying again\b/i },
    ],
    sample: "Too many tokens, please wait before trying again.",
    seen: "https://github.com/aws-samples/amazon-bedrock-client-for-mac/issues/99 (corpus: bedrock-throttling)",
  },
  {
    id: "openai-rate-limit-exceeded",
    provider: "openai",
    kind: "rate-limit",
    when: [{ errorCode: ["rate_limit_exceeded"] }, { text: /\bRate limit reached for\b/i }],
    sample: "Rate limit reached for gpt-4 in organization org-abc on tokens per min (TPM): Limit 10000, Used 8554, Requested 3082. Please try again in 9.816s.",
    seen: "https://github.com/FoundationAgents/MetaGPT/issues/523 (corpus: openai-tpm-rate-limit)",
  },
  {
    id: "anthropic-rate-limit-error",
    provider: "anthropic",
    kind: "rate-limit",
    when: [{ errorType: ["rate_limit_error"] }],
    sample: "Number of request tokens has exceeded your per-minute rate limit",
    seen: "Anthropic API errors documentation (corpus: anthropic-rate-limit, anthropic-subscription-rate-limit)",
  },
  {
    id: "mistral-rate-limited",
    provider: "mistral",
    kind: "rate-limit",
    when: [{ errorType: ["rate_limited"] }],
    sample: '{"object":"error","message":"Rate limit exceeded","type":"rate_limited","code":"1300"}',
    seen: "https://github.com/cline/cline/issues/9085 (corpus: mistral-rate-limited)",
  },
  {
    id: "moonshot-rate-limit-reached",
    provider: "moonshot",
    kind: "rate-limit",
    when: [{ errorType: ["rate_limit_reached_error"] }],
    sample: "Your account org-78cd <ak-f94z> request reached organization max RPM: 20, please try again after 1 seconds",
    seen: "https://github.com/MoonshotAI/kimi-cli/issues/1599 and https://github.com/MoonshotAI/Kimi-K2/issues/34 (corpus: moonshot-rpm)",
  },

  // ── 5. Generic exhaustion wordings (quota) and context overflow ──────────────────────────────
  {
    id: "generic-current-quota",
    provider: GENERIC_PROVIDER,
    kind: "quota",
    when: [{ text: /\bexceeded your current quota\b/i }],
    sample: "You exceeded your current quota, please check your plan and billing details.",
    seen: "OpenAI-compatible wording (corpus: openai-insufficient-quota); W&B Inference 402 https://docs.wandb.ai/ko/inference/api-reference/errors",
  },
  {
    id: "generic-quota-exceeded",
    provider: GENERIC_PROVIDER,
    kind: "quota",
    when: [
      {
        text: /\bquota (?:exceeded|exhausted|reached|has been (?:exceeded|exhausted|reached)|is (?:exceeded|exhausted))\b|\bexceeded (?:your |the )?(?:[\w-]+ )?(?:usage )?quota\b|\b(?:no|out of|insufficient) (?:remaining )?quota\b/i,
      },
    ],
    sample: "Too Many Requests: quota exceeded",
    seen: "seed signature `quota exceeded`; https://github.com/anomalyco/opencode/issues/17682 (Copilot via OpenCode retry; corpus: copilot-retry-quota-exceeded)",
  },
  {
    id: "generic-insufficient-balance",
    provider: GENERIC_PROVIDER,
    kind: "quota",
    when: [
      {
        text: /\binsufficient (?:account )?(?:balance|credits?|funds)\b|\bcredits? (?:are |is )?depleted\b|\bout of credits?\b|\bran out of (?:credits?|balance)\b|\bbalance is (?:insufficient|too low|negative)\b|\boverdue (?:balance|payment)\b|\bmaximum billing reached\b|\bmonthly included credits\b/i,
      },
    ],
    sample: "Insufficient Balance",
    seen: "https://api-docs.deepseek.com/quick_start/error_codes; Google prepay \"Your prepayment credits are depleted\"; Cohere \"Maximum billing reached\" (matrx_ai test table)",
  },
  {
    id: "generic-usage-limit",
    provider: GENERIC_PROVIDER,
    kind: "quota",
    when: [
      {
        text: /\busage limits? (?:has been |have been )?(?:reached|exceeded|exhausted)\b|\b(?:reached|hit|exceeded) (?:your |the |its )?(?:[\w-]+ )?usage limits?\b/i,
      },
    ],
    sample: "The usage limit has been reached",
    seen: "Codex https://github.com/earendil-works/pi/issues/4172; Z.ai \"Usage limit reached for 5 hour\"; Codex CLI https://github.com/openai/codex/issues/3899",
  },
  {
    id: "generic-spending-limit",
    provider: GENERIC_PROVIDER,
    kind: "quota",
    when: [{ text: /\b(?:monthly )?spend(?:ing)? limit (?:reached|exceeded|has been reached)\b|\breached (?:your |the |its )?(?:monthly )?spend(?:ing)? limit\b/i }],
    sample: "reached its monthly spending limit",
    seen: "https://github.com/continuedev/continue/issues/10373 (xAI) and https://github.com/FerroxLabs/wayland/issues/545 (Fireworks)",
  },
  {
    id: "chinese-exhaustion-text",
    provider: GENERIC_PROVIDER,
    kind: "quota",
    when: [{ text: /余额不足|欠费|(?:额度|配额)(?:已)?(?:用完|用尽|耗尽|不足|超限)|使用上限/ }],
    sample: "余额不足或无可用资源包,请充值。",
    seen:
      "余额不足: https://github.com/continuedev/continue/issues/10296 (Zhipu); 欠费: https://volcengine.com/docs/82379/1299023 (\"当前账号欠费\"); " +
      "使用上限: https://github.com/dirge-code/dirge/issues/818 (Zhipu 1308); 额度用尽: https://github.com/ai-genie/chatgpt-vscode/issues/169 (a 429 quota shown in Chinese); " +
      "配额超限: https://github.com/Wei-Shaw/claude-relay-service/pull/920 (relay wording)",
    note: "No provider-originated Japanese or Korean exhaustion text was found; none is matched.",
  },
  {
    id: "context-length-exceeded",
    provider: GENERIC_PROVIDER,
    kind: "context",
    when: [
      { errorCode: ["context_length_exceeded"] },
      {
        text: /\bprompt is too long\b|\bcontext[_ ]length[_ ]exceeded\b|\bmaximum context length\b|\bexceeds the context window\b|\binput is too long for requested model\b|\bcontext window exceeds limit\b/i,
      },
    ],
    sample: "prompt is too long: 215000 tokens > 200000 maximum",
    seen: "OpenCode 1.18.33 context-overflow patterns (provider/error.ts) and OpenAI context_length_exceeded",
  },

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
    when: [
      { errorCode: ["invalid_api_key"] },
      { errorType: ["authentication_error"] },
      { text: /\bIncorrect API key provided\b|\binvalid[ _-]?api[ _-]?key\b|\bAPI key (?:is )?(?:missing|invalid|not valid|expired)\b/i },
    ],
    sample: "Incorrect API key provided: sk-proj-****abcd.",
    seen: "OpenAI error codes documentation (corpus: openai-401-invalid-key)",
  },

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

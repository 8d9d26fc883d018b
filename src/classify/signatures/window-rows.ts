import { GENERIC_PROVIDER } from "./types";
import type { Signature } from "./types";

/**
 * Group 4: daily windows (quota), then the rate limits that look like quotas (Gemini per-minute,
 * Vertex "Resource exhausted", Cerebras `token_quota_exceeded` per minute, Together `credit_limit` type).
 * Part of {@link SIGNATURES} (see `./index.ts`): row order is priority, keep it.
 */
/** A limit counted per minute, second or request: `per minute` with any separator, `PerMinute`, RPM/TPM/RPS/QPS. */
const PER_MINUTE = /(?:^|[^a-z])per[ _-]?(?:min(?:ute)?s?|sec(?:ond)?s?|requests?)(?![a-z])|\b(?:RPM|TPM|RPS|QPS)\b|每分钟|每秒/i;
/** The same in a Google quota id or limit name (`GenerateContentRequestsPerMinutePerProject`): case decides. */
const PER_MINUTE_CAMEL = /Per(?:Minute|Second|Request)(?![a-z])/;
/** The words that make it a limit, not a mere mention of a minute. */
const LIMIT_WORD = /quota|\blimit|exceeded|exhausted|\breached\b|throttl|限/i;
/**
 * A longer window (a day, week, month, hour, or a reset hours away), a limit of 0 (never refills) or
 * an account's money: then the text is not a per-minute limit alone, and the other rows decide.
 */
export const LONGER_WINDOW_OR_MONEY =
  /per[ _-]?(?:day|week|month|hour|year)|\b(?:daily|weekly|monthly|hourly|yearly|annual)\b|\b(?:TPD|RPD)\b|\b\d+(?:\.\d+)?[ -]?(?:h|hours?|days?|weeks?|months?)\b|\blimit: 0\b|\b(?:insufficient|balance|credits?|budget|arrears|arrearage|spend(?:ing)?|payment|recharge|prepay\w*|overdue)\b|小时|今日|今天|每天|每日|每周|每月|当日|余额|欠费/i;

export const WINDOW_ROWS: readonly Signature[] = [
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
    when: [{ text: /\bon (?:tokens|requests) per day \((?:TPD|RPD)\)|\bdaily (?:request |call |token )?(?:quota|limit)\b|\bquota limit per day\b/i }],
    sample: "Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_01` service tier `on_demand` on tokens per day (TPD): Limit 100000, Used 97050, Requested 3619. Please try again in 9m38.016s.",
    seen: "https://github.com/continuedev/continue/issues/10920 (Groq; corpus: groq-tpd), https://github.com/google-gemini/gemini-cli/issues/15576 and Baidu Qianfan error codes (\"Open api daily request limit reached\")",
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
      { message: /^\s*Resource (?:has been )?exhausted(?: \(e\.g\. check quota\))?\.?\s*$/i },
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
  {
    id: "per-minute-window",
    provider: GENERIC_PROVIDER,
    kind: "rate-limit",
    overridesQuota: true,
    when: [
      { text: [PER_MINUTE, LIMIT_WORD], notText: LONGER_WINDOW_OR_MONEY },
      { text: [PER_MINUTE_CAMEL, LIMIT_WORD], notText: LONGER_WINDOW_OR_MONEY },
    ],
    sample: "Quota exceeded for quota metric 'Generate Content API requests per minute' and limit 'GenerateContent request limit per minute for a region' of service 'generativelanguage.googleapis.com'",
    seen:
      "https://github.com/tech-shrimp/gemini-playground/issues/10 (AI Studio, ErrorInfo RATE_LIMIT_EXCEEDED), https://github.com/google/generative-ai-docs/issues/236 (JS SDK), " +
      "https://github.com/GoogleCloudPlatform/Open_Data_QnA/issues/61 (Vertex …_per_minute_per_project_per_base_model); https://ai.google.dev/gemini-api/docs/api-errors (rate_limit_exceeded: per-minute or per-second)",
    note:
      "A limit per minute, second or request refills by itself: OpenCode's retry waits for it, never an immediate fallback, whatever quota words come with it " +
      "(overridesQuota: it wins over an earlier quota row without account scope). A day, week, month or hour, or money words, leave the verdict to the other rows.",
  },
];

import type { Signature } from "./types";

/**
 * Group 3 (continued): budgets and spend limits of gateways and providers' billing codes (LiteLLM
 * proxy budgets, OpenAI billing hard limit and spend-limit codes, Anthropic's enforced spend limit,
 * Zhipu's daily call limit). They arrive as 400, 401, 403 or 429, often under a rate-limit or auth type:
 * they must precede the rate-limit rows of group 4 and the status rows of group 7.
 * Part of {@link SIGNATURES} (see `./index.ts`): row order is priority, keep it.
 */
export const GATEWAY_ROWS: readonly Signature[] = [
  {
    id: "litellm-budget-exceeded",
    provider: "litellm",
    kind: "quota",
    scope: "account",
    when: [{ text: /\bBudget has been exceeded!|\bExceededBudget: (?:End )?User=|\bExceededTokenBudget\b|\bspending budget of [^\n]{1,40} has been reached\b/i }],
    sample: '{"error":{"message":"Budget has been exceeded! Current cost: 0.0010747, Max budget: 0.0","type":"auth_error","param":null,"code":400}}',
    seen:
      "https://github.com/BerriAI/litellm/issues/4208 (key, 400), https://github.com/BerriAI/litellm/issues/14144 (team), " +
      "https://github.com/BerriAI/litellm/issues/27735 (429), https://github.com/BerriAI/litellm/issues/14004 (user); LiteLLM users docs (ExceededTokenBudget, 401); " +
      "Warp API docs (403 budget_exceeded \"Monthly spending budget of $50 has been reached.\")",
    note: "The key's, team's, user's or account's budget: every model behind the key is refused. 400 auth_error in older LiteLLM, 429 in newer, 401 in the oldest; Warp's is a 403.",
  },
  {
    id: "litellm-model-budget-exceeded",
    provider: "litellm",
    kind: "quota",
    when: [
      { errorType: ["budget_exceeded"] },
      { errorCode: ["budget_exceeded"] },
      { text: /\bexceeded budget for (?:model|deployment)\b|\bcrossed budget\b/i },
    ],
    sample: '{"error":{"message":"LiteLLM User: engineer-1, exceeded budget for model=claude-opus-4-8","type":"budget_exceeded","param":null,"code":"429"}}',
    seen:
      "LiteLLM docs, per-model user budget (quoted in OWASP/OpenCRE PR #1102); https://github.com/BerriAI/litellm/issues/14144 (deployment)",
    note: "One model's or deployment's budget: the other models of the key may still serve, so no account scope.",
  },
  {
    id: "openai-billing-limit",
    provider: "openai",
    kind: "quota",
    scope: "account",
    when: [
      {
        errorCode: [
          "billing_hard_limit_reached",
          "organization_spend_limit_exceeded",
          "project_spend_limit_exceeded",
          "organization_usage_limit_exceeded",
          "credit_balance_exhausted",
        ],
      },
      { text: /\bBilling hard limit has been reached\b|\bexceeded your (?:project|organization) spend limit\b/i },
    ],
    sample: '{"error":{"code":"billing_hard_limit_reached","message":"Billing hard limit has been reached","param":null,"type":"invalid_request_error"}}',
    seen:
      "https://github.com/dfinke/PowerShellAI/issues/127 and https://github.com/Decryptu/DecryptGPT/issues/1 (400); " +
      "https://developers.openai.com/api/docs/guides/spend-limits and help.openai.com/en/articles/6614457 (spend-limit codes, 429)",
    note: "Trap: billing_hard_limit_reached is a 400 invalid_request_error.",
  },
  {
    id: "anthropic-enforced-spend-limit",
    provider: "anthropic",
    kind: "quota",
    scope: "account",
    when: [{ text: /\benforced_spend_limit_reached\b/ }],
    sample: '{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed your account\'s rate limit. Please try again later.","details":{"error_code":"enforced_spend_limit_reached"}}}',
    seen: "Anthropic API errors documentation (tier monthly spend cap: 429 rate_limit_error with details.error_code enforced_spend_limit_reached), via https://github.com/anthropics/claude-code/issues/14470",
    note: "Trap: a 429 rate_limit_error whose message speaks of a rate limit; only the detail code says the month's spend is used up.",
  },
  {
    id: "zhipu-1304-daily-calls",
    provider: "zhipu",
    kind: "quota",
    when: [{ errorCode: ["1304"] }, { text: /已达今日调用次数限额/ }],
    sample: '{"error":{"code":"1304","message":"该 API 已达今日调用次数限额,如有更多需求,请联系客服购买"}}',
    seen: "https://docs.bigmodel.cn/cn/api/api-code (1304)",
    note: "A 429, daily window: precedes the 429 rows. Code compared for equality, never searched in text.",
  },
];

import { GENERIC_PROVIDER } from "./types";
import type { Signature } from "./types";

/**
 * Group 5: generic exhaustion wordings (quota), context overflow wordings.
 * Part of {@link SIGNATURES} (see `./index.ts`): row order is priority, keep it.
 */
export const GENERIC_EXHAUSTION_ROWS: readonly Signature[] = [
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
        text: /\bquota (?:exceeded|exhausted|reached|has been (?:exceeded|exhausted|reached)|is (?:exceeded|exhausted))\b|\bexceeded (?:your |the )?(?:[\w-]+ )?(?:usage )?quota\b|\b(?:no|out of|insufficient) (?:remaining )?quota\b|\bdoes not have enough quota\b|\bInsufficient_?Quota\b/i,
      },
    ],
    sample: "Too Many Requests: quota exceeded",
    seen:
      "seed signature `quota exceeded`; https://github.com/anomalyco/opencode/issues/17682 (Copilot via OpenCode retry; corpus: copilot-retry-quota-exceeded); " +
      "Azure \"The subscription does not have enough quota (Code: InsufficientQuota)\" (docs/sources/issue-11-relays-auth-transient-context.md)",
  },
  {
    id: "generic-insufficient-balance",
    provider: GENERIC_PROVIDER,
    kind: "quota",
    scope: "account",
    when: [
      {
        text: /\binsufficient (?:account )?(?:balance|credits?|funds)\b|\bcredits? (?:are |is )?depleted\b|\bout of credits?\b|\bran out of (?:credits?|balance)\b|\bbalance is (?:insufficient|too low|negative)\b|\boverdue (?:balance|payment)\b|\bmaximum billing reached\b|\bmonthly included credits\b|\bin arrears\b|\bcredits? (?:have been |has been |are |is )?(?:exhausted|used up)\b/i,
      },
    ],
    sample: "Insufficient Balance",
    seen:
      "https://api-docs.deepseek.com/quick_start/error_codes; Google prepay \"Your prepayment credits are depleted\"; Cohere \"Maximum billing reached\" (matrx_ai test table); " +
      "Z.ai 1113 \"Your account is in arrears, please recharge and try again\" (https://docs.z.ai/api-reference/api-code)",
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
    when: [
      {
        text: /\b(?:monthly )?spend(?:ing)? (?:limit|cap) (?:reached|exceeded|has been reached)\b|\breached (?:your |the |its )?(?:monthly )?spend(?:ing)? (?:limit|cap)\b|\bexceeded its (?:monthly )?spending cap\b/i,
      },
    ],
    sample: "reached its monthly spending limit",
    seen:
      "https://github.com/continuedev/continue/issues/10373 (xAI), https://github.com/FerroxLabs/wayland/issues/545 (Fireworks); " +
      "Google AI Studio \"Your billing account has exceeded its monthly spending cap\" (a 429, quoted on help.apiyi.com; Claude Code shows \"spending cap reached\": https://github.com/anthropics/claude-code/issues/14470)",
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
      { errorCode: ["1261", "tokens_too_long"] },
      {
        text: /\bexceed(?:s|ed)? (?:the )?(?:maximum )?context (?:limit|window|length)\b|\bmaximum context limit\b|\bInput tokens exceed the configured limit\b|\bis longer than the (?:model's context length|maximum model length)\b|\bexceeds the maximum number of tokens allowed\b|\bexceeded model token limit\b|\bContextWindowExceeded(?:Error)?\b|\bcontext window exceeded\b|\btokens? > \d+ maximum\b|Prompt ?超长|\bPrompt tokens too long\b|\btokens_too_long\b|\bexpected maxLength: \d+, actual: \d+/i,
      },
    ],
    sample: "prompt is too long: 215000 tokens > 200000 maximum",
    seen:
      "OpenCode 1.18.33 context-overflow patterns (provider/error.ts) and OpenAI context_length_exceeded; https://github.com/docker/docker-agent/issues/569 (Anthropic " +
      "\"exceed context limit\"); https://github.com/cline/cline/issues/5474 (GPT-5); https://github.com/QwenLM/Qwen3/issues/1321 (SGLang); https://github.com/thu-coai/Glyph/issues/9 (vLLM); " +
      "https://github.com/google-gemini/gemini-cli/issues/6678 (Gemini); https://github.com/MoonshotAI/kimi-cli/issues/2011 (Kimi); https://docs.bigmodel.cn/cn/api/api-code (Zhipu 1261); " +
      "https://cloud.baidu.com/doc/qianfan-api/s/rmwbl43x7 (Baidu); LiteLLM ContextWindowExceededError; Bedrock \"expected maxLength\" (docs/sources/issue-11-relays-auth-transient-context.md)",
  },
];

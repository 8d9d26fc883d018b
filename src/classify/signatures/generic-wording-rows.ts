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
    when: [
      {
        text: /\brate[ _-]?limit(?:ed|s|_\w+)?\b|\btoo many requests\b|\brate increased too quickly\b|\bthrottled\b|\b(?:qps|request) limit reached\b/i,
      },
    ],
    sample: "Too Many Requests",
    seen:
      "OpenCode 1.18.33 session/retry.ts normalized retry message \"Too Many Requests\"; Bedrock \"Request was throttled\" (https://github.com/RooCodeInc/Roo-Code/issues/5050); " +
      "Baidu Qianfan \"Open api qps request limit reached\" (https://ai.baidu.com/ai-doc/WENXINWORKSHOP/tlmyncueh)",
  },
  {
    id: "chinese-rate-limit-text",
    provider: GENERIC_PROVIDER,
    kind: "rate-limit",
    when: [{ text: /请求过于频繁|访问过于频繁|频率过高|并发数过高|速率限制|触发限流|流量限制/ }],
    sample: "您当前使用该 API 的并发数过高，请降低并发，或联系客服增加限额",
    seen:
      "https://docs.bigmodel.cn/cn/api/api-code (Zhipu 1302, 1303, 1305); https://github.com/PaddlePaddle/ERNIE-SDK/issues/107 (访问过于频繁); " +
      "https://github.com/zhukunpenglinyutong/jetbrains-cc-gui/issues/897 (速率限制)",
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
    when: [
      { errorType: ["server_error"] },
      {
        text: /\boverloaded\b|\bserver_is_overloaded\b|\b(?:currently|temporarily|is) at capacity\b|\bexperiencing high demand\b|\bservice (?:is )?(?:currently |temporarily )?unavailable\b|\btemporarily unavailable\b|\bserver is busy\b|\bout of capacity\b|\bno capacity available\b|\bThe server (?:had|experienced) an error\b|\bserver_error\b/i,
      },
    ],
    sample: "The engine is currently overloaded, please try again later",
    seen:
      "https://docs.wandb.ai/ja/inference/api-reference/errors (503); Gemini 503 \"This model is currently experiencing high demand.\"; " +
      "https://github.com/google-gemini/gemini-cli/issues/11196 (\"The service is currently unavailable.\"); https://github.com/anomalyco/opencode/issues/34886 (\"Inference is temporarily unavailable\"); " +
      "https://github.com/deepseek-ai/DeepSeek-V3/issues/552 (\"The server is busy\"); https://github.com/ai-genie/chatgpt-vscode/issues/100 and https://github.com/LlmKira/Openaibot/issues/177 (OpenAI server_error)",
  },
  {
    id: "chinese-overload-text",
    provider: GENERIC_PROVIDER,
    kind: "overload",
    when: [{ text: /服务暂时不可用|服务暂不可用|服务器繁忙|访问量过大|系统繁忙/ }],
    sample: "该模型当前访问量过大，请您稍后再试",
    seen:
      "https://github.com/zhukunpenglinyutong/jetbrains-cc-gui/issues/897 (Zhipu 1305); https://github.com/TencentCloud/Octop/issues/1022 (服务暂时不可用); " +
      "https://ai.baidu.com/ai-doc/WENXINWORKSHOP/tlmyncueh (服务暂不可用); DeepSeek API docs (503 服务器繁忙)",
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

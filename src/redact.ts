/**
 * Patterns of secrets that error bodies, headers and messages can carry. Each is replaced by a marker
 * that keeps the kind of secret visible (`sk-…[redacted]`) but none of its characters past the prefix.
 */
const SECRET_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // OpenAI, Anthropic, OpenRouter, DeepSeek, … keys: sk-…, sk-ant-…, sk-proj-…, sk-or-v1-…
  [/\bsk-[A-Za-z0-9_\-*]{6,}/g, "sk-[redacted]"],
  // Google API keys.
  [/\bAIza[0-9A-Za-z_\-]{20,}/g, "AIza[redacted]"],
  // GitHub tokens (Copilot): ghp_, gho_, ghu_, ghs_, ghr_, github_pat_.
  [/\b(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]{16,}/g, "gh_[redacted]"],
  // xAI keys.
  [/\bxai-[A-Za-z0-9]{16,}/g, "xai-[redacted]"],
  // AWS access key ids.
  [/\bAKIA[0-9A-Z]{16}\b/g, "AKIA[redacted]"],
  // Bearer / Basic credentials anywhere (headers, messages).
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=\-]{8,}/gi, "$1 [redacted]"],
  // JSON or header fields that name a secret: "api_key": "…", x-api-key: …, authorization: …
  [
    /("?(?:api[_-]?key|x-api-key|authorization|access[_-]?token|refresh[_-]?token|secret|password|token)"?\s*[:=]\s*"?)([^"\s,}]{4,})/gi,
    "$1[redacted]",
  ],
];

/**
 * Removes API keys, bearer tokens and other credentials from a text. Applied to every debug log line
 * and every toast, because provider error bodies echo keys ("Incorrect API key provided: sk-proj-…").
 *
 * @example
 * ```ts
 * redactSecrets("Incorrect API key provided: sk-proj-abcdef123456"); // "Incorrect API key provided: sk-[redacted]"
 * ```
 */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

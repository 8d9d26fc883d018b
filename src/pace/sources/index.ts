/**
 * Usage sources that ask a provider's own usage API, with the credentials OpenCode keeps in `auth.json`:
 * Claude subscriptions (`anthropic`), ChatGPT plans (`openai`) and GitHub Copilot (`github-copilot`).
 * Each `read` is total: a refused login, an odd body or a stuck request is `{ ok: false, reason }`, and no
 * reason ever carries a token.
 */
export { anthropicUsageSource, parseAnthropicUsage, ANTHROPIC_OAUTH_BETA, ANTHROPIC_USAGE_PATH } from "./anthropic-oauth";
export { defaultAuthFile, parseAuthStore, readAuthStore } from "./auth-store";
export type { AuthStoreRead } from "./auth-store";
export { codexUsageSource, parseCodexUsage, chatgptAccountId, windowNameForSeconds, CODEX_USAGE_PATH } from "./codex";
export { copilotUsageSource, parseCopilotUsage, copilotApiBase, monthEndingAt, COPILOT_USAGE_PATH, COPILOT_API_VERSION } from "./copilot";
export { fetchHttpGet, withTimeout, UsageTimeoutError } from "./http";

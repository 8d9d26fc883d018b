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
  "spending cap",
  "budget",
  "arrears",
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
  "1304",
  "1308",
  "1310",
  "余额",
  "额度",
  "配额",
  "欠费",
  "上限",
  "今日",
];

/** True when `text` contains one of {@link EXHAUSTION_WORDS} (case-insensitive, `_`/`-` as spaces). */
export function containsExhaustionWord(text: string): boolean {
  const normalized = text.toLowerCase().replace(/[_-]/g, " ");
  return EXHAUSTION_WORDS.some((word) => normalized.includes(word));
}

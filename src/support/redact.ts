/**
 * Secrets out of everything the plugin writes: the debug log, OpenCode's log, toasts, the CLI and the
 * notices of a headless run. Error bodies, headers and messages echo keys ("Incorrect API key provided:
 * sk-proj-…"), OAuth tokens and URLs with credentials; each is replaced by a marker that keeps the kind
 * visible (`sk-[redacted]`) and none of the secret's characters past its public prefix.
 *
 * Two entry points: {@link redactSecrets} for a text, {@link redactValue} for a value about to be
 * encoded (JSON): it redacts every string it holds, and the whole value of a field whose name says it is
 * a secret (`api_key`, `apiKey`, `client_secret`, auth.json's `access` / `refresh`, …), BEFORE encoding,
 * so an escaped quote (`\"api_key\":\"…\"`) can never hide a field from the text patterns.
 */

/** A secret never starts right after one of these (so `req_4290…` or a word's tail is not taken). */
const B = "(?<![A-Za-z0-9])";

/** Prefixed tokens: the prefix stays, the rest goes. */
const TOKEN_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // OpenAI, Anthropic, OpenRouter, DeepSeek, … keys: sk-…, sk-ant-…, sk-proj-…, sk-or-v1-…
  [new RegExp(`${B}sk-[A-Za-z0-9_\\-*]{6,}`, "g"), "sk-[redacted]"],
  // Google API keys.
  [new RegExp(`${B}AIza[0-9A-Za-z_\\-]{20,}`, "g"), "AIza[redacted]"],
  // GitHub tokens (Copilot): ghp_, gho_, ghu_, ghs_, ghr_, github_pat_.
  [new RegExp(`${B}(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]{16,}`, "g"), "gh_[redacted]"],
  // GitLab personal tokens.
  [new RegExp(`${B}glpat-[A-Za-z0-9_\\-]{16,}`, "g"), "glpat-[redacted]"],
  // xAI, Groq, Hugging Face, Perplexity, NVIDIA, Cerebras, Replicate keys.
  [new RegExp(`${B}xai-[A-Za-z0-9]{16,}`, "g"), "xai-[redacted]"],
  [new RegExp(`${B}gsk_[A-Za-z0-9]{16,}`, "g"), "gsk_[redacted]"],
  [new RegExp(`${B}hf_[A-Za-z0-9]{16,}`, "g"), "hf_[redacted]"],
  [new RegExp(`${B}pplx-[A-Za-z0-9]{16,}`, "g"), "pplx-[redacted]"],
  [new RegExp(`${B}nvapi-[A-Za-z0-9_\\-]{16,}`, "g"), "nvapi-[redacted]"],
  [new RegExp(`${B}csk-[A-Za-z0-9]{16,}`, "g"), "csk-[redacted]"],
  [new RegExp(`${B}r8_[A-Za-z0-9]{16,}`, "g"), "r8_[redacted]"],
  // Slack tokens: xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxe-.
  [new RegExp(`${B}xox[abeprs]-[A-Za-z0-9\\-]{10,}`, "g"), "xox-[redacted]"],
  // AWS access key ids (long-term and temporary).
  [new RegExp(`${B}(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])`, "g"), "AKIA[redacted]"],
  // JWTs (Codex and other OAuth access tokens, id tokens): header.payload.signature, base64url.
  [new RegExp(`${B}eyJ[A-Za-z0-9_\\-]{4,}\\.[A-Za-z0-9_\\-]{4,}\\.[A-Za-z0-9_\\-]*`, "g"), "[redacted-jwt]"],
];

/**
 * Credentials in headers or messages: `Bearer X`, `Basic X`. The credential has a digit or a symbol of
 * base64 / base64url, so prose ("Basic authentication failed") keeps its words.
 */
const SCHEME_PATTERN = /\b(Bearer|Basic)\s+(?=[A-Za-z0-9._~+/=\-]*[0-9._~+/=\-])[A-Za-z0-9._~+/=\-]{8,}/gi;

/** Userinfo in a URL: `https://user:password@host` keeps the user, loses the password. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.\-]*:\/\/[^\s/:@"'<>]+):[^\s/@"'<>]+@/gi;

/** Query parameters that carry a credential: `?key=…`, `&api_key=…`, `access_token=…`, `sig=…`. */
const QUERY_SECRET = /([?&](?:key|api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|id[_-]?token|token|auth|sig|signature|password|secret|client[_-]?secret|code)=)[^&#\s"'<>]+/gi;

/**
 * Field names whose value is a secret, in JSON, headers, env lines and `key=value` pairs. Anchored to
 * the field-name start (a quote, a space, `{`, `,`, `-` or `_` may come before), any case and
 * separator: `api_key`, `apiKey`, `API-KEY`, `x-api-key`, `client_secret`, `aws_secret_access_key`,
 * auth.json's `access` / `refresh`.
 */
const SECRET_NAME =
  "(?:x-)?api[_-]?key|apikey|authorization|proxy-authorization|cookie|set-cookie|(?:access|refresh|id|session|auth|bearer)[_-]?token|" +
  "client[_-]?secret|(?:aws[_-]?)?secret[_-]?access[_-]?key|secret[_-]?key|private[_-]?key|secret|password|passwd|pwd|token|access|refresh|credentials?";

/** The whole name is a secret's name (for object keys). */
const SECRET_KEY = new RegExp(`^(?:${SECRET_NAME})$`, "i");

/**
 * `name: value`, `name=value`, `"name": "value"` and their escaped forms (`\"name\":\"value\"`). A
 * quoted value is taken to its closing quote (spaces included); a bare one to the next space, comma,
 * brace or quote.
 */
const FIELD_PATTERN = new RegExp(
  `((?:^|[^A-Za-z0-9])(?:${SECRET_NAME})(?:\\\\*["'])?\\s*[:=]\\s*)(?:(\\\\*["'])((?:(?!\\2).){1,4000}?)\\2|((?:(?:Bearer|Basic|Token|Digest)\\s+)?[^\\s"',;}&\\\\]{3,}))`,
  "gim",
);

/**
 * Removes API keys, tokens, passwords and other credentials from a text.
 *
 * @example
 * ```ts
 * redactSecrets("Incorrect API key provided: sk-proj-abcdef123456"); // "Incorrect API key provided: sk-[redacted]"
 * ```
 */
export function redactSecrets(text: string): string {
  if (typeof text !== "string" || text.length === 0) return typeof text === "string" ? text : "";
  let out = text;
  out = out.replace(FIELD_PATTERN, (_m, name: string, quote: string | undefined, quoted: string | undefined, bare: string | undefined) => {
    if (quote !== undefined && quoted !== undefined) return `${name}${quote}[redacted]${quote}`;
    return bare !== undefined ? `${name}[redacted]` : _m;
  });
  out = out.replace(URL_PASSWORD, "$1:[redacted]@");
  out = out.replace(QUERY_SECRET, "$1[redacted]");
  out = out.replace(SCHEME_PATTERN, "$1 [redacted]");
  for (const [pattern, replacement] of TOKEN_PATTERNS) out = out.replace(pattern, replacement);
  out = out.replace(AWS_SECRET, "[redacted-aws-secret]");
  return out;
}

/**
 * A bare AWS secret access key: 40 characters of base64 with at least one `/` or `+`, a digit, a lower
 * and an upper case letter (hex digests, ids and words do not have them all).
 */
const AWS_SECRET = /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=]))(?=[^\s]{0,39}[/+])(?=[^\s]{0,39}[0-9])(?=[^\s]{0,39}[a-z])(?=[^\s]{0,39}[A-Z])[A-Za-z0-9/+]{40}/g;

/** How deep {@link redactValue} walks; deeper values become a marker. */
const MAX_DEPTH = 8;

/**
 * A copy of `value` with every string redacted and the value of every secret-named field replaced by
 * `[redacted]`; for values about to be encoded (the debug log's records, a log line's extra). Cycles and
 * depth are bounded; it never throws.
 */
export function redactValue(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === "string") return redactSecrets(value);
  if (typeof value !== "object" || value === null) return value;
  if (depth >= MAX_DEPTH) return "[too deep]";
  if (seen.has(value)) return "[cycle]";
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, seen));
    if (value instanceof Set) return [...value].map((v) => redactValue(v, depth + 1, seen));
    if (value instanceof Error) return redactSecrets(`${value.name}: ${value.message}`);
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = SECRET_KEY.test(key) && v !== null && v !== undefined && v !== "" ? "[redacted]" : redactValue(v, depth + 1, seen);
    return out;
  } catch {
    return "[unreadable]";
  }
}

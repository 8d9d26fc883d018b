import { describe, expect, it } from "vitest";
import { extractErrorFields } from "../../src/classify/extract-error-fields";
import { parseReset, resetFromText } from "../../src/classify/parse-reset";
import { MAX_RESET_HORIZON_MS } from "../../src/classify/reset-times";
import type { ResetTimes } from "../../src/classify/reset-times";

const NOW = Date.UTC(2026, 4, 10, 12, 0, 0); // 2026-05-10T12:00:00Z
const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const D = 24 * H;

function withHeaders(headers: Record<string, string>, kind?: Parameters<typeof parseReset>[2]): ResetTimes {
  return parseReset(extractErrorFields({ name: "APIError", data: { message: "x", statusCode: 429, responseHeaders: headers } }), NOW, kind);
}

function withBody(body: unknown, kind?: Parameters<typeof parseReset>[2]): ResetTimes {
  return parseReset(
    extractErrorFields({ name: "APIError", data: { message: "x", statusCode: 429, responseBody: JSON.stringify(body) } }),
    NOW,
    kind,
  );
}

function rel(ms: number): ResetTimes {
  return { retryAfterMs: ms, resetAt: NOW + ms };
}

function abs(at: number): ResetTimes {
  return { retryAfterMs: at - NOW, resetAt: at };
}

describe("headers", () => {
  it("retry-after in seconds", () => {
    expect(withHeaders({ "Retry-After": "17" })).toEqual(rel(17 * S));
  });

  it("retry-after as an HTTP date", () => {
    expect(withHeaders({ "retry-after": "Sun, 10 May 2026 12:05:00 GMT" })).toEqual(abs(Date.UTC(2026, 4, 10, 12, 5, 0)));
  });

  it("retry-after-ms wins over retry-after", () => {
    expect(withHeaders({ "retry-after-ms": "1500", "retry-after": "2" })).toEqual(rel(1500));
  });

  it("x-ratelimit-reset as an ISO date, epoch seconds and epoch ms (OpenRouter)", () => {
    expect(withHeaders({ "x-ratelimit-reset": "2026-05-10T12:00:42Z" })).toEqual(abs(NOW + 42 * S));
    expect(withHeaders({ "x-ratelimit-reset": String(NOW / 1000 + 90) })).toEqual(abs(NOW + 90 * S));
    expect(withHeaders({ "X-RateLimit-Reset": String(NOW + 3 * H) })).toEqual(abs(NOW + 3 * H));
  });

  it("anthropic-ratelimit-unified-reset in epoch seconds", () => {
    expect(withHeaders({ "anthropic-ratelimit-unified-reset": String(NOW / 1000 + 3 * 3600) }, "quota")).toEqual(abs(NOW + 3 * H));
  });

  it("anthropic-ratelimit-*-reset (ISO): the spent window's reset", () => {
    const headers = {
      "anthropic-ratelimit-requests-remaining": "40",
      "anthropic-ratelimit-requests-reset": "2026-05-10T12:00:50Z",
      "anthropic-ratelimit-tokens-remaining": "0",
      "anthropic-ratelimit-tokens-reset": "2026-05-10T12:00:17Z",
    };
    expect(withHeaders(headers, "rate-limit")).toEqual(abs(NOW + 17 * S));
  });

  it("x-ratelimit-reset-tokens durations (OpenAI/Groq), latest window when none says it is spent", () => {
    expect(withHeaders({ "x-ratelimit-reset-requests": "2m59.56s", "x-ratelimit-reset-tokens": "7.66s" }, "rate-limit")).toEqual(
      rel(2 * MIN + 59_560),
    );
    expect(withHeaders({ "x-ratelimit-reset-tokens": "20ms" }, "rate-limit")).toEqual(rel(20));
  });

  it("ignores per-window headers for a quota (they describe per-minute windows)", () => {
    expect(withHeaders({ "x-ratelimit-reset-tokens": "7.66s" }, "quota")).toEqual({});
    expect(withHeaders({ "anthropic-ratelimit-tokens-reset": "2026-05-10T12:00:17Z" }, "auth-pool")).toEqual({});
  });
});

describe("body fields", () => {
  it("Codex resets_at (epoch seconds)", () => {
    expect(withBody({ error: { type: "usage_limit_reached", resets_at: NOW / 1000 + 13872 } })).toEqual(abs(NOW + 13_872 * S));
  });

  it("Codex resets_in_seconds", () => {
    expect(withBody({ error: { type: "usage_limit_reached", resets_in_seconds: 13872 } })).toEqual(rel(13_872 * S));
  });

  it("Gemini details[].retryDelay, whole and fractional seconds", () => {
    const google = (retryDelay: string) => ({
      error: { code: 429, status: "RESOURCE_EXHAUSTED", details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay }] },
    });
    expect(withBody(google("20s"))).toEqual(rel(20 * S));
    expect(withBody(google("20.04s"))).toEqual(rel(20_040));
  });
});

describe("texts", () => {
  it("'try again in 9m38.016s' (Groq)", () => {
    expect(resetFromText("Please try again in 9m38.016s. Need more tokens?", NOW)).toEqual(rel(9 * MIN + 38_016));
  });

  it("'Please try again in 9.816s' (OpenAI)", () => {
    expect(resetFromText("Limit 10000, Used 8554, Requested 3082. Please try again in 9.816s. Visit", NOW)).toEqual(rel(9816));
  });

  it("'Please retry in 20.04s' (Gemini)", () => {
    expect(resetFromText("Resource has been exhausted (e.g. check quota). Please retry in 20.04s.", NOW)).toEqual(rel(20_040));
  });

  it("'retry after 60 seconds' (Azure) and 'try again after 1 seconds' (Moonshot)", () => {
    expect(resetFromText("S0 pricing tier. Please retry after 60 seconds. Please go here", NOW)).toEqual(rel(60 * S));
    expect(resetFromText("request reached organization max RPM: 20, please try again after 1 seconds", NOW)).toEqual(rel(S));
  });

  it("'It will reset at 2026-05-11 01:20:12 +0800', with and without a trailing zone name", () => {
    const at = Date.UTC(2026, 4, 10, 17, 20, 12);
    expect(resetFromText("It will reset at 2026-05-11 01:20:12 +0800 CST. We recommend", NOW)).toEqual(abs(at));
    expect(resetFromText("It will reset at 2026-05-11 01:20:12 +0800.", NOW)).toEqual(abs(at));
    expect(resetFromText("It will reset at 2026-05-11 01:20:12 +08:00", NOW)).toEqual(abs(at));
  });

  it("a zoneless dated reset is read as Beijing time (Z.ai 1308)", () => {
    expect(resetFromText("Usage limit reached for 5 hour. Your limit will reset at 2026-05-11 01:20:12", NOW)).toEqual(
      abs(Date.UTC(2026, 4, 10, 17, 20, 12)),
    );
  });

  it("'Resets in 2h 13m' (OpenCode Go)", () => {
    expect(resetFromText("5-hour usage limit reached. Resets in 2h 13m", NOW)).toEqual(rel(2 * H + 13 * MIN));
  });

  it("'It will reset in 2 hours 13 minutes' (OpenCode retry status)", () => {
    expect(resetFromText("5 hour usage limit reached. It will reset in 2 hours 13 minutes. To continue", NOW)).toEqual(
      rel(2 * H + 13 * MIN),
    );
  });

  it("'(reset after 19h 24m 10s)'", () => {
    expect(resetFromText("daily limit reached (reset after 19h 24m 10s)", NOW)).toEqual(rel(19 * H + 24 * MIN + 10 * S));
  });

  it("'Quota will reset after 2h9m48s' (Antigravity)", () => {
    expect(resetFromText("You have exhausted your capacity on x. Quota will reset after 2h9m48s.", NOW)).toEqual(
      rel(2 * H + 9 * MIN + 48 * S),
    );
  });

  it("'try again in 5 days 22 hours 11 minutes' (Codex)", () => {
    expect(resetFromText("You've hit your usage limit. Upgrade to Pro or try again in 5 days 22 hours 11 minutes.", NOW)).toEqual(
      rel(5 * D + 22 * H + 11 * MIN),
    );
  });

  it("Claude Code 'usage limit reached|<epoch>'", () => {
    const epoch = NOW / 1000 + 7200;
    expect(resetFromText(`Claude AI usage limit reached|${epoch}`, NOW)).toEqual(abs(epoch * 1000));
  });

  it("'regain access on 2026-06-01 at 00:00 UTC' (Anthropic spend limit)", () => {
    expect(resetFromText("You have reached your specified API usage limits. You will regain access on 2026-06-01 at 00:00 UTC.", NOW)).toEqual(
      abs(Date.UTC(2026, 5, 1, 0, 0, 0)),
    );
  });

  it("Chinese dated resets: '将在 … 重置' and '您的限额将在 … 重置' (Beijing time)", () => {
    expect(resetFromText("您的额度将在 2026-05-11 01:20:12 重置", NOW)).toEqual(abs(Date.UTC(2026, 4, 10, 17, 20, 12)));
    expect(resetFromText("已达到 5 小时的使用上限。您的限额将在 2026-05-10 23:41:44 重置。", NOW)).toEqual(
      abs(Date.UTC(2026, 4, 10, 15, 41, 44)),
    );
  });

  it("Chinese '请于 X 后重试' with a duration or a date", () => {
    expect(resetFromText("请求过于频繁，请于 5 分钟后重试", NOW)).toEqual(rel(5 * MIN));
    expect(resetFromText("额度已用尽，请于2小时30分钟后重试", NOW)).toEqual(rel(2 * H + 30 * MIN));
    expect(resetFromText("请于 2026-05-11 01:20:12 后重试", NOW)).toEqual(abs(Date.UTC(2026, 4, 10, 17, 20, 12)));
  });

  it("reads texts from the message, the nested provider message and the body", () => {
    const fields = extractErrorFields({
      name: "APIError",
      data: {
        message: "Too Many Requests",
        statusCode: 429,
        responseBody: JSON.stringify({ error: { message: "Please retry in 3s." } }),
      },
    });
    expect(parseReset(fields, NOW)).toEqual(rel(3 * S));
    expect(parseReset(extractErrorFields({ type: "retry", attempt: 1, message: "Resets in 2h 13m", next: 0 }), NOW)).toEqual(
      rel(2 * H + 13 * MIN),
    );
  });
});

describe("priority and nonsense", () => {
  it("prefers headers over body fields over texts", () => {
    const fields = extractErrorFields({
      name: "APIError",
      data: {
        message: "Please try again in 9.816s.",
        statusCode: 429,
        responseHeaders: { "retry-after": "30" },
        responseBody: JSON.stringify({ error: { resets_in_seconds: 60 } }),
      },
    });
    expect(parseReset(fields, NOW)).toEqual(rel(30 * S));
    const noHeader = extractErrorFields({
      name: "APIError",
      data: { message: "Please try again in 9.816s.", statusCode: 429, responseBody: JSON.stringify({ error: { resets_in_seconds: 60 } }) },
    });
    expect(parseReset(noHeader, NOW)).toEqual(rel(60 * S));
  });

  it("rejects negative, NaN, past and beyond-30-days values, and falls through to the next source", () => {
    expect(withHeaders({ "retry-after": "-5" })).toEqual({});
    // Zero says nothing (issue 11): a later source decides, here none.
    expect(withHeaders({ "retry-after": "0" })).toEqual({});
    expect(withHeaders({ "retry-after-ms": "0", "retry-after": "2" })).toEqual(rel(2 * S));
    expect(withHeaders({ "retry-after": "soon" })).toEqual({});
    expect(withHeaders({ "retry-after": "Infinity" })).toEqual({});
    expect(withHeaders({ "retry-after": String(31 * 24 * 3600) })).toEqual({});
    expect(withHeaders({ "x-ratelimit-reset": String(NOW / 1000 - 10) })).toEqual({});
    expect(resetFromText("Please retry in 31 days.", NOW)).toEqual({});
    expect(resetFromText(`try again in ~${"9".repeat(400)} min.`, NOW)).toEqual({});
    expect(resetFromText("It will reset at 2026-05-09 01:20:12 +0800", NOW)).toEqual({});
    expect(resetFromText("It will reset at 2026-13-40 25:61:00 +0800", NOW)).toEqual({});
    expect(resetFromText("Claude AI usage limit reached|1000000000", NOW)).toEqual({});
    // A rejected header does not hide a sane text.
    const fields = extractErrorFields({
      name: "APIError",
      data: { message: "Please retry in 4s.", statusCode: 429, responseHeaders: { "retry-after": "-1" } },
    });
    expect(parseReset(fields, NOW)).toEqual(rel(4 * S));
  });

  it("accepts exactly 30 days and nothing past it", () => {
    expect(resetFromText("try again in 30 days", NOW)).toEqual(rel(MAX_RESET_HORIZON_MS));
    expect(resetFromText("try again in 30 days 1 s", NOW)).toEqual({});
  });

  it("says nothing when the text names no time", () => {
    expect(resetFromText("The usage limit has been reached", NOW)).toEqual({});
    expect(resetFromText("try again in a moment", NOW)).toEqual({});
    expect(resetFromText("request id req_4290b1c2a9e", NOW)).toEqual({});
  });
});

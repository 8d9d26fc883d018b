import { describe, expect, it } from "vitest";
import { fileDecisionLog, MAX_LINE_CHARS } from "../../src/support/debug-log";
import { redactSecrets, redactValue } from "../../src/support/redact";
import { settle } from "../helpers/fake-opencode";

describe("redactSecrets", () => {
  it.each([
    ["Incorrect API key provided: sk-proj-abcDEF1234567890", "sk-proj-abcDEF1234567890"],
    ["key sk-ant-api03-AAAAAAAAAAAAAAAAAAAA-BBBB", "sk-ant-api03-AAAAAAAAAAAAAAAAAAAA-BBBB"],
    ["Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGciOiJIUzI1NiJ9.payload.sig"],
    ['{"api_key":"abcd1234secret"}', "abcd1234secret"],
    ["x-api-key: 0123456789abcdef", "0123456789abcdef"],
    ["google AIzaSyA1234567890abcdefghijklmnop", "AIzaSyA1234567890abcdefghijklmnop"],
    ["gh token ghu_abcdefghijklmnop1234", "ghu_abcdefghijklmnop1234"],
  ])("removes the secret from %j", (text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toContain("[redacted]");
  });
  it.each([
    ["a JWT (Codex access token)", "token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMTIz", "eyJzdWIiOiIxMjM0In0"],
    ["auth.json access / refresh", '{"type":"oauth","access":"at-9f8e7d6c5b4a","refresh":"rt-1a2b3c4d5e6f"}', "at-9f8e7d6c5b4a"],
    ["auth.json refresh", '{"type":"oauth","access":"at-9f8e7d6c5b4a","refresh":"rt-1a2b3c4d5e6f"}', "rt-1a2b3c4d5e6f"],
    ["authorization: token", "authorization: token 5f3c9a1b7e2d", "5f3c9a1b7e2d"],
    ["?key= in a URL", "GET https://generativelanguage.googleapis.com/v1/models?key=ABCdef123456789&alt=sse", "ABCdef123456789"],
    ["a password in a URL", "proxy https://alice:s3cr3tPw@proxy.example.com:8080 refused", "s3cr3tPw"],
    ["gsk_", "gsk_abcdefghijklmnop1234", "abcdefghijklmnop1234"],
    ["hf_", "hf_abcdefghijklmnopqrstu", "abcdefghijklmnopqrstu"],
    ["xoxb-", "xoxb-1234567890-abcdefghij", "abcdefghij"],
    ["an AWS secret key by name", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"],
    ["a bare AWS secret key", "secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here", "wJalrXUtnFEMI"],
    ["a value with spaces", '"password": "correct horse battery staple"', "horse battery"],
    ["a key right after _", "MYKEY_sk-abcdef1234567890", "abcdef1234567890"],
    ["apiKey", "apiKey: abcd1234secret", "abcd1234secret"],
    ["api-key", "api-key=abcd1234secret", "abcd1234secret"],
    ["client_secret", "client_secret=GOCSPX-abcdefgh1234", "GOCSPX-abcdefgh1234"],
    ["an escaped field", '{\\"api_key\\":\\"abcd1234secret\\"}', "abcd1234secret"],
    ["a doubly escaped field", '{\\\\\\"api_key\\\\\\":\\\\\\"abcd1234secret\\\\\\"}', "abcd1234secret"],
  ])("removes %s (issue 12)", (_what, text, secret) => {
    expect(redactSecrets(text)).not.toContain(secret);
  });

  it.each([
    "Token refresh failed: 400",
    "max_tokens: 4096 is too large",
    "Basic authentication failed",
    "Access denied, please make sure your account is in good standing.",
    "see https://help.aliyun.com/zh/model-studio/error-code#token-limit",
    "commit 3f786850e387550fdab836ed7e6dc881de23001b",
    "input tokens: 5000, output tokens: 12",
    "https://proxy.example.com:8080/v1/chat/completions",
  ])("leaves %j alone", (text) => {
    expect(redactSecrets(text)).toBe(text);
  });

  it("redactValue: secret-named fields lose their value, every string is redacted, cycles are bounded", () => {
    const cyclic: Record<string, unknown> = { apiKey: "plain-value-1", nested: { client_secret: "plain-value-2", msg: 'x {"api_key":"plain-value-3"}' }, list: ["sk-abcdefghij12"] };
    cyclic.self = cyclic;
    const out = JSON.stringify(redactValue(cyclic));
    for (const v of ["plain-value-1", "plain-value-2", "plain-value-3", "abcdefghij12"]) expect(out).not.toContain(v);
    expect(out).toContain("[cycle]");
  });

  it("leaves ordinary error text alone", () => {
    const text = "You exceeded your current quota, please check your plan and billing details. (request id req_4290b1c2a9e)";
    expect(redactSecrets(text)).toBe(text);
  });
});

describe("fileDecisionLog", () => {
  it("writes one redacted JSON line per decision, in order", async () => {
    const writes: string[] = [];
    const log = fileDecisionLog("/logs/d.log", () => {}, { mkdir: async () => undefined, appendFile: async (_f, t) => void writes.push(t) }, () => 0);
    log.write({ outcome: "recovered", event: "retry", sessionID: "s", error: "Incorrect API key provided: sk-proj-abcdef123456" });
    log.write({ outcome: "left", event: "error", sessionID: "s" });
    await settle();
    expect(writes).toHaveLength(2);
    expect(JSON.parse(writes[0]!)).toMatchObject({ outcome: "recovered", sessionID: "s", time: "1970-01-01T00:00:00.000Z" });
    expect(writes[0]).not.toContain("sk-proj-abcdef123456");
    expect(JSON.parse(writes[1]!).outcome).toBe("left");
  });
  it("an unwritable path is reported once, then the log goes quiet", async () => {
    const reports: string[] = [];
    let attempts = 0;
    const log = fileDecisionLog("/ro/d.log", (m) => reports.push(m), {
      mkdir: async () => undefined,
      appendFile: async () => {
        attempts++;
        throw new Error("EACCES: permission denied");
      },
    });
    for (let i = 0; i < 5; i++) log.write({ outcome: "x", event: "e" });
    await settle();
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/\/ro\/d\.log cannot be written .*EACCES/);
    expect(attempts).toBe(1);
  });
  it("a quoted secret field inside an error text is redacted before the record is encoded (issue 12)", async () => {
    const writes: string[] = [];
    const log = fileDecisionLog("/l", () => {}, { mkdir: async () => undefined, appendFile: async (_f, t) => void writes.push(t) });
    log.write({ outcome: "x", event: "e", error: 'provider said {"api_key":"plainvalue123","client_secret":"othervalue456"}', apiKey: "fieldvalue789" });
    await settle();
    for (const v of ["plainvalue123", "othervalue456", "fieldvalue789"]) expect(writes[0]).not.toContain(v);
  });

  it("a secret straddling the 2000-character cut loses every character (redacted before it is cut)", async () => {
    const writes: string[] = [];
    const log = fileDecisionLog("/l", () => {}, { mkdir: async () => undefined, appendFile: async (_f, t) => void writes.push(t) });
    log.write({ outcome: "x", event: "e", body: `${"y".repeat(1994)} sk-proj-AbCdEf0123456789${"z".repeat(100)}` });
    await settle();
    expect(writes[0]).not.toContain("sk-pr");
    expect(writes[0]).not.toContain("AbCdEf");
  });

  it("a 10 MB field becomes a bounded line", async () => {
    const writes: string[] = [];
    const log = fileDecisionLog("/l", () => {}, { mkdir: async () => undefined, appendFile: async (_f, t) => void writes.push(t) });
    log.write({ outcome: "x", event: "e", body: "y".repeat(10_000_000) });
    await settle();
    expect(writes[0]!.length).toBeLessThan(MAX_LINE_CHARS + 200);
  });
});

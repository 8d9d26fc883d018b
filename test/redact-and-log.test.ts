import { describe, expect, it } from "vitest";
import { fileDecisionLog, MAX_LINE_CHARS } from "../src/debug-log";
import { redactSecrets } from "../src/redact";
import { settle } from "./support/fake-opencode";

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
  it("a 10 MB field becomes a bounded line", async () => {
    const writes: string[] = [];
    const log = fileDecisionLog("/l", () => {}, { mkdir: async () => undefined, appendFile: async (_f, t) => void writes.push(t) });
    log.write({ outcome: "x", event: "e", body: "y".repeat(10_000_000) });
    await settle();
    expect(writes[0]!.length).toBeLessThan(MAX_LINE_CHARS + 200);
  });
});

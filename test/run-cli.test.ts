import { describe, expect, it } from "vitest";
import { runCli } from "../src/run-cli";

function run(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env, cwd: "/p", now: 1_800_000_000_000 });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("opencode-session-fallback explain", () => {
  it("explains plain text: verdict and both decisions", () => {
    const r = run(["explain", "Your credit balance is too low to access the Anthropic API."]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/kind: +quota/);
    expect(r.out).toMatch(/rule: +anthropic-credit-balance/);
    expect(r.out).toMatch(/first retry: FALL BACK/);
  });

  it("explains a session.error JSON with a long retry-after, and prints the wait", () => {
    const r = run(["explain", JSON.stringify({ name: "APIError", data: { message: "Rate limit exceeded", statusCode: 429, responseHeaders: { "retry-after": "7200" } } })]);
    expect(r.out).toMatch(/kind: +rate-limit/);
    expect(r.out).toMatch(/wait: +2h 0m/);
    expect(r.out).toMatch(/first retry: FALL BACK \(rate-limit with an announced wait of 2h 0m/);
  });

  it("a short rate limit: left to OpenCode on a retry, falls back once OpenCode gives up", () => {
    const r = run(["explain", "--json", JSON.stringify({ type: "retry", attempt: 1, message: "Rate limit reached for gpt-4 on tokens per min (TPM). Please try again in 2s.", next: 0 })]);
    const parsed = JSON.parse(r.out);
    expect(parsed.verdict.kind).toBe("rate-limit");
    expect(parsed.decisions).toEqual([
      expect.objectContaining({ trigger: "retry", fallback: false }),
      expect.objectContaining({ trigger: "error", fallback: true }),
    ]);
  });

  it("honours the environment: OPENCODE_SESSION_FALLBACK_ON without quota leaves a quota error", () => {
    const r = run(["explain", "--json", "Insufficient Balance"], { OPENCODE_SESSION_FALLBACK_ON: "auth" });
    expect(JSON.parse(r.out).decisions.every((d: { fallback: boolean }) => !d.fallback)).toBe(true);
  });

  it("a user abort never falls back", () => {
    const r = run(["explain", JSON.stringify({ name: "MessageAbortedError", data: { message: "Aborted" } })]);
    expect(r.out).toMatch(/kind: +abort/);
    expect(r.out).not.toMatch(/FALL BACK/);
  });

  it.each([[[]], [["explain"]], [["frobnicate"]]])("usage errors exit 2 with the usage: %j", (argv) => {
    const r = run(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/usage: opencode-session-fallback explain/);
  });

  it("--help exits 0", () => {
    expect(run(["--help"]).code).toBe(0);
  });
});

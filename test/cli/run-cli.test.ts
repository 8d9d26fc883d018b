import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { serializeState } from "../../src/lanes/lane-store";
import { runCli } from "../../src/cli/run-cli";

const NOW = 1_800_000_000_000;

function run(argv: string[], env: Record<string, string> = {}, cwd = "/p") {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env, cwd, now: NOW });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** A temp project and home; `env` points HOME there so the real ~/.config and state file are never read. */
function tempWorld() {
  const root = mkdtempSync(path.join(tmpdir(), "osf-cli-"));
  const dir = path.join(root, "project");
  const home = path.join(root, "home");
  mkdirSync(dir, { recursive: true });
  mkdirSync(home, { recursive: true });
  const stateFile = path.join(root, "state", "lanes.json");
  const put = (file: string, text: string) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  };
  const agent = (name: string, text: string) => put(path.join(dir, ".opencode", "agent", `${name}.md`), text);
  put(path.join(dir, "opencode.json"), `${JSON.stringify({ plugin: ["file:///src/opencode-session-fallback"] })}\n`);
  const env = { HOME: home, OPENCODE_SESSION_FALLBACK_STATE_FILE: stateFile };
  return { root, dir, home, stateFile, put, agent, env, cleanup: () => rmSync(root, { recursive: true, force: true }) };
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

  // Issue 11: one input per group of the wider world's texts, with the verdict and the first-retry decision `explain` prints.
  it.each([
    ["Google per-minute quota text", "Quota exceeded for quota metric 'Generate Content API requests per minute' and limit 'GenerateContent request limit per minute for a region' of service 'generativelanguage.googleapis.com'", "rate-limit", "per-minute-window", "leave it"],
    ["Google per-day quota text", "Quota exceeded for quota metric 'Gemini 2.5 Pro Requests' and limit 'Gemini 2.5 Pro Requests per day per user per tier' of service 'cloudcode-pa.googleapis.com'", "quota", "generic-quota-exceeded", "FALL BACK"],
    ["DashScope's per-minute insufficient_quota", '{"error":{"code":"insufficient_quota","message":"You exceeded your current quota, please check your plan and billing details. For details, see: https://help.aliyun.com/zh/model-studio/error-code#token-limit","type":"insufficient_quota"}}', "rate-limit", "dashscope-rate-limit-trap", "leave it"],
    ["LiteLLM key budget", "Budget has been exceeded! Current cost: 10.607015384999993, Max budget: 10.0", "quota", "litellm-budget-exceeded", "FALL BACK"],
    ["LiteLLM model budget", '{"error":{"message":"LiteLLM User: engineer-1, exceeded budget for model=claude-opus-4-8","type":"budget_exceeded","param":null,"code":"429"}}', "quota", "litellm-model-budget-exceeded", "FALL BACK"],
    ["OpenAI billing hard limit", "BadRequestError: 400 Billing hard limit has been reached", "quota", "openai-billing-limit", "FALL BACK"],
    ["Zhipu 1310 relayed", "429 OpenAI completion error:\nError from provider (Z.ai): Weekly/Monthly Limit Exhausted.\nYour limit will reset at 2026-06-25 02:06:16", "quota", "zhipu-1308-usage-limit", "FALL BACK"],
    ["multi-account plugin", "Quota protection: All 3 account(s) are over 90% usage for claude. Quota resets in 11h 1m.", "auth-pool", "antigravity-accounts-exhausted", "FALL BACK"],
    ["OpenCode token refresh throttled", "Token refresh failed: 429", "rate-limit", "opencode-token-refresh-throttled", "leave it"],
    ["Chinese rate limit", "APIError: 访问过于频繁，请稍候再试", "rate-limit", "chinese-rate-limit-text", "leave it"],
    ["transient wording", "The service is currently unavailable.", "overload", "generic-overloaded-text", "leave it"],
    ["context wording", "400 Input tokens exceed the configured limit of 272000 tokens. Your messages resulted in 289650 tokens.", "context", "context-length-exceeded", "leave it"],
  ])("explain per group: %s", (_group, input, kind, rule, firstRetry) => {
    const r = run(["explain", input]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`kind: +${kind}\\b`));
    expect(r.out).toMatch(new RegExp(`rule: +${rule}\\b`));
    expect(r.out).toMatch(new RegExp(`first retry: ${firstRetry}`));
  });

  it("control characters from an error or a file are shown, not obeyed; secrets are redacted (issue 12)", () => {
    const r = run(["explain", JSON.stringify({ name: "APIError", data: { message: "x", statusCode: 429 } })]);
    expect(r.code).toBe(0);
    const w = tempWorld();
    try {
      w.agent("evil", "---\ndescription: \"\\u001b]0;pwned\\u0007\\u001b[2J\"\nmodel: \"a/\\u001b[31mred\\u202e sk-proj-AbCdEf0123456789\"\n---\nhi\n");
      for (const argv of [["doctor"], ["doctor", "--json"]]) {
        const d = run(argv, w.env, w.dir);
        const all = `${d.out}\n${d.err}`;
        expect(all).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
        expect(all).not.toContain("AbCdEf0123456789");
      }
      expect(run(["doctor"], w.env, w.dir).out).toContain("\\u001b[31mred");
    } finally {
      w.cleanup();
    }
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

  it.each([[[]], [["explain"]], [["frobnicate"]], [["status", "--verbose"]], [["doctor", "extra"]]])("usage errors exit 2 with the usage: %j", (argv) => {
    const r = run(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/usage: opencode-session-fallback explain/);
  });

  it("--help exits 0", () => {
    expect(run(["--help"]).code).toBe(0);
  });
});

describe("opencode-session-fallback status", () => {
  let w: ReturnType<typeof tempWorld> | undefined;
  afterEach(() => {
    w?.cleanup();
    w = undefined;
  });
  const lane = (name: string, until: number, rule = "openai-insufficient-quota") => ({ lane: name, until, since: NOW - 60_000, kind: "quota" as const, rule });

  it("prints the lane still cooling, with ISO and relative time, and not the expired one", () => {
    w = tempWorld();
    const until = NOW + (2 * 3600 + 13 * 60) * 1000;
    w.put(w.stateFile, serializeState({ lanes: [lane("openai/gpt-5", until), lane("anthropic/claude-x", NOW - 1000, "anthropic-credit-balance")], served: [] }, NOW));
    const r = run(["status"], w.env, w.dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^lane +kind +rule +until$/m);
    expect(r.out).toMatch(new RegExp(`^openai/gpt-5 +quota +openai-insufficient-quota +${new Date(until).toISOString().replace(/\./g, "\\.")} \\(in 2h 13m\\)$`, "m"));
    expect(r.out).not.toMatch(/anthropic/);
  });

  it("soonest back first", () => {
    w = tempWorld();
    w.put(w.stateFile, serializeState({ lanes: [lane("late/m", NOW + 7_200_000), lane("soon/m", NOW + 90_000), lane("mid/m", NOW + 600_000)], served: [] }, NOW));
    const lines = run(["status"], w.env, w.dir).out.split("\n").slice(1);
    expect(lines.map((l) => l.split(/ +/)[0])).toEqual(["soon/m", "mid/m", "late/m"]);
    expect(lines[0]).toMatch(/\(in 1m 30s\)$/);
  });

  it("--json prints the cooling lanes and the file", () => {
    w = tempWorld();
    w.put(w.stateFile, serializeState({ lanes: [lane("openai/gpt-5", NOW + 60_000), lane("gone/m", NOW - 1)], served: [] }, NOW));
    const r = run(["status", "--json"], w.env, w.dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ stateFile: w.stateFile, now: NOW, lanes: [lane("openai/gpt-5", NOW + 60_000)] });
  });

  it("only expired lanes, or no file at all: no lane is cooling, exit 0", () => {
    w = tempWorld();
    expect(run(["status"], w.env, w.dir)).toEqual({ code: 0, out: "no lane is cooling", err: "" });
    w.put(w.stateFile, serializeState({ lanes: [lane("gone/m", NOW)], served: [] }, NOW));
    expect(run(["status"], w.env, w.dir)).toEqual({ code: 0, out: "no lane is cooling", err: "" });
  });

  it("the default state file is under $HOME (XDG data folder)", () => {
    w = tempWorld();
    w.put(path.join(w.home, ".local", "share", "opencode", "opencode-session-fallback", "lanes.json"), serializeState({ lanes: [lane("home/m", NOW + 5000)], served: [] }, NOW));
    expect(run(["status"], { HOME: w.home }, w.dir).out).toMatch(/^home\/m /m);
  });

  it("a corrupt state file prints its message and exits 1", () => {
    w = tempWorld();
    w.put(w.stateFile, "{ not json");
    const r = run(["status"], w.env, w.dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`lane state ${w.stateFile} is not JSON`);
    expect(r.out).toBe("");
  });

  it("a foreign state file prints its message and exits 1, in --json too", () => {
    w = tempWorld();
    w.put(w.stateFile, JSON.stringify({ format: "someone-else", lanes: [] }));
    const r = run(["status"], w.env, w.dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is not a opencode-session-fallback\/lanes file/);
    const j = run(["status", "--json"], w.env, w.dir);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out)).toMatchObject({ ok: false, reason: "foreign" });
  });

  it("an unreadable state file (a folder in its place) exits 1", () => {
    w = tempWorld();
    mkdirSync(w.stateFile, { recursive: true });
    const r = run(["status"], w.env, w.dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot be read/);
  });
});

describe("opencode-session-fallback doctor", () => {
  let w: ReturnType<typeof tempWorld> | undefined;
  afterEach(() => {
    w?.cleanup();
    w = undefined;
  });

  it("a healthy chain: a table, the summary, exit 0", () => {
    w = tempWorld();
    w.agent("build", "---\nfallback_agent: metis\n---\nbuild\n");
    w.agent("metis", "---\nmodel: openrouter/anthropic/claude-sonnet-4.5\n---\nmetis\n");
    const r = run(["doctor"], w.env, w.dir);
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines[0]).toMatch(/^agent +model +fallback +chain +file$/);
    expect(lines[1]).toMatch(/^build +- +metis +build -> metis +\.opencode\/agent\/build\.md$/);
    expect(lines[2]).toMatch(/^metis +openrouter\/anthropic\/claude-sonnet-4\.5 +- +metis +\.opencode\/agent\/metis\.md$/);
    expect(lines.at(-1)).toBe("2 agents, 1 with a fallback, 0 errors, 0 warnings");
  });

  it("errors are listed and exit 1; a warning alone exits 0", () => {
    w = tempWorld();
    w.agent("a", "---\nmodel: p/m\nfallback_agent: ghost\n---\n");
    w.agent("b", "---\nmodel: [oops\n---\n");
    const r = run(["doctor"], { ...w.env, OPENCODE_SESSION_FALLBACK_DEBUG: "maybe" }, w.dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^error +agent "a" .*fallback_agent "ghost", but no agent of that name/m);
    expect(r.out).toMatch(/^error +agent "b" .*cannot be parsed/m);
    expect(r.out).toMatch(/^error +OPENCODE_SESSION_FALLBACK_DEBUG="maybe"/m);
    expect(r.out.split("\n").at(-1)).toBe("2 agents, 1 with a fallback, 3 errors, 0 warnings");

    w.agent("a", "---\nmodel: p/m\nfallback_agent: c\n---\n");
    w.agent("b", "---\nmodel: q/m\n---\n");
    w.agent("c", "---\nmodel: p/other\n---\n");
    const ok = run(["doctor"], w.env, w.dir);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^note +agent "a" \(p\/m\) falls back to "c" \(p\/other\) on the same provider ID: the plugin uses it as declared/m);
    expect(ok.out).toContain("How a lane is chosen when one fails:");
    expect(ok.out.split("\n").at(-1)).toBe("3 agents, 1 with a fallback, 0 errors, 0 warnings");
    const warned = run(["doctor"], { ...w.env, OPENCODE_SESSION_FALLBACK_POOLS: "team=p/m,q/m" }, w.dir);
    w.agent(".hidden", "---\nmodel: p/m\n---\n");
    const withWarning = run(["doctor"], w.env, w.dir);
    expect(warned.code).toBe(0);
    expect(withWarning.code).toBe(0);
    expect(withWarning.out).toMatch(/^warning +/m);
    expect(withWarning.out.split("\n").at(-1)).toBe("4 agents, 1 with a fallback, 0 errors, 1 warning");
  });

  it("errors are printed before warnings, warnings before notes", () => {
    w = tempWorld();
    w.agent("a", "---\nmodel: p/m\nfallback_agent: b\n---\n");
    w.agent("b", "---\nmodel: p/n\n---\n");
    w.agent(".hidden", "---\nmodel: p/m\n---\n");
    const lines = run(["doctor"], { ...w.env, OPENCODE_SESSION_FALLBACK_MAX_WAIT_MS: "-5" }, w.dir).out.split("\n");
    const levels = lines.filter((l) => /^(error|warning|note) /.test(l)).map((l) => l.split(" ")[0]);
    expect(levels).toEqual(["error", "warning", "note"]);
  });

  it("--json prints the raw report, with the same exit code", () => {
    w = tempWorld();
    w.agent("a", "---\nmodel: p/m\nfallback_agent: a\n---\n");
    const r = run(["doctor", "--json"], w.env, w.dir);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.agents).toEqual([{ name: "a", file: path.join(w.dir, ".opencode", "agent", "a.md"), model: "p/m", fallback: "a", chain: ["a", "a"] }]);
    expect(report.findings).toEqual([expect.objectContaining({ level: "error", message: expect.stringMatching(/^fallback chain loops: a -> a/) })]);
  });

  it("no agent file: says so, exit 0", () => {
    w = tempWorld();
    const r = run(["doctor"], w.env, w.dir);
    expect(r.code).toBe(0);
    expect(r.out).toBe("no agent file found\n\n0 agents, 0 with a fallback, 0 errors, 0 warnings");
  });

  it("a global agent's file is shown under ~", () => {
    w = tempWorld();
    w.put(path.join(w.home, ".config", "opencode", "agent", "g.md"), "---\nmodel: p/m\n---\n");
    expect(run(["doctor"], w.env, w.dir).out).toMatch(/^g +p\/m +- +g +~\/\.config\/opencode\/agent\/g\.md$/m);
  });
});

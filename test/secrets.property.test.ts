/**
 * Issue 12: no secret leaves, whatever its format and whichever path carries it. fast-check generates
 * secrets of every format the plugin can meet (provider keys, OAuth JWTs, auth.json's access/refresh,
 * AWS secrets, passwords in URLs, `?key=`, quoted fields with spaces, `authorization: token …`, a key
 * right after `_`), embeds them in what reaches the plugin, and drives every path that writes:
 * recovery (its error text, a failing continuation prompt), steering (a fallback agent whose model holds
 * the secret), the pace router (a usage source that fails with it) and the CLI (`explain`, `doctor`).
 * Every sink is then searched for any 8 characters of the secret's private part: the debug log (a real
 * fileDecisionLog), OpenCode's log, toasts, the CLI's stdout and stderr.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileDecisionLog } from "../src/support/debug-log";
import { serializeState } from "../src/lanes/lane-store";
import { runCli } from "../src/cli/run-cli";
import type { UsageSource } from "../src/pace/usage-types";
import { FakeOpencode, ev, tempProject } from "./helpers/fake-opencode";
import { closeAllHooks, memoryAppend, safeEnv, startHooks, type Project } from "./helpers/hooks-harness";

const alnum = (min: number, max: number) =>
  fc
    .array(fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), { minLength: min, maxLength: max })
    .map((cs) => `${cs.join("")}7Qz`);
const b64url = (n: number) => fc.array(fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"), { minLength: n, maxLength: n }).map((cs) => cs.join(""));

/** A secret: `core` is its private part (what must never be seen), `text` how it sits in an error. */
interface Secret {
  readonly format: string;
  readonly core: string;
  readonly text: string;
}
const secret = (format: string, make: (core: string) => string, core = alnum(16, 32)) => core.map((c): Secret => ({ format, core: c, text: make(c) }));

const SECRETS = fc.oneof(
  secret("openai", (c) => `Incorrect API key provided: sk-proj-${c}.`),
  secret("anthropic", (c) => `key sk-ant-api03-${c}`),
  secret("google", (c) => `https://generativelanguage.googleapis.com/v1beta/models?key=AIzaSy${c}&alt=sse`),
  secret("github", (c) => `token ghu_${c}`),
  secret("github-pat", (c) => `github_pat_${c}`),
  secret("groq", (c) => `gsk_${c}`),
  secret("huggingface", (c) => `hf_${c}`),
  secret("slack", (c) => `xoxb-1234-${c}`),
  secret("xai", (c) => `xai-${c}`),
  secret("after underscore", (c) => `MY_KEY_sk-${c}`),
  secret("jwt", (c) => `access token eyJhbGciOiJSUzI1NiJ9.eyJ${c}.${c.split("").reverse().join("")}`),
  secret("bearer", (c) => `Authorization: Bearer ${c}`),
  secret("authorization token", (c) => `authorization: token ${c}`),
  secret("auth.json", (c) => `{"type":"oauth","access":"${c}","refresh":"r${c}","expires":1}`),
  secret("escaped field", (c) => `{\\"api_key\\":\\"${c}\\"}`),
  secret("apiKey", (c) => `apiKey: ${c}`),
  secret("api-key", (c) => `api-key=${c}`),
  secret("client_secret", (c) => `client_secret=${c}`),
  secret("password field with spaces", (c) => `"password": "correct horse ${c} staple"`),
  secret("password in URL", (c) => `proxy https://me:${c}@proxy.example.com:8080/v1 refused`),
  secret("aws access key", (c) => `AKIA${c.toUpperCase().replace(/[^A-Z0-9]/g, "X").slice(0, 16).padEnd(16, "Q")}`, alnum(16, 16)),
  secret("aws secret", (c) => `aws_secret_access_key=${c}`),
  secret("aws secret bare", (c) => `secret ${c} here`, b64url(34).map((s) => `${s.replace(/[-_]/g, "a")}/Ab9+x`)),
);

const NOW = Date.now();
let project: Project;

beforeAll(() => {
  project = tempProject({});
});
afterAll(async () => {
  await closeAllHooks();
  project.cleanup();
});

/** The part of the secret that must never be seen: any 8 characters of it, at the start of its core. */
function leakedIn(text: string, s: Secret): boolean {
  const core = s.format === "aws access key" ? s.text.slice(4) : s.core;
  return text.includes(core.slice(0, 8));
}

let run = 0;

/** Drives recovery, steering and the pace router with `s` inside; returns every text they wrote. */
async function plugin(s: Secret): Promise<{ sinks: Array<readonly [string, string]>; outcomes: string[] }> {
  run += 1;
  const dir = path.join(project.dir, ".opencode", "agent");
  mkdirSync(dir, { recursive: true });
  // The source agent's fallback declares the secret as its model (a key pasted where the model goes).
  writeFileSync(path.join(dir, `src${run}.md`), `---\ndescription: source\nfallback_agent: bad${run}\n---\nYou are the source.\n`);
  writeFileSync(path.join(dir, `bad${run}.md`), `---\nmodel: ${JSON.stringify(s.text)}\n---\nbad\n`);
  writeFileSync(path.join(dir, `ok${run}.md`), `---\ndescription: source with a working fallback\nfallback_agent: good${run}\n---\nok\n`);
  writeFileSync(path.join(dir, `good${run}.md`), `---\nmodel: backup/model-b\n---\ngood\n`);
  const stateFile = path.join(project.home, `lanes-${run}.json`);
  // The primary lane is known to be cooling: steering meets the broken fallback on a new turn.
  writeFileSync(stateFile, serializeState({ lanes: [{ lane: "cool/model-c", until: NOW + 3_600_000, since: NOW - 1000, kind: "quota", rule: "openai-insufficient-quota" }], served: [] }, NOW));

  const fake = new FakeOpencode();
  const append = memoryAppend();
  const warnings: string[] = [];
  const decisions = fileDecisionLog(path.join(project.home, "debug.log"), (m) => warnings.push(m), append);
  const failing: UsageSource = {
    id: "leaky-source",
    covers: (p) => p === "backup" || p === "primary",
    read: async (p) => (p === "backup" ? Promise.reject(new Error(`usage endpoint said: ${s.text}`)) : { ok: false, reason: `refused: ${s.text}` }),
  };
  const h = startHooks({
    project,
    port: fake,
    env: { OPENCODE_SESSION_FALLBACK_STATE_FILE: stateFile, OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT: "3" },
    environment: { decisions, usageSources: [failing] },
  });
  const error = {
    name: "APIError",
    data: {
      message: `You exceeded your current quota, please check your plan and billing details. ${s.text}`,
      statusCode: 429,
      isRetryable: true,
      responseHeaders: { authorization: `Bearer ${s.core}`, "x-api-key": s.core },
      responseBody: JSON.stringify({ error: { message: `quota exceeded: ${s.text}`, type: "insufficient_quota", code: "insufficient_quota" } }),
    },
  };
  // 1. Recovery onto the broken fallback: the resolution's message names the model (the secret).
  fake.failedTurn(`ses_a${run}`, `src${run}`, "primary/model-a", error);
  h.send(ev.retry(`ses_a${run}`, { type: "retry", attempt: 1, message: `Too Many Requests: ${s.text}`, next: 0 }));
  h.send(ev.error(`ses_a${run}`, error));
  h.send(ev.idle(`ses_a${run}`));
  await h.settle();
  // 2. Recovery onto a working fallback whose continuation prompt fails with the secret in its error.
  fake.failures.promptAsync = () => Promise.reject(new Error(`prompting failed (HTTP 401): {"error":{"message":"${s.text}"}}`));
  fake.failedTurn(`ses_b${run}`, `ok${run}`, "primary/model-a", error);
  h.send(ev.error(`ses_b${run}`, error));
  await h.settle();
  fake.failures = {};
  // 3. Steering: a new turn on the cooling lane, whose fallback is the broken one.
  await h.hooks["chat.message"]!(
    { sessionID: `ses_c${run}`, agent: `src${run}`, model: { providerID: "cool", modelID: "model-c" } } as never,
    { message: { agent: `src${run}`, model: { providerID: "cool", modelID: "model-c" } }, parts: [{ type: "text", text: "hello" }] } as never,
  );
  // 4. The pace router after an answered turn: its usage sources fail with the secret.
  fake.failedTurn(`ses_d${run}`, `ok${run}`, "backup/model-b");
  fake.sessions.get(`ses_d${run}`)!.pop();
  fake.answer(`ses_d${run}`, "backup/model-b");
  h.send(ev.idle(`ses_d${run}`));
  await h.settle();
  fake.failedTurn(`ses_e${run}`, `ok${run}`, "primary/model-a");
  fake.sessions.get(`ses_e${run}`)!.pop();
  fake.answer(`ses_e${run}`, "primary/model-a");
  h.send(ev.idle(`ses_e${run}`));
  await h.settle();
  await new Promise((resolve) => setTimeout(resolve, 5));

  const sinks: Array<readonly [string, string]> = [
    ...append.lines.map((l) => ["debug log", l] as const),
    ...warnings.map((w) => ["debug log warning", w] as const),
    ...fake.calls.flatMap((c): Array<readonly [string, string]> => (c.call === "log" ? [["OpenCode log", c.message]] : c.call === "toast" ? [["toast", `${c.toast.title} ${c.toast.message}`]] : [])),
  ];
  const outcomes = append.lines.map((l) => String((JSON.parse(l) as { outcome?: unknown }).outcome));
  return { sinks, outcomes };
}

/** `explain` of a text with the secret, and `doctor` of a project whose agent file holds it. */
function cli(s: Secret): Array<readonly [string, string]> {
  const lines: Array<readonly [string, string]> = [];
  const io = { out: (l: string) => void lines.push(["CLI stdout", l]), err: (l: string) => void lines.push(["CLI stderr", l]), env: { HOME: project.home }, cwd: project.dir, now: NOW };
  runCli(["explain", s.text], io);
  runCli(["explain", "--json", JSON.stringify({ name: "APIError", data: { message: s.text, statusCode: 401 } })], io);
  runCli(["doctor"], io);
  runCli(["doctor", "--json"], io);
  return lines;
}

describe("no secret reaches any output", () => {
  it("whatever its format, through recovery, steering, the pace router and the CLI", async () => {
    const seenOutcomes = new Set<string>();
    let redactions = 0;
    await fc.assert(
      fc.asyncProperty(SECRETS, async (s) => {
        const { sinks, outcomes } = await plugin(s);
        const all = [...sinks, ...cli(s)];
        for (const o of outcomes) seenOutcomes.add(o);
        redactions += all.filter(([, text]) => text.includes("[redacted")).length;
        for (const [sink, text] of all) expect(leakedIn(text, s), `${s.format}: the ${sink} holds the secret: ${text.slice(0, 400)}`).toBe(false);
      }),
      { numRuns: 40 },
    );
    // The property is not vacuous: every path wrote, and redaction happened.
    expect(redactions).toBeGreaterThan(40);
    for (const outcome of ["unresolved", "prompt-failed", "no-way-around"]) expect([...seenOutcomes], outcome).toContain(outcome);
    expect([...seenOutcomes].some((o) => o === "usage-source-skipped" || o === "pace-failed")).toBe(true);
  }, 120_000);
});

/**
 * Issue 12: the invariants that matter, under random interleavings of real recoveries. fast-check writes
 * scripts over three sessions: new failed turns (each its own message ids, as OpenCode stores them; quota,
 * auth pool, a short rate limit, context overflow), their announcements in any order and number (retry
 * statuses, session.error, idle pairs), the user's abort (ESC) of a failed turn, the fallback's answers,
 * and pauses. The REAL hooks object runs them against FakeOpencode. After each script:
 *
 * 1. at most one continuation per failed message;
 * 2. none for a message after the user aborted it;
 * 3. the budget honoured: at most OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT continuations per session;
 * 4. every continuation preceded by the plugin's abort of that session;
 *
 * and, so the property is not vacuous, over all scripts: many continuations, many aborted messages
 * announced again afterwards, the budget reached.
 *
 * Reproduce a run with `FUZZ_SEED=<seed> npx vitest run --project unit test/fuzz-recoveries.test.ts`.
 */
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ABORTED, AUTH_POOL_ERROR, FakeOpencode, QUOTA_ERROR, QUOTA_RETRY, ev, tempProject } from "./helpers/fake-opencode";
import { SOURCE, TARGET, closeAllHooks, startHooks, type Project } from "./helpers/hooks-harness";

const LIMIT = 2;
const SESSIONS = ["s1", "s2", "s3"] as const;
const RATE_LIMIT = { name: "APIError", data: { message: "Rate limit reached for gpt-4 in organization org-abc on tokens per min (TPM). Please try again in 1s.", statusCode: 429, isRetryable: true } };
const CONTEXT = { name: "ContextOverflowError", data: { message: "prompt is too long: 215000 tokens > 200000 maximum" } };
const KINDS = {
  quota: { error: QUOTA_ERROR, retry: QUOTA_RETRY },
  "auth-pool": { error: AUTH_POOL_ERROR, retry: { type: "retry", attempt: 1, message: "auth_unavailable: no auth available", next: 0 } },
  "rate-limit": { error: RATE_LIMIT, retry: { type: "retry", attempt: 1, message: "Too Many Requests", next: 0 } },
  context: { error: CONTEXT, retry: undefined },
} as const;
type Kind = keyof typeof KINDS;

type Op =
  | { readonly op: "fail"; readonly s: number; readonly kind: Kind; readonly onFallback: boolean }
  | { readonly op: "announce"; readonly s: number; readonly what: "retry" | "error" | "idle" | "status-idle" }
  | { readonly op: "user-abort"; readonly s: number }
  | { readonly op: "answer"; readonly s: number }
  | { readonly op: "settle" };

const session = fc.nat(SESSIONS.length - 1);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("fail" as const), s: session, kind: fc.constantFrom<Kind>("quota", "quota", "auth-pool", "rate-limit", "context"), onFallback: fc.constantFrom(false, false, false, true) }) },
  { weight: 8, arbitrary: fc.record({ op: fc.constant("announce" as const), s: session, what: fc.constantFrom("retry" as const, "error" as const, "idle" as const, "status-idle" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("user-abort" as const), s: session }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("answer" as const), s: session }) },
  { weight: 4, arbitrary: fc.constant({ op: "settle" as const }) },
);

interface Totals {
  prompts: number;
  abortedThenAnnounced: number;
  budgetSpent: number;
  scripts: number;
}

let project: Project;
beforeAll(() => {
  project = tempProject({ build: SOURCE, metis: TARGET });
});
afterAll(async () => {
  await closeAllHooks();
  project.cleanup();
});

let run = 0;

/** Runs one script; returns the violations found (empty when every invariant holds). */
async function runScript(ops: readonly Op[], totals: Totals): Promise<string[]> {
  run += 1;
  const fake = new FakeOpencode();
  const h = startHooks({
    project,
    port: fake,
    // A short cooldown: a lane found out is soon tried again, so scripts keep recovering until the budget ends them.
    env: { OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT: String(LIMIT), OPENCODE_SESSION_FALLBACK_COOLDOWN_MS: "1000", OPENCODE_SESSION_FALLBACK_STATE_FILE: path.join(project.home, `fuzz-lanes-${run}.json`) },
  });
  const ids = SESSIONS.map((s) => `ses_${s}_${run}`);
  /** The kind of the session's latest failed turn (its announcements speak of it). */
  const latest = new Map<string, { id: string; kind: Kind }>();
  const aborted = new Set<string>();
  const violations: string[] = [];
  const promptsPerMessage = new Map<string, number>();
  const promptsPerSession = new Map<string, number>();
  const abortedAnnounced = new Set<string>();

  // Each continuation is attributed to the failed message it continues: the session's latest assistant message.
  const promptAsync = fake.promptAsync.bind(fake);
  fake.promptAsync = async (sessionID, body) => {
    const messages = fake.sessions.get(sessionID) ?? [];
    const continued = [...messages].reverse().find((m) => m.role === "assistant")?.id ?? "(none)";
    promptsPerMessage.set(continued, (promptsPerMessage.get(continued) ?? 0) + 1);
    promptsPerSession.set(sessionID, (promptsPerSession.get(sessionID) ?? 0) + 1);
    if (aborted.has(continued)) violations.push(`a continuation of ${continued} in ${sessionID} after the user aborted it`);
    const aborts = fake.calls.filter((c) => c.call === "abort" && c.sessionID === sessionID).length;
    if (aborts < (promptsPerSession.get(sessionID) ?? 0)) violations.push(`a continuation in ${sessionID} without the plugin's abort before it`);
    return promptAsync(sessionID, body);
  };

  for (const o of ops) {
    if (o.op === "settle") {
      await h.settle();
      continue;
    }
    const id = ids[o.s]!;
    if (o.op === "fail") {
      const messageID = fake.appendFailedTurn(id, "build", o.onFallback ? "backup/model-b" : "primary/model-a", KINDS[o.kind].error);
      latest.set(id, { id: messageID, kind: o.kind });
    } else if (o.op === "answer") {
      fake.answer(id, "backup/model-b");
    } else if (o.op === "user-abort") {
      const messages = fake.sessions.get(id);
      const last = messages?.[messages.length - 1];
      if (!messages || last?.role !== "assistant" || last.error === undefined) continue;
      // ESC: OpenCode stores the turn as aborted and announces it.
      messages[messages.length - 1] = { ...last, error: ABORTED };
      aborted.add(last.id);
      h.send(ev.error(id, ABORTED));
      h.send(ev.idle(id));
    } else {
      const failure = latest.get(id);
      if (!failure) continue;
      if (aborted.has(failure.id)) abortedAnnounced.add(failure.id);
      const kind = KINDS[failure.kind];
      if (o.what === "retry" && kind.retry) h.send(ev.retry(id, kind.retry));
      else if (o.what === "error") h.send(ev.error(id, kind.error));
      else if (o.what === "idle") h.send(ev.idle(id));
      else h.send(ev.statusIdle(id));
    }
  }
  await h.settle();
  await (h.hooks as { dispose?: () => Promise<void> }).dispose?.();

  for (const [message, n] of promptsPerMessage) if (n > 1) violations.push(`${n} continuations of ${message}`);
  for (const [sessionID, n] of promptsPerSession) if (n > LIMIT) violations.push(`${n} continuations in ${sessionID}, over the budget of ${LIMIT}`);
  totals.prompts += [...promptsPerSession.values()].reduce((a, b) => a + b, 0);
  totals.abortedThenAnnounced += abortedAnnounced.size;
  totals.budgetSpent += h.decisions.filter((d) => d.outcome === "budget-spent").length;
  totals.scripts += 1;
  return violations;
}

describe("random interleavings of real recoveries", () => {
  it("one continuation per failed message, none after a user abort, the budget honoured", async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const totals: Totals = { prompts: 0, abortedThenAnnounced: 0, budgetSpent: 0, scripts: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 40, maxLength: 120 }), async (ops) => {
        const violations = await runScript(ops, totals);
        expect(violations, `FUZZ_SEED=${seed}`).toEqual([]);
      }),
      { numRuns: 300, seed, endOnFailure: true },
    );
    console.info(`[fuzz-recoveries] seed ${seed}: ${totals.scripts} scripts, ${totals.prompts} continuations, ${totals.abortedThenAnnounced} aborted messages announced again, ${totals.budgetSpent} budget-spent decisions`);
    // Not vacuous: the scripts made real recoveries, re-announced aborted turns, and reached the budget.
    expect(totals.prompts).toBeGreaterThan(100);
    expect(totals.abortedThenAnnounced).toBeGreaterThan(10);
    expect(totals.budgetSpent).toBeGreaterThan(10);
  }, 120_000);
});

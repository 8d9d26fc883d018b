/**
 * Many sessions failing at once on the real `opencode serve`: every one is recovered exactly once, none
 * doubled, none lost. Each session runs on its own primary lane, so that one session finding its lane
 * out does not steer the others around it (that is tested in lanes.test.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { CONTINUE_TEXT } from "../../src/sessions/own-prompt";
import { BUILT_PLUGIN_URL, OPENAI_INSUFFICIENT_QUOTA, startMockProvider, startOpencode, textOf, type MockProvider, type OpencodeHarness } from "./harness/index.js";

const SESSIONS = 20;
const PRIMARIES = Array.from({ length: SESSIONS }, (_, i) => `primary-${i}`);
const AGENTS = {
  worker: "---\ndescription: the user's agent\nmode: primary\nmodel: mock/primary-0\nfallback_agent: rescuer\n---\nYou are the worker.\n",
  rescuer: "---\ndescription: the fallback lane\nmode: primary\nmodel: backup/fallback\n---\nRESCUER\n",
};

let mock: MockProvider;
let oc: OpencodeHarness;

beforeAll(async () => {
  mock = await startMockProvider();
  oc = await startOpencode({ mock, models: PRIMARIES, extraProviders: { backup: ["fallback"] }, plugins: [BUILT_PLUGIN_URL], agents: AGENTS, env: { OPENCODE_SESSION_FALLBACK_DEBUG: "1" } });
});
afterAll(async () => {
  await oc?.stop();
  await mock?.close();
});

test(`${SESSIONS} sessions failing at once: exactly ${SESSIONS} recoveries, one per session, every session answered`, async () => {
  for (const model of PRIMARIES) mock.script(model, [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
  mock.script("fallback", [{ kind: "text", text: "RECOVERED" }]);
  const ids = await Promise.all(PRIMARIES.map((_, i) => oc.createSession(`concurrent ${i}`)));
  await Promise.all(ids.map((id, i) => oc.promptAsync(id, { text: `QUESTION ${i}`, agent: "worker", model: `mock/${PRIMARIES[i]}` })));
  await Promise.all(ids.map((id) => mock.waitForRequest((r) => r.model === "fallback" && r.sessionID === id, 60_000)));
  await Promise.all(ids.map((id) => oc.waitForIdle(id, 60_000, 800)));

  for (const [i, id] of ids.entries()) {
    expect(mock.requests.filter((r) => r.sessionID === id && r.model === "fallback"), `session ${i}`).toHaveLength(1);
    const messages = await oc.messages(id);
    const users = messages.filter((m) => m.info.role === "user").map((m) => textOf(m));
    expect(users, `session ${i}`).toEqual([`QUESTION ${i}`, CONTINUE_TEXT]);
    const last = messages.filter((m) => m.info.role === "assistant").at(-1)!;
    expect(last.info.modelID, `session ${i}`).toBe("fallback");
    expect(textOf(last), `session ${i}`).toContain("RECOVERED");
  }
  const decisions = readFileSync(join(oc.dir, "log", "opencode-session-fallback.debug.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const recovered = decisions.filter((d) => d.outcome === "recovered");
  expect(recovered).toHaveLength(SESSIONS);
  expect(new Set(recovered.map((d) => d.sessionID)).size).toBe(SESSIONS);
  const totals = recovered.map((d) => d.timings.totalMs as number).sort((a, b) => a - b);
  console.log(`${SESSIONS} concurrent recoveries: event -> prompt accepted p50 ${totals[Math.floor(SESSIONS / 2)]} ms, max ${totals.at(-1)} ms`);
});

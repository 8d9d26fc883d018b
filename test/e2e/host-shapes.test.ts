/**
 * The shapes of the real host the plugin and its fakes rely on, pinned against the real `opencode serve`
 * (no plugin loaded): if OpenCode changes one, this file says which, before the plugin misreads it.
 *
 * - A turn aborted during OpenCode's retry wait is stored as completed with NO error, no finish, zero
 *   output tokens and no text or tool part (test/helpers/fake-opencode.ts `abortedShape` copies it), and
 *   the abort publishes no session.error. The plugin's rule {@link modelAnswered} reads it as no answer.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { opencodePort } from "../../src/host/opencode-port";
import { modelAnswered } from "../../src/host/session-messages";
import { OPENAI_INSUFFICIENT_QUOTA, startMockProvider, startOpencode, type MockProvider, type OpencodeHarness } from "./harness/index.js";

let mock: MockProvider;
let oc: OpencodeHarness;

beforeAll(async () => {
  mock = await startMockProvider();
  oc = await startOpencode({ mock, models: ["exhausted", "healthy"], plugins: [] });
});
afterAll(async () => {
  await oc?.stop();
  await mock?.close();
});

describe("OpenCode 1.18.33's stored shapes", () => {
  test("a turn aborted during the retry wait: completed, no error, no finish, zero output tokens, no text or tool part; no session.error", async () => {
    mock.script("exhausted", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    const id = await oc.createSession("aborted shape");
    const since = Date.now();
    await oc.promptAsync(id, { text: "hello", model: "exhausted" });
    await oc.events.waitFor((e) => e.at >= since && e.type === "session.status" && e.properties?.sessionID === id && e.properties?.status?.type === "retry", 20_000);
    expect(await oc.abort(id)).toBe(true);
    await oc.waitForIdle(id, 20_000, 500);

    const last = (await oc.messages(id)).filter((m) => m.info.role === "assistant").at(-1)!;
    expect(last.info.time.completed).toEqual(expect.any(Number));
    expect(last.info.error).toBeUndefined();
    expect(last.info.finish).toBeUndefined();
    expect(last.info.tokens?.output ?? 0).toBe(0);
    expect(last.parts.filter((p) => p.type === "text" || p.type === "tool")).toEqual([]);
    expect(oc.events.ofSession(id).filter((e) => e.at >= since && e.type === "session.error")).toEqual([]);

    // What the plugin's port makes of it: not an answer.
    const read = await opencodePort(oc.client as never, 10_000).messages(id);
    expect(modelAnswered(read.filter((m) => m.role === "assistant").at(-1))).toBe(false);
  });

  test("a turn the model answered: a finish reason, output tokens and a text part (the evidence the plugin counts)", async () => {
    mock.script("healthy", [{ kind: "text", text: "HEALTHY ANSWER" }]);
    const id = await oc.createSession("answered shape");
    await oc.promptAsync(id, { text: "hello", model: "healthy" });
    await oc.waitForIdle(id, 20_000, 500);
    const last = (await oc.messages(id)).filter((m) => m.info.role === "assistant").at(-1)!;
    expect(last.info.finish).toBe("stop");
    expect(last.info.tokens.output).toBeGreaterThan(0);
    const read = await opencodePort(oc.client as never, 10_000).messages(id);
    expect(modelAnswered(read.filter((m) => m.role === "assistant").at(-1))).toBe(true);
  });
});

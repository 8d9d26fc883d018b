/**
 * Proves the harness against a real `opencode serve`, WITHOUT the plugin under test: the mock
 * provider is reached with the right model and text, errors surface as OpenCode documents them,
 * and a plugin file named in `opencode.json` by `file://` URL is loaded and sees session events.
 *
 * The 429 test takes ~70 s: OpenCode retries a retryable error 5 times (2/4/8/16/32 s) before
 * `session.error`. Its console output is the record of what OpenCode does.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  OPENAI_INSUFFICIENT_QUOTA,
  sessionIdOf,
  startMockProvider,
  startOpencode,
  textOf,
  type MockProvider,
  type OpencodeHarness,
  type RecordedEvent,
} from "./harness/index.js";

/**
 * A throwaway plugin module (the `{ id, server }` shape OpenCode requires of file plugins) that
 * appends one JSON line per event it sees to `probe-events.log` next to itself.
 */
const PROBE_PLUGIN = `import { appendFileSync } from "node:fs";
const out = new URL("./probe-events.log", import.meta.url);
export default {
  id: "probe",
  server: async (input, options) => {
    appendFileSync(out, JSON.stringify({ init: true, options, directory: input.directory }) + "\\n");
    return {
      event: async ({ event }) => {
        const p = event.properties ?? {};
        const sessionID = p.sessionID ?? p.info?.sessionID ?? p.part?.sessionID;
        appendFileSync(out, JSON.stringify({ type: event.type, sessionID }) + "\\n");
      },
    };
  },
};
`;

const OPENAI_INVALID_KEY = {
  error: { message: "Incorrect API key provided: mock-***.", type: "invalid_request_error", param: null, code: "invalid_api_key" },
};

let mock: MockProvider;
let oc: OpencodeHarness;

beforeAll(async () => {
  mock = await startMockProvider();
  oc = await startOpencode({
    mock,
    models: ["smoke-text", "smoke-quota", "smoke-401", "smoke-stream-quota", "smoke-hang"],
    files: { "probe-plugin.js": PROBE_PLUGIN },
    plugins: (dir) => [[pathToFileURL(join(dir, "probe-plugin.js")).href, { marker: "probe-options" }]],
  });
  console.log(`opencode serve: listening after ${oc.startup.listeningMs} ms, event stream ready after ${oc.startup.readyMs} ms`);
});

afterAll(async () => {
  await oc?.stop();
  await mock?.close();
});

/** One line per event: `+ms type detail`, relative to `t0`. */
function timeline(events: RecordedEvent[], t0: number): string {
  return events
    .filter((e) => e.type !== "message.part.delta" && e.type !== "session.diff")
    .map((e) => {
      let detail = "";
      if (e.type === "session.status") detail = JSON.stringify(e.properties.status);
      else if (e.type === "session.error") detail = JSON.stringify(e.properties.error);
      else if (e.type === "message.updated") {
        const info = e.properties.info;
        detail = `${info.role} ${info.id}${info.time?.completed ? " completed" : ""}${info.error ? ` error=${info.error.name}` : ""}`;
      } else if (e.type === "message.part.updated") detail = e.properties.part?.type;
      return `+${e.at - t0}ms ${e.type} ${detail}`;
    })
    .join("\n");
}

describe("harness smoke (no plugin under test)", () => {
  test("a prompt reaches the mock with its model and text, and the answer completes the session", async () => {
    const reply = "Hello from the mock provider.";
    mock.script("smoke-text", [{ kind: "text", text: reply }]);
    const sessionID = await oc.createSession("smoke: text reply");
    const prompt = "Say hello to the smoke test.";

    await oc.promptAsync(sessionID, { text: prompt });
    const request = await mock.waitForRequest((r) => r.model === "smoke-text", 30_000);
    await oc.waitForIdle(sessionID, 30_000);

    expect(request.path).toBe("/v1/chat/completions");
    expect(request.body.stream).toBe(true);
    expect(mock.lastUserTextOf(request)).toBe(prompt);
    expect(mock.systemTextOf(request)).toContain("opencode");
    // @ai-sdk/openai-compatible sends OpenCode's session ID along: requests can be tied to sessions.
    expect(request.sessionID).toBe(sessionID);
    // Only the turn's model was called: a titled session asks small_model for nothing.
    expect(mock.requests.filter((r) => r.path.endsWith("/chat/completions")).map((r) => r.model)).toEqual(["smoke-text"]);

    const messages = await oc.messages(sessionID);
    const user = messages.find((m) => m.info.role === "user")!;
    const assistant = messages[messages.length - 1]!;
    console.log("user message info:", JSON.stringify(user.info));
    console.log("assistant message info:", JSON.stringify(assistant.info));
    expect(user.info).toMatchObject({ agent: "build", model: { providerID: "mock", modelID: "smoke-text" } });
    expect(assistant.info).toMatchObject({
      role: "assistant",
      providerID: "mock",
      modelID: "smoke-text",
      mode: "build",
      agent: "build",
      parentID: user.info.id,
      finish: "stop",
    });
    expect(assistant.info.time.completed).toEqual(expect.any(Number));
    expect(assistant.info.error).toBeUndefined();
    expect(textOf(assistant)).toBe(reply);
  });

  test("a 429 insufficient_quota is retried 5 times, then ends the turn with session.error", async () => {
    mock.script("smoke-quota", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    const sessionID = await oc.createSession("smoke: 429 insufficient_quota");
    const t0 = Date.now();

    await oc.promptAsync(sessionID, { text: "This provider has no quota left.", model: "mock/smoke-quota" });
    const firstRetry = await oc.events.waitFor(
      (e) => e.type === "session.status" && sessionIdOf(e) === sessionID && e.properties.status.type === "retry",
      30_000,
    );
    const firstRequest = mock.requestsFor("smoke-quota")[0]!;
    console.log(`first retry status +${firstRetry.at - firstRequest.at}ms after the first 429:`, JSON.stringify(firstRetry.properties.status));
    expect(firstRetry.properties.status).toMatchObject({ type: "retry", attempt: 1, message: OPENAI_INSUFFICIENT_QUOTA.error.message });
    // `next` is the epoch ms of the next attempt (about 2 s later).
    expect(firstRetry.properties.status.next).toBeGreaterThan(firstRetry.at);

    const error = await oc.events.waitFor((e) => e.type === "session.error" && sessionIdOf(e) === sessionID, 150_000);
    const events = await oc.waitForIdle(sessionID, 30_000);
    const requests = mock.requestsForSession(sessionID);
    console.log("session.error properties.error:", JSON.stringify(error.properties.error, null, 2));
    console.log(`provider calls at: ${requests.map((r) => `+${r.at - t0}ms`).join(", ")}`);
    console.log(`waits between calls: ${requests.slice(1).map((r, i) => `${r.at - requests[i]!.at}ms`).join(", ")}`);
    console.log(`session.error at +${error.at - t0}ms; timeline:\n${timeline(events, t0)}`);

    expect(requests).toHaveLength(6);
    const retries = events.filter((e) => e.type === "session.status" && e.properties.status.type === "retry");
    expect(retries.map((e) => e.properties.status.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(error.properties.error).toMatchObject({
      name: "APIError",
      data: { statusCode: 429, isRetryable: true, message: OPENAI_INSUFFICIENT_QUOTA.error.message },
    });
    expect(error.properties.error.data.responseBody).toContain("insufficient_quota");

    const assistant = await oc.lastAssistant(sessionID);
    expect(assistant?.info.error?.name).toBe("APIError");
  });

  test("a plugin file named by file:// URL in opencode.json loads and sees session.status/error/idle", async () => {
    mock.script("smoke-401", [{ kind: "error", status: 401, body: OPENAI_INVALID_KEY }]);
    const sessionID = await oc.createSession("smoke: probe plugin");
    const t0 = Date.now();

    await oc.promptAsync(sessionID, { text: "This key is rejected.", model: "mock/smoke-401" });
    const error = await oc.events.waitFor((e) => e.type === "session.error" && sessionIdOf(e) === sessionID, 30_000);
    const events = await oc.waitForIdle(sessionID, 30_000);
    console.log(`401: session.error at +${error.at - t0}ms:`, JSON.stringify(error.properties.error));
    console.log(`401 timeline:\n${timeline(events, t0)}`);
    expect(mock.requestsFor("smoke-401")).toHaveLength(1);
    expect(error.properties.error).toMatchObject({ name: "APIError", data: { statusCode: 401, isRetryable: false } });

    const log = join(oc.dir, "probe-events.log");
    expect(existsSync(log)).toBe(true);
    const lines = readFileSync(log, "utf8").trim().split("\n").map((line) => JSON.parse(line));
    expect(lines[0]).toEqual({ init: true, options: { marker: "probe-options" }, directory: oc.dir });
    const seen = new Set(lines.filter((l) => l.sessionID === sessionID).map((l) => l.type));
    expect([...seen]).toEqual(expect.arrayContaining(["session.status", "session.error", "session.idle", "message.updated"]));
  });

  test("an insufficient_quota error in the middle of a stream is not retried", async () => {
    mock.script("smoke-stream-quota", [{ kind: "stream-error", afterText: "Partial ", body: OPENAI_INSUFFICIENT_QUOTA }]);
    const sessionID = await oc.createSession("smoke: in-stream quota error");
    const t0 = Date.now();

    await oc.promptAsync(sessionID, { text: "The stream breaks.", model: "mock/smoke-stream-quota" });
    const error = await oc.events.waitFor((e) => e.type === "session.error" && sessionIdOf(e) === sessionID, 30_000);
    await oc.waitForIdle(sessionID, 30_000);
    console.log(`in-stream error: session.error at +${error.at - t0}ms:`, JSON.stringify(error.properties.error));
    expect(mock.requestsFor("smoke-stream-quota")).toHaveLength(1);
    expect(JSON.stringify(error.properties.error)).toContain("insufficient_quota");
  });

  test("a hanging provider call is ended by abort", async () => {
    mock.script("smoke-hang", [{ kind: "hang" }]);
    const sessionID = await oc.createSession("smoke: hang then abort");
    const t0 = Date.now();

    await oc.promptAsync(sessionID, { text: "Nobody answers.", model: "mock/smoke-hang" });
    await mock.waitForRequest((r) => r.model === "smoke-hang", 30_000);
    expect(await oc.abort(sessionID)).toBe(true);
    const events = await oc.waitForIdle(sessionID, 30_000);
    const assistant = await oc.lastAssistant(sessionID);
    console.log(`hang + abort timeline:\n${timeline(events, t0)}`);
    console.log("aborted assistant info:", JSON.stringify(assistant?.info));
    expect(mock.requestsFor("smoke-hang")).toHaveLength(1);
  });
});

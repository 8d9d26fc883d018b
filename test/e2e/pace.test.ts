/**
 * The usage-pace router on the real `opencode serve`, with a loopback usage endpoint: the mock serves
 * Anthropic's OAuth usage API and Copilot's quota API, the credentials come from OPENCODE_AUTH_CONTENT
 * (read by OpenCode and the plugin alike), and the `anthropic` / `github-copilot` providers point at the
 * same loopback mock.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { BUILT_PLUGIN_URL, startMockProvider, startOpencode, textOf, type MockProvider, type OpencodeHarness } from "./harness/index.js";

const H = 3_600_000;
const AUTH = JSON.stringify({
  anthropic: { type: "oauth", access: "sk-ant-oat01-test-access", refresh: "sk-ant-ort01-test-refresh", expires: Date.now() + 24 * H },
  "github-copilot": { type: "oauth", access: "gho_testtoken0123456789", refresh: "gho_testtoken0123456789", expires: 0 },
});
const AGENTS = { sonnet: "---\ndescription: claude sonnet via the subscription\nmode: primary\nmodel: anthropic/claude-sonnet-4-5\n---\nYou are sonnet.\n" };

/** Anthropic's usage body: `utilization` percent used in the 5-hour window, which resets in 2.5 h (half elapsed). */
const anthropicUsage = (utilization: number) => ({
  five_hour: { utilization, resets_at: new Date(Date.now() + 2.5 * H).toISOString() },
  seven_day: { utilization: 10, resets_at: new Date(Date.now() + 84 * H).toISOString() },
});
/** Copilot's body: `percentRemaining` of the premium requests, resetting tomorrow (the month ~97 % elapsed). */
const copilotUsage = (percentRemaining: number) => ({
  copilot_plan: "individual",
  quota_reset_date_utc: new Date(Date.now() + 24 * H).toISOString(),
  quota_snapshots: { premium_interactions: { entitlement: 300, remaining: Math.round(3 * percentRemaining), percent_remaining: percentRemaining, unlimited: false, quota_id: "premium_interactions" } },
});

let mock: MockProvider;
let oc: OpencodeHarness;

async function start(env: Record<string, string> = {}, config: Record<string, unknown> = {}) {
  mock = await startMockProvider();
  mock.script("claude-sonnet-4-5", [{ kind: "text", text: "FROM-ANTHROPIC" }]);
  mock.script("claude-sonnet-4.5", [{ kind: "text", text: "FROM-COPILOT" }]);
  oc = await startOpencode({
    mock,
    models: ["unused"],
    extraProviders: { anthropic: ["claude-sonnet-4-5"], "github-copilot": ["claude-sonnet-4.5"] },
    plugins: [BUILT_PLUGIN_URL],
    agents: AGENTS,
    config,
    env: {
      OPENCODE_AUTH_CONTENT: AUTH,
      OPENCODE_SESSION_FALLBACK_ANTHROPIC_USAGE_URL: mock.url,
      OPENCODE_SESSION_FALLBACK_COPILOT_USAGE_URL: mock.url,
      OPENCODE_SESSION_FALLBACK_DEBUG: "1",
      ...env,
    },
  });
}

async function turn(id: string, text: string, input: { agent?: string; model?: string } = {}) {
  await oc.promptAsync(id, { text, ...input });
  await oc.waitForIdle(id, 30_000, 500);
  return (await oc.messages(id)).filter((m) => m.info.role === "assistant").at(-1)!;
}

const toasts = () => oc.events.all.filter((e) => e.type === "tui.toast.show");

beforeEach(() => {
  mock = undefined as unknown as MockProvider;
  oc = undefined as unknown as OpencodeHarness;
});
afterEach(async () => {
  await oc?.stop();
  await mock?.close();
});

describe("usage-pace router", () => {
  test("after a turn on an over-pace provider, the session's next turn runs on the alternative lane; the toast comes first", async () => {
    await start();
    mock.serveJson("/api/oauth/usage", anthropicUsage(90)); // +40 over pace
    mock.serveJson("/copilot_internal/user", copilotUsage(90)); // 10 % used, ~97 % of the month elapsed
    const id = await oc.createSession("pace");
    const first = await turn(id, "ONE", { agent: "sonnet" });
    expect(first.info.providerID).toBe("anthropic");
    const toast = await oc.events.waitFor((e) => e.type === "tui.toast.show" && String(e.properties?.message).includes("over pace"), 10_000);
    expect(String(toast.properties.message)).toContain("github-copilot/claude-sonnet-4.5");
    // The usage APIs were asked with the stored credentials.
    const usageRequest = mock.requests.find((r) => r.path === "/api/oauth/usage")!;
    expect(usageRequest.headers.authorization).toBe("Bearer sk-ant-oat01-test-access");

    // The TUI names the primary model with the next prompt, as it always does.
    const second = await turn(id, "TWO", { agent: "sonnet", model: "anthropic/claude-sonnet-4-5" });
    expect(second.info.providerID).toBe("github-copilot");
    expect(second.info.modelID).toBe("claude-sonnet-4.5");
    expect(textOf(second)).toContain("FROM-COPILOT");
    const copilotRequest = mock.requestsFor("claude-sonnet-4.5").find((r) => r.sessionID === id)!;
    expect(toast.at).toBeLessThan(copilotRequest.at);
    expect(mock.systemTextOf(copilotRequest)).toContain("faster than its window passes");
  });

  test("with no alternative under pace: one warning, not one per turn, and the session stays", async () => {
    await start();
    mock.serveJson("/api/oauth/usage", anthropicUsage(90));
    mock.serveJson("/copilot_internal/user", copilotUsage(0)); // 100 % used: over pace too
    const id = await oc.createSession("warn");
    await turn(id, "ONE", { agent: "sonnet" });
    await oc.events.waitFor((e) => e.type === "tui.toast.show", 10_000);
    const again = await turn(id, "TWO", { agent: "sonnet" });
    await new Promise((r) => setTimeout(r, 500));
    expect(again.info.providerID).toBe("anthropic");
    const warnings = toasts().filter((e) => String(e.properties?.message).includes("no alternative lane"));
    expect(warnings).toHaveLength(1);
  });

  test("persist mode: the toast first, then the config is written, and the next session uses the new model", async () => {
    // No model in the project's opencode.json: it would override the global config the plugin writes.
    await start({ OPENCODE_SESSION_FALLBACK_PACE_MODE: "persist" }, { model: undefined });
    mock.serveJson("/api/oauth/usage", anthropicUsage(90));
    mock.serveJson("/copilot_internal/user", copilotUsage(90));
    const a = await oc.createSession("persist a");
    const first = await turn(a, "ONE", { model: "anthropic/claude-sonnet-4-5" });
    expect(first.info.providerID).toBe("anthropic");
    const toast = await oc.events.waitFor((e) => e.type === "tui.toast.show" && String(e.properties?.message).includes("switching the model"), 10_000);
    const disposed = await oc.events.waitFor((e) => e.type === "server.instance.disposed" || e.type === "global.disposed", 10_000).catch(() => undefined);
    if (disposed) expect(toast.at).toBeLessThanOrEqual(disposed.at);
    await new Promise((r) => setTimeout(r, 1000));
    const config = (await oc.client.config.get()).data as { model?: string };
    expect(config.model).toBe("github-copilot/claude-sonnet-4.5");
    expect(readFileSync(join(oc.root, "home", ".config", "opencode", "opencode.jsonc"), "utf8")).toContain('"model": "github-copilot/claude-sonnet-4.5"');
    const b = await oc.createSession("persist b");
    const next = await turn(b, "TWO");
    expect(next.info.providerID).toBe("github-copilot");
    expect(textOf(next)).toContain("FROM-COPILOT");
  });

  test("persist mode with a model in the project's opencode.json: the write would be shadowed, so the session moves instead", async () => {
    await start({ OPENCODE_SESSION_FALLBACK_PACE_MODE: "persist" }, { model: "anthropic/claude-sonnet-4-5" });
    mock.serveJson("/api/oauth/usage", anthropicUsage(90));
    mock.serveJson("/copilot_internal/user", copilotUsage(90));
    const id = await oc.createSession("shadowed");
    await turn(id, "ONE", { agent: "sonnet" });
    await oc.events.waitFor((e) => e.type === "tui.toast.show" && String(e.properties?.message).includes("this session moves to"), 10_000);
    const second = await turn(id, "TWO", { agent: "sonnet" });
    expect(second.info.providerID).toBe("github-copilot");
    expect(((await oc.client.config.get()).data as { model?: string }).model).toBe("anthropic/claude-sonnet-4-5");
  });

  test("test mode (no network): OPENCODE_SESSION_FALLBACK_USAGE_TEST_SCENARIO=anthropic_over_pace moves the session", async () => {
    await start({ OPENCODE_SESSION_FALLBACK_USAGE_TEST_SCENARIO: "anthropic_over_pace" });
    const id = await oc.createSession("test mode");
    await turn(id, "ONE", { agent: "sonnet" });
    await oc.events.waitFor((e) => e.type === "tui.toast.show" && String(e.properties?.message).includes("over pace"), 10_000);
    const second = await turn(id, "TWO", { agent: "sonnet" });
    expect(second.info.providerID).toBe("github-copilot");
    expect(mock.requests.some((r) => r.path === "/api/oauth/usage")).toBe(false);
  });
});

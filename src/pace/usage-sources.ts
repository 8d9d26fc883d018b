import type { OpencodePort } from "../host/opencode-port";
import type { Settings } from "../settings/settings";
import { localUsageSource } from "./local-source";
import { anthropicUsageSource, codexUsageSource, copilotUsageSource, defaultAuthFile, fetchHttpGet, parseAuthStore, readAuthStore } from "./sources";
import { testScenarioSource } from "./test-scenario-source";
import type { StoredAuth, UsageSource } from "./usage-types";

/** OpenCode refreshes OAuth tokens on its own schedule: the store is read again after this long. */
export const AUTH_REREAD_MS = 30_000;

/**
 * The usage sources the pace router asks, in order: a test scenario alone when one is set (no network);
 * else the provider APIs (with the credentials OpenCode keeps in `auth.json`, or `OPENCODE_AUTH_CONTENT`,
 * re-read every {@link AUTH_REREAD_MS}), then the local budgets computed from OpenCode's session history.
 */
export function usageSources(
  settings: Settings,
  env: Readonly<Record<string, string | undefined>>,
  port: OpencodePort,
  given?: readonly UsageSource[],
): readonly UsageSource[] {
  if (given) return given;
  if (settings.pace.testScenario) return [testScenarioSource(settings.pace.testScenario)];
  let store: Readonly<Record<string, StoredAuth>> = {};
  let readAt = Number.NEGATIVE_INFINITY;
  const refresh = async (now: number) => {
    if (now - readAt < AUTH_REREAD_MS) return;
    readAt = now;
    const content = env.OPENCODE_AUTH_CONTENT;
    const read = content ? parseAuthStore(content, "OPENCODE_AUTH_CONTENT") : await readAuthStore(defaultAuthFile(env));
    store = read.auth;
  };
  const auth = () => store;
  const http = fetchHttpGet(settings.apiTimeoutMs);
  const withFreshAuth = (source: UsageSource): UsageSource => ({
    id: source.id,
    covers: (providerID) => source.covers(providerID),
    async read(providerID, now) {
      await refresh(now);
      return source.read(providerID, now);
    },
  });
  const sources: UsageSource[] = [
    withFreshAuth(anthropicUsageSource({ auth, http, baseUrl: settings.pace.urls.anthropic, timeoutMs: settings.apiTimeoutMs })),
    withFreshAuth(codexUsageSource({ auth, http, baseUrl: settings.pace.urls.codex, timeoutMs: settings.apiTimeoutMs })),
    withFreshAuth(copilotUsageSource({ auth, http, baseUrl: settings.pace.urls.copilot, timeoutMs: settings.apiTimeoutMs })),
  ];
  if (Object.keys(settings.pace.localBudgets).length > 0) {
    sources.push(localUsageSource(settings.pace.localBudgets, { tokenUse: (since) => port.tokenUse(since) }));
  }
  return sources;
}

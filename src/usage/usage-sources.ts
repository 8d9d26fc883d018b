import type { OpencodePort } from "../opencode-port";
import type { Settings } from "../settings";
import { localUsageSource } from "./local-source";
import { testScenarioSource } from "./test-scenario-source";
import type { UsageSource } from "./usage-types";

/**
 * The usage sources the pace router asks, in order: a test scenario alone when one is set (no network);
 * else the provider APIs, then the local budgets computed from OpenCode's session history.
 */
export function usageSources(
  settings: Settings,
  _env: Readonly<Record<string, string | undefined>>,
  port: OpencodePort,
  given?: readonly UsageSource[],
): readonly UsageSource[] {
  if (given) return given;
  if (settings.pace.testScenario) return [testScenarioSource(settings.pace.testScenario)];
  const sources: UsageSource[] = [];
  if (Object.keys(settings.pace.localBudgets).length > 0) {
    sources.push(localUsageSource(settings.pace.localBudgets, { tokenUse: (since) => port.tokenUse(since) }));
  }
  return sources;
}

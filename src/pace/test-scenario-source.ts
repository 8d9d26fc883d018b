import type { ProviderUsage, UsageSource } from "./usage-types";

/** Points over or under pace the scenarios simulate. */
const OVER = { usedPercent: 70, elapsedShare: 0.5 };
const UNDER = { usedPercent: 30, elapsedShare: 0.5 };
const FIVE_HOURS = 5 * 3_600_000;

/**
 * Simulated usage, no network (`OPENCODE_SESSION_FALLBACK_USAGE_TEST_SCENARIO`, or the seed's
 * `USAGE_LIMITS_TEST_SCENARIO`): `<provider>_over_pace` puts that provider 20 points over pace in a 5-hour
 * window and every other provider 20 points under; `all_over_pace` and `all_under_pace` do what they say.
 * An unknown scenario reports nothing (a log line says so).
 */
export function testScenarioSource(scenario: string): UsageSource {
  const over = /^(.+)_over_pace$/.exec(scenario)?.[1];
  const known = over !== undefined || scenario === "all_under_pace";
  return {
    id: "test",
    covers: () => known,
    async read(providerID, now) {
      if (!known) return { ok: false, reason: `unknown usage test scenario "${scenario}" (use <provider>_over_pace, all_over_pace or all_under_pace)` };
      const shape = over === "all" || over === providerID ? OVER : UNDER;
      const usage: ProviderUsage = {
        providerID,
        source: "test",
        fetchedAt: now,
        windows: [{ name: "5h", usedPercent: shape.usedPercent, windowMs: FIVE_HOURS, resetsAt: now + FIVE_HOURS * (1 - shape.elapsedShare) }],
      };
      return { ok: true, usage };
    },
  };
}

/**
 * Figure 6: a lane out for 5 hours, a session used all along. How often does the plugin send a turn to the
 * lane to see whether it is back (a probe: one failed request, a "back on primary" toast, a recovery and a
 * "continuing on fallback" toast), and how many toasts does the user see per hour?
 *
 * The plugin's own parts, on a simulated clock: LaneHealth (src/lanes/lane-health.ts) decides how long the lane
 * cools; the steering of each new turn (src/lanes/lane-steering.ts, what the chat.message hook runs) sends it to
 * the fallback while the lane cools and back to the primary when it ends; a turn on the primary fails, and
 * is recovered as src/recovery/run-recovery.ts does (the lane marked cooling, the session's sticky lane set, one
 * toast). A user turn every 2 minutes for 5 hours (150 turns).
 */
import { LaneHealth, type CoolingCause } from "../src/lanes/lane-health";
import { steerTurn, type SteerableMessage } from "../src/lanes/lane-steering";
import { resolveFallback, type FallbackTarget } from "../src/agents/resolve-fallback";
import type { AgentLookup } from "../src/agents/agent-files";
import { FakeOpencode } from "../test/helpers/fake-opencode";
import { steeringDeps } from "../test/helpers/steering-deps";

const HOUR = 3_600_000;
const OUT_FOR = 5 * HOUR;
const TURN_EVERY = 2 * 60_000;
const COOLDOWN = 15 * 60_000;
const T0 = 1_800_000_000_000;
const PRIMARY = { providerID: "codex", modelID: "gpt-5" };

export interface LaneOutCase {
  readonly label: string;
  readonly turns: number;
  /** Turns that reached the exhausted lane and failed (the first failure included). */
  readonly failures: number;
  readonly toasts: number;
  readonly probesPerHour: number;
  readonly toastsPerHour: number;
}

export interface LaneOutResult {
  readonly hours: number;
  readonly cases: readonly LaneOutCase[];
}

const lookup = async (name: string): Promise<AgentLookup> =>
  name === "build"
    ? { ok: true, agent: { name, file: "/build.md", prompt: "", model: "codex/gpt-5", fallbackAgent: "backup" } }
    : name === "backup"
      ? { ok: true, agent: { name, file: "/backup.md", prompt: "BACKUP", model: "anthropic/claude-sonnet" } }
      : { ok: false, reason: "not-found", message: "none" };

/**
 * One session through the 5 hours. `cause` is what the provider says on each failure; `fresh` forgets
 * the lane's history before each failure (0.2's fixed cooldown, for comparison).
 */
async function simulate(label: string, cause: (now: number) => CoolingCause, fresh: boolean): Promise<LaneOutCase> {
  let now = T0;
  const fake = new FakeOpencode();
  const deps = steeringDeps(lookup, fake, () => now);
  const target = await resolveFallback("build", lookup);
  if (!target.ok) throw new Error(target.message);
  let failures = 0;
  let recoveryToasts = 0;
  let turns = 0;
  const fail = (fallback: FallbackTarget) => {
    if (fresh) (deps as { health: LaneHealth }).health = new LaneHealth();
    deps.health.markCooling(PRIMARY, cause(now), now, COOLDOWN);
    deps.book.get("s").lane.sticky = { primary: PRIMARY, target: fallback, since: now };
    failures += 1;
    recoveryToasts += 1; // "continuing on backup"
  };
  for (; now < T0 + OUT_FOR; now += TURN_EVERY) {
    turns += 1;
    const message: SteerableMessage = { agent: "build", model: { ...PRIMARY } };
    await steerTurn("s", message, [{ type: "text", text: `turn ${turns}` }], deps);
    if (message.model?.providerID === PRIMARY.providerID && message.model?.modelID === PRIMARY.modelID) fail(target.target);
  }
  const toasts = fake.count("toast") + recoveryToasts;
  const hours = OUT_FOR / HOUR;
  // The first failure is how the lane was found out, not a probe.
  return { label, turns, failures, toasts, probesPerHour: (failures - 1) / hours, toastsPerHour: toasts / hours };
}

export async function runLaneOut(): Promise<LaneOutResult> {
  const reset = T0 + OUT_FOR;
  return {
    hours: OUT_FOR / HOUR,
    cases: [
      await simulate("the provider announced the reset (Codex resets_in_seconds, Anthropic's usage window)", () => ({ kind: "quota", rule: "codex-usage-limit", resetAt: reset }), false),
      await simulate("no word from the provider: 15 min cooldown, doubled after each failed probe (up to 2 h)", () => ({ kind: "quota", rule: "generic-quota" }), false),
      await simulate("for comparison, 0.2's fixed 15 min cooldown", () => ({ kind: "quota", rule: "generic-quota" }), true),
    ],
  };
}

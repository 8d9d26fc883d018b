import { formatMs, isoOrNever } from "../support/format";
import { laneKey, type LaneHealth } from "./lane-health";
import type { PassedLane } from "../agents/resolve-fallback";
import type { ModelRef } from "../host/model-ref";

/*
 * When a failure finds no lane left: every lane of the chain is named, with when it is expected back,
 * in one log line and one toast, so the user learns it at once instead of after OpenCode's retries.
 */

/** One lane of the report: `mock/lane-a (quota, back in 14m 58s, at 2026-12-02T10:00:00.000Z)`. */
function laneLine(model: ModelRef, health: LaneHealth, now: number, via?: string, reason?: string): string {
  const entry = health.cooling(model, now);
  const name = via ? `${laneKey(model)} (agent "${via}")` : laneKey(model);
  if (entry) return `${name}: ${entry.kind}, back in ${formatMs(entry.until - now)} (${isoOrNever(entry.until)})`;
  return `${name}: ${reason ?? "failed"}`;
}

/** What to log and show when no lane is left for a failure of `failed`. */
export function noLaneLeft(input: {
  readonly sessionID: string;
  readonly failed: ModelRef | undefined;
  /** The session's own lane, when it runs on a fallback: it is out too. */
  readonly primary?: ModelRef;
  readonly passed: readonly PassedLane[];
  readonly health: LaneHealth;
  readonly now: number;
  /** The turn is stopped (no futile retries on exhausted lanes), or left to OpenCode's own retries. */
  readonly stopped: boolean;
  /** The provider's own words, redacted by the caller. */
  readonly providerMessage: string;
}): { readonly log: string; readonly toast: string; readonly lanes: readonly string[] } {
  const { failed, primary, passed, health, now } = input;
  const seen = new Set<string>();
  const lanes: string[] = [];
  const add = (model: ModelRef, line: () => string) => {
    if (seen.has(laneKey(model))) return;
    seen.add(laneKey(model));
    lanes.push(line());
  };
  if (primary) add(primary, () => laneLine(primary, health, now));
  if (failed) add(failed, () => laneLine(failed, health, now));
  for (const p of passed) add(p.model, () => laneLine(p.model, health, now, p.agent, p.reason));
  const next = input.stopped
    ? "The turn is stopped instead of retrying a lane known to be out; send your message again when a lane is back, or pick another model."
    : "OpenCode's own retries go on.";
  const provider = input.providerMessage ? ` The provider said: ${input.providerMessage}` : "";
  return {
    lanes,
    log: `session ${input.sessionID}: no lane left: ${lanes.join("; ")}. ${next}${provider}`,
    toast: `No lane left for this session. ${lanes.join("; ")}. ${next}`,
  };
}

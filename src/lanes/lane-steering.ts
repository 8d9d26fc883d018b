import { failedPoolOf, type CoolingLane, type LaneHealth } from "./lane-health";
import { laneGuard } from "./lane-guard";
import { formatMs } from "../support/format";
import type { OpencodePort } from "../host/opencode-port";
import { quietly } from "../support/best-effort";
import { sameModel, toModelRef } from "../host/session-messages";
import { CONTINUATION_TAG, isOwnContinuation } from "../sessions/own-prompt";
import { modelText, type ModelRef } from "../host/model-ref";
import type { ChainGuard, FallbackTarget, Resolution } from "../agents/resolve-fallback";
import type { SessionBook, StickyLane } from "../sessions/session-state";
import type { Settings } from "../settings/settings";

/** The part of a new user message the `chat.message` hook may change. */
export interface SteerableMessage {
  agent?: string;
  model?: { providerID: string; modelID: string };
  system?: string;
}

/** What steering needs; the plugin passes the real ones, tests plain objects. */
export interface SteeringDeps {
  readonly book: SessionBook;
  readonly health: LaneHealth;
  readonly settings: Settings;
  readonly port: OpencodePort;
  readonly resolve: (agent: string, guard: ChainGuard) => Promise<Resolution>;
  readonly clock: () => number;
  readonly note: (level: "debug" | "info" | "warn", record: { outcome: string; [key: string]: unknown }, message: string) => void;
}

/** What steering did with a new turn. */
export type SteerOutcome = "own-prompt" | "untouched" | "sticky" | "back-to-primary" | "manual-choice" | "avoided-cooling" | "no-way-around";

/**
 * Steers a new user message before its turn runs (the `chat.message` hook):
 * - a session on a sticky fallback lane keeps running there, even though the client sends the primary
 *   model with every prompt, until the primary's cooldown ends; then it goes back, with a toast;
 * - a model the user picked that is neither the primary nor the fallback ends the sticky lane (a
 *   manual choice wins);
 * - a turn whose lane is known to be cooling (found out by any session of the process, or by another
 *   OpenCode process through the state file) goes straight to its agent's fallback, before any
 *   request fails.
 */
export async function steerTurn(sessionID: string, message: SteerableMessage, parts: readonly unknown[], deps: SteeringDeps): Promise<SteerOutcome> {
  if (isOwnContinuation(parts)) return "own-prompt";
  const requested = toModelRef(message.model);
  const now = deps.clock();
  const record = deps.book.get(sessionID);
  const lane = record.lane.sticky;

  if (lane) {
    if (!requested || sameModel(requested, lane.target.model)) {
      apply(message, lane, heldUntil(lane, deps.health, now), deps.settings);
      return "sticky";
    }
    if (sameModel(requested, lane.primary)) {
      const held = heldUntil(lane, deps.health, now);
      if (held !== undefined) {
        apply(message, lane, held, deps.settings);
        return "sticky";
      }
      record.lane.sticky = undefined;
      record.recovery.count = 0;
      deps.note("info", { outcome: "back-to-primary", event: "chat.message", sessionID, to: modelText(lane.primary) }, `session ${sessionID}: ${modelText(lane.primary)} should serve again; back from ${modelText(lane.target.model)}`);
      await quietly(() => deps.port.toast({ title: "Session fallback", message: `${modelText(lane.primary)} should serve again: this session is back on it (was on ${modelText(lane.target.model)}).`, variant: "success", duration: 6000 }));
      return "back-to-primary";
    }
    record.lane.sticky = undefined;
    record.pace.manualTurnsLeft = deps.settings.pace.manualTurns;
    deps.note("info", { outcome: "manual-choice", event: "chat.message", sessionID, to: modelText(requested) }, `session ${sessionID}: the user picked ${modelText(requested)}; the fallback lane ${modelText(lane.target.model)} is left`);
    return "manual-choice";
  }

  if (!requested || !message.agent) return "untouched";
  const cooling = deps.health.cooling(requested, now);
  if (!cooling) return "untouched";
  const pool = failedPoolOf(requested, deps.settings.pools, cooling.scope);
  const resolution = await deps.resolve(message.agent, laneGuard(deps.health, deps.settings.pools, pool, now));
  if (!resolution.ok) {
    deps.note("warn", { outcome: "no-way-around", event: "chat.message", sessionID, lane: cooling.lane, reason: resolution.reason }, `session ${sessionID}: ${cooling.lane} is cooling (${cooling.kind}) until ${new Date(cooling.until).toISOString()} but no fallback can take the turn: ${resolution.message}`);
    return "no-way-around";
  }
  const sticky: StickyLane = { primary: requested, target: resolution.target, since: now };
  record.lane.sticky = sticky;
  apply(message, sticky, cooling.until, deps.settings);
  deps.note("info", { outcome: "avoided-cooling", event: "chat.message", sessionID, from: cooling.lane, to: modelText(resolution.target.model), target: resolution.target.agent, until: cooling.until }, `session ${sessionID}: ${cooling.lane} is cooling (${cooling.kind}, rule ${cooling.rule}); this turn goes straight to ${modelText(resolution.target.model)}`);
  await quietly(() =>
    deps.port.toast({
      title: "Session fallback",
      message: `${cooling.lane} is out (${cooling.kind}) for another ${formatMs(cooling.until - now)}: this session runs on ${modelText(resolution.target.model)} (fallback agent "${resolution.target.agent}").`,
      variant: "warning",
      duration: 8000,
    }),
  );
  return "avoided-cooling";
}

/** Until when the session stays on its lane: the primary's cooldown, or a pace switch's window reset. */
function heldUntil(lane: StickyLane, health: LaneHealth, now: number): number | undefined {
  const cooling: CoolingLane | undefined = health.cooling(lane.primary, now);
  if (cooling) return cooling.until;
  if (lane.reason === "pace" && lane.holdUntil !== undefined && lane.holdUntil > now) return lane.holdUntil;
  return undefined;
}

function apply(message: SteerableMessage, lane: StickyLane, until: number | undefined, settings: Settings): void {
  message.model = { providerID: lane.target.model.providerID, modelID: lane.target.model.modelID };
  const system = laneSystem({ target: lane.target, primary: lane.primary, until, switchAgent: settings.switchAgent, reason: lane.reason ?? "fallback" });
  message.system = message.system ? `${message.system}\n\n${system}` : system;
}

/**
 * The `system` text of a turn that runs on a sticky fallback lane: a short note of why, then the
 * fallback agent's prompt (or only the note when the fallback agent's own prompt is in effect).
 */
export function laneSystem(input: { target: FallbackTarget; primary: ModelRef; until: number | undefined; switchAgent: boolean; reason?: "fallback" | "pace" }): string {
  const { target, primary, until, switchAgent } = input;
  const why =
    input.reason === "pace"
      ? `${modelText(primary)} is using its usage allowance faster than its window passes${until ? ` (the window resets at ${new Date(until).toISOString()})` : ""}`
      : `${modelText(primary)} cannot serve it${until ? ` until ${new Date(until).toISOString()}` : " for now"}`;
  const block = [
    `<${CONTINUATION_TAG}>`,
    `This session runs on the ${input.reason === "pace" ? "" : "fallback "}lane ${modelText(target.model)} because ${why}.`,
    "Carry on with the task as usual; do not mention this unless the user asks.",
    `</${CONTINUATION_TAG}>`,
  ].join("\n");
  return !switchAgent && target.prompt ? `${block}\n\n${target.prompt}` : block;
}

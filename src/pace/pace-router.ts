import type { OpencodePort, MessageInfo } from "../host/opencode-port";
import { modelText, type ModelRef } from "../host/model-ref";
import { quietly } from "../support/best-effort";
import type { SessionBook } from "../sessions/session-state";
import type { PaceSettings } from "../settings/settings";
import { decidePace, type PaceDecision } from "./decide-pace";
import { formatPace } from "./pace";
import { alternativeLanes } from "./routes";
import type { ProviderUsage, UsageSource } from "./usage-types";

/** A provider's usage is read at most once in this many ms, whatever the number of turns. */
export const USAGE_CACHE_MS = 60_000;

/** What the router did after a turn. */
export type PaceOutcome = "off" | "duplicate" | "no-model" | "manual-hold" | "rate-limited" | "stay" | "switched" | "persisted" | "warned" | "warned-before" | "failed";

/** What the router needs; the plugin passes the real ones, tests plain objects. */
export interface PaceRouterDeps {
  readonly settings: PaceSettings;
  readonly sources: readonly UsageSource[];
  readonly book: SessionBook;
  readonly port: OpencodePort;
  readonly clock: () => number;
  readonly note: (level: "debug" | "info" | "warn", record: { outcome: string; [key: string]: unknown }, message: string) => void;
  /**
   * What would shadow a model written with `config.update` (OpenCode writes the project's config.json,
   * which the project's opencode.json and OPENCODE_CONFIG_CONTENT override), or undefined.
   */
  readonly persistShadowedBy?: () => string | undefined;
  /** Why a lane must not take a turn now (it is cooling), or undefined: such a lane is never an alternative. */
  readonly avoid?: (model: ModelRef, now: number) => string | undefined;
}

/** A window at or above this percent used is exhausted. */
export const EXHAUSTED_PERCENT = 99.5;

/**
 * The usage-pace router: after each turn (`session.idle`), reads the usage of the provider that served it
 * and of the lanes that serve the same model family elsewhere, and moves the session off a provider that
 * burns its window faster than the window passes, before it hits the wall.
 *
 * Guards: off per project (`pace: false`); a turn is looked at once however many idles announce it; a
 * session whose user picked a model by hand is left alone for `manualTurns` turns; at most one switch per
 * session per `minIntervalMs`; a warning (over pace, nowhere to go) once per window.
 */
export class PaceRouter {
  private readonly cache = new Map<string, { at: number; usage: ProviderUsage | undefined }>();
  private readonly warned = new Set<string>();
  /** Source skips already reported: an API-key login answers the same reason after every turn. */
  private readonly reportedSkips = new Set<string>();

  constructor(private readonly deps: PaceRouterDeps) {}

  /** Looks at a finished turn: its last assistant message. Never throws. */
  async afterTurn(sessionID: string, last: MessageInfo): Promise<PaceOutcome> {
    const { settings, book, clock } = this.deps;
    try {
      if (!settings.enabled) return "off";
      const record = book.get(sessionID);
      if (record.pace.lastMessageID === last.id) return "duplicate";
      record.pace.lastMessageID = last.id;
      if (typeof last.providerID !== "string" || typeof last.modelID !== "string") return "no-model";
      if (record.pace.manualTurnsLeft > 0) {
        record.pace.manualTurnsLeft -= 1;
        return "manual-hold";
      }
      const now = clock();
      if (record.pace.lastSwitchAt > 0 && now - record.pace.lastSwitchAt < settings.minIntervalMs) return "rate-limited";

      const current: ModelRef = { providerID: last.providerID, modelID: last.modelID };
      const alternatives = alternativeLanes(current, settings.routes).filter((model) => {
        const avoid = this.deps.avoid?.(model, now);
        if (avoid !== undefined) this.deps.note("debug", { outcome: "pace-alternative-avoided", event: "idle", sessionID, lane: modelText(model) }, `${modelText(model)} is not an alternative now: ${avoid}`);
        return avoid === undefined;
      });
      const currentUsage = await this.usage(current.providerID, now);
      const decision = decidePace({
        current,
        currentUsage,
        alternatives: await Promise.all(alternatives.map(async (model) => ({ model, usage: await this.usage(model.providerID, now) }))),
        now,
        high: settings.high,
        low: settings.low,
      });
      return await this.act(sessionID, last, current, decision, now);
    } catch (error) {
      this.deps.note("warn", { outcome: "pace-failed", event: "idle", sessionID }, `usage-pace check of session ${sessionID} failed: ${error instanceof Error ? error.message : String(error)}; nothing changes`);
      return "failed";
    }
  }

  private async act(sessionID: string, last: MessageInfo, current: ModelRef, decision: PaceDecision, now: number): Promise<PaceOutcome> {
    const { settings, book, port, note } = this.deps;
    if (decision.action === "stay") {
      note("debug", { outcome: "pace-stay", event: "idle", sessionID, why: decision.why }, decision.why);
      return "stay";
    }
    if (decision.action === "warn") {
      if (this.warned.has(decision.key)) return "warned-before";
      this.warned.add(decision.key);
      note("warn", { outcome: "pace-warning", event: "idle", sessionID, key: decision.key }, `session ${sessionID}: ${decision.why}; staying`);
      await quietly(() => port.toast({ title: "Usage pace", message: `${decision.why}. Staying on ${modelText(current)}.`, variant: "warning", duration: 8000 }));
      return "warned";
    }
    const record = book.get(sessionID);
    const agent = last.agent ?? last.mode ?? "build";
    const persist = settings.mode === "persist" && !this.deps.persistShadowedBy?.();
    const message = `${decision.current.providerID} is ${formatPace(decision.current.pace)} over pace (${decision.current.window} window); ${persist ? "switching the model to" : "this session moves to"} ${modelText(decision.to)} (${formatPace(decision.alternative.pace)}).`;
    // The toast first: in persist mode the config write disposes the instance right after.
    await quietly(() => port.toast({ title: "Usage pace", message, variant: "info", duration: 8000 }));
    record.pace.lastSwitchAt = now;
    const shadow = settings.mode === "persist" ? this.deps.persistShadowedBy?.() : undefined;
    if (shadow) {
      note("warn", { outcome: "pace-persist-shadowed", event: "idle", sessionID }, `persist mode: ${shadow} sets the model and would override the one written to config.json; this session is moved instead`);
    }
    if (settings.mode === "persist" && !shadow) {
      try {
        await port.configUpdate({ model: modelText(decision.to) });
      } catch (error) {
        note("warn", { outcome: "pace-persist-failed", event: "idle", sessionID }, `session ${sessionID}: could not write the model to the config (${error instanceof Error ? error.message : String(error)}); nothing changes`);
        return "failed";
      }
      note("info", { outcome: "pace-persisted", event: "idle", sessionID, from: modelText(current), to: modelText(decision.to) }, `${decision.why}; the config's model is now ${modelText(decision.to)}`);
      return "persisted";
    }
    record.lane.sticky = {
      primary: record.lane.sticky?.primary ?? current,
      target: { sourceAgent: agent, agent, model: decision.to, prompt: "", file: "usage-pace", skipped: [] },
      since: now,
      reason: "pace",
      holdUntil: decision.current.resetsAt,
    };
    note("info", { outcome: "pace-switched", event: "idle", sessionID, from: modelText(current), to: modelText(decision.to), until: decision.current.resetsAt }, `session ${sessionID}: ${decision.why}; its next turns run on ${modelText(decision.to)}`);
    return "switched";
  }

  /**
   * When the exhausted usage windows of `providerID` reset (the latest of them), read fresh: the lane
   * just failed on quota and a cached reading may predate it. Undefined when no source covers the
   * provider or no window is exhausted. Never throws.
   */
  async exhaustedUntil(providerID: string, now: number): Promise<number | undefined> {
    try {
      const usage = await this.usage(providerID, now, true);
      const resets = (usage?.windows ?? []).filter((w) => w.usedPercent >= EXHAUSTED_PERCENT && w.resetsAt > now).map((w) => w.resetsAt);
      return resets.length > 0 ? Math.max(...resets) : undefined;
    } catch {
      return undefined;
    }
  }

  /** A provider's usage from the first source that covers it and answers; cached unless `fresh`. */
  private async usage(providerID: string, now: number, fresh = false): Promise<ProviderUsage | undefined> {
    const cached = this.cache.get(providerID);
    if (!fresh && cached && now - cached.at < USAGE_CACHE_MS) return cached.usage;
    let usage: ProviderUsage | undefined;
    for (const source of this.deps.sources) {
      if (!source.covers(providerID)) continue;
      const read = await source.read(providerID, now);
      if (read.ok) {
        usage = read.usage;
        break;
      }
      const skip = `${source.id}:${providerID}:${read.reason}`;
      const first = !this.reportedSkips.has(skip);
      if (first && this.reportedSkips.size < 1000) this.reportedSkips.add(skip);
      this.deps.note(first ? "info" : "debug", { outcome: "usage-source-skipped", event: "idle", source: source.id, providerID }, `usage source ${source.id} skipped for ${providerID}: ${read.reason}`);
    }
    this.cache.set(providerID, { at: now, usage });
    return usage;
  }
}


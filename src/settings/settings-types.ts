/* The settings the plugin runs with, as loadSettings (settings.ts) builds them. */
import type { VerdictKind } from "../classify/verdict";

/** The fully defaulted settings the plugin runs with. Built once, at init, by {@link loadSettings}. */
export interface Settings {
  /** Automatic recoveries per session. 0 turns automatic recovery off. */
  readonly attemptLimit: number;
  /** Write one JSON line per decision to {@link Settings.debugLogPath}. */
  readonly debug: boolean;
  /** Absolute path of the debug log. */
  readonly debugLogPath: string;
  /** Run the continuation as the fallback agent itself instead of the source agent with the fallback prompt in `system`. */
  readonly switchAgent: boolean;
  /** Kinds that fall back at once. */
  readonly fallbackOn: ReadonlySet<VerdictKind>;
  /** A rate limit or overload whose announced wait is longer than this falls back at once. */
  readonly maxWaitMs: number;
  /** Time limit for each OpenCode API call the plugin makes. */
  readonly apiTimeoutMs: number;
  /**
   * In `opencode run` (headless), how long the run waits for the continuation's answer after OpenCode
   * ended its own wait (see headless-run.ts); past it the run ends non-zero, saying so.
   */
  readonly runWaitMs: number;
  /** How long a lane that failed without announcing a reset is avoided. */
  readonly cooldownMs: number;
  /** Absolute path of the lane state file, shared by every OpenCode process of the user. */
  readonly stateFile: string;
  /**
   * Declared pools: `provider` or `provider/model` → pool name. Lanes of one pool share a quota, so a
   * fallback never goes from one to another. Undeclared lanes form one pool per provider ID.
   */
  readonly pools: ReadonlyMap<string, string>;
  /** The usage-pace router (see {@link PaceSettings}). */
  readonly pace: PaceSettings;
}

/** Settings of the usage-pace router. */
export interface PaceSettings {
  /** Off: no usage is read and no pace switch happens (opt-out per project). */
  readonly enabled: boolean;
  /** A provider at or above this many points over pace is left. */
  readonly high: number;
  /** An alternative at or below this many points (negative: under pace) may take over. */
  readonly low: number;
  /** `session`: the session moves (no config write); `persist`: the model is written with config.update. */
  readonly mode: "session" | "persist";
  /** After a manual model switch, this many turns pass before the router may switch again. */
  readonly manualTurns: number;
  /** At most one automatic switch per session in this many ms. */
  readonly minIntervalMs: number;
  /** Declared routes: lanes that serve the same model family, name → `provider/model` list. */
  readonly routes: Readonly<Record<string, readonly string[]>>;
  /** Token budgets per provider and window for the local usage source: provider → window → tokens. */
  readonly localBudgets: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** A simulated usage scenario (no network), e.g. `anthropic_over_pace`. */
  readonly testScenario: string | undefined;
  /** Base URLs of the usage APIs (tests point them at loopback). */
  readonly urls: { readonly anthropic: string; readonly codex: string; readonly copilot: string };
}

import * as path from "node:path";
import { z } from "zod";
import { FALLBACK_KINDS, booleanText, integerText, kindList, nonEmptyPath, poolList, routeList, budgetList, signedNumber, httpUrl } from "./setting-values";
import * as os from "node:os";
import type { VerdictKind } from "../classify/verdict";
import type { PaceSettings, Settings } from "./settings-types";

export type { PaceSettings, Settings } from "./settings-types";


/** One variable or option the plugin reads. */
interface SettingSpec<T> {
  readonly env: string;
  readonly option: string;
  readonly schema: z.ZodType<T>;
  readonly fallback: T;
  readonly expected: string;
}

const SPECS = {
  attemptLimit: {
    env: "OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT",
    option: "attemptLimit",
    schema: integerText(0, 100),
    fallback: 1,
    expected: "an integer from 0 to 100",
  },
  debug: {
    env: "OPENCODE_SESSION_FALLBACK_DEBUG",
    option: "debug",
    schema: booleanText,
    fallback: false,
    expected: "true/false, 1/0, yes/no or on/off",
  },
  debugLog: {
    env: "OPENCODE_SESSION_FALLBACK_DEBUG_LOG",
    option: "debugLog",
    schema: nonEmptyPath,
    fallback: "log/opencode-session-fallback.debug.log",
    expected: "a file path",
  },
  switchAgent: {
    env: "OPENCODE_SESSION_FALLBACK_SWITCH_AGENT",
    option: "switchAgent",
    schema: booleanText,
    fallback: false,
    expected: "true/false, 1/0, yes/no or on/off",
  },
  on: {
    env: "OPENCODE_SESSION_FALLBACK_ON",
    option: "on",
    schema: kindList,
    fallback: ["quota", "auth-pool", "auth"],
    expected: `a comma-separated list of ${FALLBACK_KINDS.join(", ")}`,
  },
  maxWaitMs: {
    env: "OPENCODE_SESSION_FALLBACK_MAX_WAIT_MS",
    option: "maxWaitMs",
    schema: integerText(0, 7 * 24 * 3600 * 1000),
    fallback: 60_000,
    expected: "a number of milliseconds (integer, up to 7 days)",
  },
  cooldownMs: {
    env: "OPENCODE_SESSION_FALLBACK_COOLDOWN_MS",
    option: "cooldownMs",
    schema: integerText(1000, 7 * 24 * 3600 * 1000),
    fallback: 15 * 60 * 1000,
    expected: "a number of milliseconds from 1000 to 7 days",
  },
  stateFile: {
    env: "OPENCODE_SESSION_FALLBACK_STATE_FILE",
    option: "stateFile",
    schema: nonEmptyPath,
    fallback: "",
    expected: "a file path",
  },
  pools: {
    env: "OPENCODE_SESSION_FALLBACK_POOLS",
    option: "pools",
    schema: poolList,
    fallback: {},
    expected: "pools as name=provider,provider/model;name2=… (or an object of arrays in options)",
  },
  paceEnabled: { env: "OPENCODE_SESSION_FALLBACK_PACE", option: "pace", schema: booleanText, fallback: true, expected: "true/false, 1/0, yes/no or on/off" },
  paceHigh: { env: "OPENCODE_SESSION_FALLBACK_PACE_HIGH", option: "paceHigh", schema: signedNumber, fallback: 5, expected: "a number of points from -100 to 100" },
  paceLow: { env: "OPENCODE_SESSION_FALLBACK_PACE_LOW", option: "paceLow", schema: signedNumber, fallback: -5, expected: "a number of points from -100 to 100" },
  paceMode: { env: "OPENCODE_SESSION_FALLBACK_PACE_MODE", option: "paceMode", schema: z.enum(["session", "persist"]), fallback: "session", expected: "session or persist" },
  paceManualTurns: { env: "OPENCODE_SESSION_FALLBACK_PACE_MANUAL_TURNS", option: "paceManualTurns", schema: integerText(0, 1000), fallback: 3, expected: "an integer from 0 to 1000" },
  paceMinIntervalMs: { env: "OPENCODE_SESSION_FALLBACK_PACE_MIN_INTERVAL_MS", option: "paceMinIntervalMs", schema: integerText(0, 7 * 24 * 3600 * 1000), fallback: 30 * 60 * 1000, expected: "a number of milliseconds up to 7 days" },
  routes: { env: "OPENCODE_SESSION_FALLBACK_ROUTES", option: "routes", schema: routeList, fallback: {}, expected: "routes as name=provider/model,provider/model;… (at least two lanes each)" },
  localBudgets: { env: "OPENCODE_SESSION_FALLBACK_LOCAL_BUDGETS", option: "localBudgets", schema: budgetList, fallback: {}, expected: "budgets as provider=5h:tokens,7d:tokens;…" },
  usageTestScenario: { env: "OPENCODE_SESSION_FALLBACK_USAGE_TEST_SCENARIO", option: "usageTestScenario", schema: z.string().trim().regex(/^[a-z0-9_-]+$/), fallback: "", expected: "a scenario name such as anthropic_over_pace" },
  anthropicUsageUrl: { env: "OPENCODE_SESSION_FALLBACK_ANTHROPIC_USAGE_URL", option: "anthropicUsageUrl", schema: httpUrl, fallback: "https://api.anthropic.com", expected: "an http(s) URL" },
  codexUsageUrl: { env: "OPENCODE_SESSION_FALLBACK_CODEX_USAGE_URL", option: "codexUsageUrl", schema: httpUrl, fallback: "https://chatgpt.com", expected: "an http(s) URL" },
  copilotUsageUrl: { env: "OPENCODE_SESSION_FALLBACK_COPILOT_USAGE_URL", option: "copilotUsageUrl", schema: httpUrl, fallback: "https://api.github.com", expected: "an http(s) URL" },
  runWaitMs: {
    env: "OPENCODE_SESSION_FALLBACK_RUN_WAIT_MS",
    option: "runWaitMs",
    schema: integerText(1000, 24 * 3600 * 1000),
    fallback: 30 * 60 * 1000,
    expected: "a number of milliseconds from 1000 to 24 hours",
  },
  apiTimeoutMs: {
    env: "OPENCODE_SESSION_FALLBACK_API_TIMEOUT_MS",
    option: "apiTimeoutMs",
    schema: integerText(100, 600_000),
    fallback: 10_000,
    expected: "a number of milliseconds from 100 to 600000",
  },
} satisfies Record<string, SettingSpec<unknown>>;

/** Where each setting's value came from, for the debug log. */
export type SettingSource = "env" | "option" | "default";

/** What {@link loadSettings} returns: the settings and one warning per bad value it replaced by its default. */
export interface LoadedSettings {
  readonly settings: Settings;
  readonly warnings: readonly string[];
  readonly sources: Readonly<Record<keyof typeof SPECS, SettingSource>>;
}

/** The environment variables the plugin reads, for documentation and the `doctor` command. */
export const ENV_VARIABLES: readonly string[] = Object.values(SPECS).map((s) => s.env);

/**
 * Reads the plugin's settings from the environment and the plugin options (`["opencode-session-fallback",
 * { ... }]` in opencode.json). An environment variable wins over the option of the same meaning, so a
 * user can override a project's opencode.json for one run. A bad value never throws: it is replaced by
 * the default and reported in `warnings`, naming the variable and what it expected.
 *
 * @example
 * ```ts
 * const { settings, warnings } = loadSettings(process.env, { attemptLimit: 2 }, "/repo");
 * ```
 */
export function loadSettings(
  givenEnv: Readonly<Record<string, string | undefined>>,
  options: unknown,
  directory: string,
): LoadedSettings {
  const warnings: string[] = [];
  const env = withSeedAliases(givenEnv);
  const opts: Record<string, unknown> =
    options !== null && typeof options === "object" && !Array.isArray(options) ? (options as Record<string, unknown>) : {};
  if (options !== undefined && options !== opts) {
    warnings.push(`plugin options should be an object, got ${describe(options)}; using the defaults`);
  }
  const sources = {} as Record<keyof typeof SPECS, SettingSource>;

  function read<T>(key: keyof typeof SPECS): T {
    const spec = SPECS[key] as unknown as SettingSpec<T>;
    const fromEnv = safeGet(env, spec.env);
    if (fromEnv !== undefined && fromEnv !== "") {
      const parsed = spec.schema.safeParse(fromEnv);
      if (parsed.success) {
        sources[key] = "env";
        return parsed.data;
      }
      warnings.push(
        `${spec.env}=${JSON.stringify(truncate(String(fromEnv)))} is not ${spec.expected}; using ${JSON.stringify(spec.fallback)}`,
      );
    }
    const fromOption = safeGet(opts, spec.option);
    if (fromOption !== undefined) {
      const parsed = spec.schema.safeParse(fromOption);
      if (parsed.success) {
        sources[key] = "option";
        return parsed.data;
      }
      warnings.push(
        `plugin option "${spec.option}" = ${truncate(describe(fromOption))} is not ${spec.expected}; using ${JSON.stringify(spec.fallback)}`,
      );
    }
    sources[key] = "default";
    return spec.fallback;
  }

  const debugLog = read<string>("debugLog");
  const settings: Settings = {
    attemptLimit: read<number>("attemptLimit"),
    debug: read<boolean>("debug"),
    debugLogPath: resolvePath(directory, debugLog),
    switchAgent: read<boolean>("switchAgent"),
    fallbackOn: new Set(read<VerdictKind[]>("on")),
    maxWaitMs: read<number>("maxWaitMs"),
    apiTimeoutMs: read<number>("apiTimeoutMs"),
    runWaitMs: read<number>("runWaitMs"),
    cooldownMs: read<number>("cooldownMs"),
    stateFile: stateFilePath(read<string>("stateFile"), directory, env),
    pools: poolMap(read<Record<string, string[]>>("pools")),
    pace: {
      enabled: read<boolean>("paceEnabled"),
      high: read<number>("paceHigh"),
      low: read<number>("paceLow"),
      mode: read<"session" | "persist">("paceMode"),
      manualTurns: read<number>("paceManualTurns"),
      minIntervalMs: read<number>("paceMinIntervalMs"),
      routes: read<Record<string, string[]>>("routes"),
      localBudgets: read<Record<string, Record<string, number>>>("localBudgets"),
      testScenario: read<string>("usageTestScenario") || undefined,
      urls: { anthropic: read<string>("anthropicUsageUrl"), codex: read<string>("codexUsageUrl"), copilot: read<string>("copilotUsageUrl") },
    },
  };
  for (const key of Object.keys(opts)) {
    if (!Object.values(SPECS).some((s) => s.option === key)) {
      warnings.push(`plugin option "${truncate(key)}" is not known; it is ignored`);
    }
  }
  return { settings, warnings, sources };
}

/**
 * The sibling "usage limits router" read `USAGE_LIMITS_DEBUG`, `USAGE_LIMITS_TEST_MODE` and
 * `USAGE_LIMITS_TEST_SCENARIO`; they are accepted as aliases, the plugin's own names winning.
 */
function withSeedAliases(env: Readonly<Record<string, string | undefined>>): Readonly<Record<string, string | undefined>> {
  const debug = env.USAGE_LIMITS_DEBUG;
  const testMode = env.USAGE_LIMITS_TEST_MODE;
  const scenario = env.USAGE_LIMITS_TEST_SCENARIO;
  if (debug === undefined && testMode === undefined && scenario === undefined) return env;
  const out: Record<string, string | undefined> = { ...env };
  if (debug !== undefined && out.OPENCODE_SESSION_FALLBACK_DEBUG === undefined) out.OPENCODE_SESSION_FALLBACK_DEBUG = debug;
  if (out.OPENCODE_SESSION_FALLBACK_USAGE_TEST_SCENARIO === undefined && scenario !== undefined && (testMode === undefined || /^(1|true|yes|on)$/i.test(testMode))) {
    out.OPENCODE_SESSION_FALLBACK_USAGE_TEST_SCENARIO = scenario;
  }
  return out;
}

function stateFilePath(configured: string, directory: string, env: Readonly<Record<string, string | undefined>>): string {
  return configured ? resolvePath(directory, configured) : defaultStateFile(env);
}

function poolMap(pools: Record<string, string[]>): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  for (const [name, members] of Object.entries(pools)) for (const member of members) map.set(member, name);
  return map;
}

function resolvePath(directory: string, file: string): string {
  return path.isAbsolute(file) ? file : path.resolve(directory, file);
}

function safeGet(record: Readonly<Record<string, unknown>>, key: string): unknown {
  try {
    return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
  } catch {
    return undefined;
  }
}

function describe(value: unknown): string {
  try {
    return typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * The default state file, in OpenCode's data folder: `$XDG_DATA_HOME/opencode/`, else
 * `~/.local/share/opencode/`.
 */
export function defaultStateFile(env: Readonly<Record<string, string | undefined>>, home: string = env.HOME || os.homedir()): string {
  const data = env.XDG_DATA_HOME || path.join(home, ".local", "share");
  return path.join(data, "opencode", "opencode-session-fallback", "lanes.json");
}

import { z } from "zod";
import { defaultStateFile } from "./lane-store";
import type { VerdictKind } from "./verdict";

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
  /** How long a lane that failed without announcing a reset is avoided. */
  readonly cooldownMs: number;
  /** Absolute path of the lane state file, shared by every OpenCode process of the user. */
  readonly stateFile: string;
  /**
   * Declared pools: `provider` or `provider/model` → pool name. Lanes of one pool share a quota, so a
   * fallback never goes from one to another. Undeclared lanes form one pool per provider ID.
   */
  readonly pools: ReadonlyMap<string, string>;
}

/** One variable or option the plugin reads. */
interface SettingSpec<T> {
  readonly env: string;
  readonly option: string;
  readonly schema: z.ZodType<T>;
  readonly fallback: T;
  readonly expected: string;
}

const FALLBACK_KINDS = ["quota", "auth-pool", "auth", "rate-limit", "overload"] as const;

const booleanText = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(["1", "true", "yes", "on", "0", "false", "no", "off"]))
    .transform((v) => v === "1" || v === "true" || v === "yes" || v === "on"),
]);

const integerText = (min: number, max: number) =>
  z.union([
    z.number().int().min(min).max(max),
    z
      .string()
      .trim()
      .regex(/^\d+$/)
      .transform(Number)
      .pipe(z.number().int().min(min).max(max)),
  ]);

const kindList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim().toLowerCase()).filter(Boolean))
  .pipe(z.array(z.enum(FALLBACK_KINDS)));

const nonEmptyPath = z.string().trim().min(1).max(4096);

const poolMember = z.string().trim().regex(/^[^\s/=;,]+(\/[^\s=;,]+)?$/, "provider or provider/model");
const poolName = z.string().trim().regex(/^[\w.-]+$/, "letters, digits, _ . -");
/** `name=provider,provider/model;name2=…`, or an object `{ name: ["provider", "provider/model"] }`. */
const poolList = z
  .union([
    z.string().transform((text, ctx) => {
      const pools: Record<string, string[]> = {};
      for (const chunk of text.split(";").map((c) => c.trim()).filter(Boolean)) {
        const [name, members, ...rest] = chunk.split("=");
        if (!name || members === undefined || rest.length > 0) {
          ctx.addIssue({ code: "custom", message: `"${chunk}" is not name=member,member` });
          return z.NEVER;
        }
        pools[name.trim()] = members.split(",").map((m) => m.trim()).filter(Boolean);
      }
      return pools;
    }),
    z.record(z.string(), z.array(z.string())),
  ])
  .pipe(z.record(poolName, z.array(poolMember).min(1)));

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
  env: Readonly<Record<string, string | undefined>>,
  options: unknown,
  directory: string,
): LoadedSettings {
  const warnings: string[] = [];
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
    cooldownMs: read<number>("cooldownMs"),
    stateFile: stateFilePath(read<string>("stateFile"), directory, env),
    pools: poolMap(read<Record<string, string[]>>("pools")),
  };
  for (const key of Object.keys(opts)) {
    if (!Object.values(SPECS).some((s) => s.option === key)) {
      warnings.push(`plugin option "${truncate(key)}" is not known; it is ignored`);
    }
  }
  return { settings, warnings, sources };
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
  if (file.startsWith("/") || /^[A-Za-z]:[\\/]/.test(file)) return file;
  const base = directory.endsWith("/") ? directory.slice(0, -1) : directory;
  return `${base}/${file}`;
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

/**
 * What `doctor` reads of OpenCode's own config (issue 13): the config files OpenCode 1.18.33 loads, in
 * its order, their `agent` / `mode` entries (with `fallback_agent`, also under `options`), whether the
 * plugin is listed in any of them, what OpenCode's package cache holds of it, and the models the
 * configured providers declare.
 */
import * as path from "node:path";
import { stripFallbackKeys } from "../agents/config-agents";
import type { AgentDefinition } from "../agents/agent-files";
import type { ListingFileSystem } from "../agents/list-agents";
import { parseJsonc } from "../support/jsonc";

/** The plugin's package name, as a `plugin` entry names it. */
export const PACKAGE_NAME = "opencode-session-fallback";

/** One config file OpenCode reads, parsed. */
export interface ConfigFile {
  /** The file, or `OPENCODE_CONFIG_CONTENT`. */
  readonly file: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The file reads this module needs. */
export interface ConfigFileSystem extends ListingFileSystem {
  readFile(file: string): string;
}

/**
 * The config files OpenCode reads, lowest precedence first: the global folder (`config.json`,
 * `opencode.json`, `opencode.jsonc`), `OPENCODE_CONFIG`, the project's `opencode.json(c)` from the
 * worktree down to the project folder, the `.opencode` folders' `opencode.json(c)`, then
 * `OPENCODE_CONFIG_CONTENT`. A file that is not JSON(C) is reported and skipped.
 */
export function opencodeConfigs(input: {
  readonly directory: string;
  readonly worktree?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home?: string;
  readonly fs: ConfigFileSystem;
}): { readonly files: readonly ConfigFile[]; readonly problems: readonly { readonly file: string; readonly message: string }[] } {
  const { env, fs } = input;
  const home = input.home ?? env.HOME ?? "";
  const globalDir = path.join(env.XDG_CONFIG_HOME || path.join(home, ".config"), "opencode");
  const candidates: string[] = ["config.json", "opencode.json", "opencode.jsonc"].map((n) => path.join(globalDir, n));
  if (env.OPENCODE_CONFIG) candidates.push(path.resolve(input.directory, env.OPENCODE_CONFIG));
  const top = path.resolve(input.worktree ?? input.directory);
  const chain: string[] = [];
  for (let dir = path.resolve(input.directory); ; dir = path.dirname(dir)) {
    chain.unshift(dir);
    if (dir === top || path.dirname(dir) === dir || chain.length > 64) break;
  }
  for (const dir of chain) for (const n of ["opencode.json", "opencode.jsonc"]) candidates.push(path.join(dir, n));
  for (const dir of chain) for (const n of ["opencode.json", "opencode.jsonc"]) candidates.push(path.join(dir, ".opencode", n));
  if (env.OPENCODE_CONFIG_DIR) for (const n of ["opencode.json", "opencode.jsonc"]) candidates.push(path.join(env.OPENCODE_CONFIG_DIR, n));

  const files: ConfigFile[] = [];
  const problems: { file: string; message: string }[] = [];
  const seen = new Set<string>();
  const take = (file: string, text: string) => {
    const data = parseJsonc(text);
    if (data === undefined) problems.push({ file, message: `${file} is not valid JSON or JSONC: OpenCode refuses it too; fix it` });
    else files.push({ file, data });
  };
  for (const file of candidates) {
    if (seen.has(file)) continue;
    seen.add(file);
    let exists = false;
    try {
      exists = fs.stat(file)?.isFile === true;
    } catch {
      exists = false;
    }
    if (!exists) continue;
    try {
      take(file, fs.readFile(file));
    } catch (error) {
      problems.push({ file, message: `${file} cannot be read (${error instanceof Error ? error.message.split("\n")[0] : String(error)})` });
    }
  }
  if (env.OPENCODE_CONFIG_CONTENT) take("OPENCODE_CONFIG_CONTENT", env.OPENCODE_CONFIG_CONTENT);
  return { files, problems };
}

/** The agents the configs declare (the `agent` and `mode` keys), a later file overriding an earlier one. */
export function configAgents(files: readonly ConfigFile[]): Map<string, AgentDefinition> {
  const out = new Map<string, AgentDefinition>();
  for (const { file, data } of files) {
    // stripFallbackKeys works in place: give it a copy.
    const copy = JSON.parse(JSON.stringify({ agent: data.agent, mode: data.mode })) as unknown;
    for (const [name, agent] of stripFallbackKeys(copy)) {
      const before = out.get(name);
      out.set(name, {
        ...before,
        ...agent,
        file,
        ...(agent.model === undefined && before?.model !== undefined ? { model: before.model } : {}),
        ...(agent.fallbackAgent === undefined && before?.fallbackAgent !== undefined ? { fallbackAgent: before.fallbackAgent } : {}),
      });
    }
  }
  return out;
}

/** A `plugin` entry that loads this package: its name (with or without a version), or a path or URL to it. */
export function namesThisPlugin(entry: unknown): string | undefined {
  const spec = Array.isArray(entry) ? entry[0] : entry;
  if (typeof spec !== "string") return undefined;
  const s = spec.trim();
  if (s === PACKAGE_NAME || s.startsWith(`${PACKAGE_NAME}@`)) return s;
  if (/^(?:file:|\.{0,2}\/)/.test(s) && s.includes(PACKAGE_NAME)) return s;
  return undefined;
}

/** The first config whose `plugin` list loads this package, and the entry. */
export function pluginListing(files: readonly ConfigFile[]): { readonly file: string; readonly spec: string } | undefined {
  let found: { file: string; spec: string } | undefined;
  for (const { file, data } of files) {
    const list = data.plugin;
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      const spec = namesThisPlugin(entry);
      if (spec !== undefined) found ??= { file, spec };
    }
  }
  return found;
}

/**
 * What OpenCode's package cache (`$XDG_CACHE_HOME/opencode/packages/<spec>/`) holds of this package: each
 * folder and the version in it (`undefined` when the folder has no loadable copy).
 */
export function cachedInstalls(env: Readonly<Record<string, string | undefined>>, home: string, fs: ConfigFileSystem): { folder: string; version?: string }[] {
  const packages = path.join(env.XDG_CACHE_HOME || path.join(home, ".cache"), "opencode", "packages");
  let names: readonly string[] = [];
  try {
    names = fs.readdir(packages);
  } catch {
    names = [];
  }
  const out: { folder: string; version?: string }[] = [];
  for (const name of names) {
    if (name !== PACKAGE_NAME && !name.startsWith(`${PACKAGE_NAME}@`)) continue;
    const folder = path.join(packages, name);
    let version: string | undefined;
    try {
      const pkg = parseJsonc(fs.readFile(path.join(folder, "node_modules", PACKAGE_NAME, "package.json")));
      const main = path.join(folder, "node_modules", PACKAGE_NAME, "dist", "index.js");
      if (typeof pkg?.version === "string" && fs.stat(main)?.isFile) version = pkg.version;
    } catch {
      version = undefined;
    }
    out.push({ folder, ...(version !== undefined ? { version } : {}) });
  }
  return out;
}

/**
 * Whether the configs say which models a provider has: `false` when a config declares the provider's
 * `models` (or a `whitelist`) and `modelID` is not among them; `undefined` when no config says.
 */
export function configDeclaresModel(files: readonly ConfigFile[], providerID: string, modelID: string): { readonly declared: boolean; readonly file: string } | undefined {
  let answer: { declared: boolean; file: string } | undefined;
  for (const { file, data } of files) {
    const provider = (data.provider as Record<string, unknown> | undefined)?.[providerID];
    if (typeof provider !== "object" || provider === null) continue;
    const models = (provider as { models?: unknown }).models;
    const whitelist = (provider as { whitelist?: unknown }).whitelist;
    if (Array.isArray(whitelist)) answer = { declared: whitelist.includes(modelID), file };
    else if (typeof models === "object" && models !== null) answer = { declared: answer?.declared === true || Object.hasOwn(models, modelID), file };
  }
  return answer;
}

/** What `doctor` says of the plugin's listing in the configs and of OpenCode's package cache. */
export function pluginFindings(
  files: readonly ConfigFile[],
  env: Readonly<Record<string, string | undefined>>,
  home: string,
  fs: ConfigFileSystem,
): Array<{ readonly level: "warning" | "note"; readonly file?: string; readonly message: string }> {
  const listed = pluginListing(files);
  if (!listed) {
    return [
      {
        level: "warning",
        message: `${PACKAGE_NAME} is in the "plugin" list of none of the config files OpenCode reads (${files.map((f) => f.file).join(", ") || "none found"}): add "plugin": ["${PACKAGE_NAME}"] to opencode.json (or run "opencode plugin ${PACKAGE_NAME}"), or OpenCode never loads it`,
      },
    ];
  }
  // OpenCode 1.18.33 skips a bare tarball URL without a word (tried); `name@file:<path>` installs it.
  if (/^file:/.test(listed.spec) && /\.(?:tgz|tar\.gz)$/i.test(listed.spec)) {
    return [
      {
        level: "warning",
        file: listed.file,
        message: `${listed.file} lists the tarball ${JSON.stringify(listed.spec)} as a file URL, which OpenCode skips without a word: write it as "${PACKAGE_NAME}@file:${listed.spec.replace(/^file:(?:\/\/)?/, "")}"`,
      },
    ];
  }
  // A local build or a tarball is loaded from where it is: no cache copy to check.
  if (/^(?:file:|\.{0,2}\/)/.test(listed.spec) || listed.spec.includes("@file:")) return [];
  const installs = cachedInstalls(env, home, fs);
  const loadable = installs.filter((i) => i.version !== undefined);
  if (loadable.length === 0) {
    return [
      {
        level: "warning",
        file: listed.file,
        message: `${listed.file} lists ${JSON.stringify(listed.spec)}, but OpenCode's package cache holds no loadable copy of it${installs.length > 0 ? ` (${installs.map((i) => i.folder).join(", ")} is incomplete: delete it)` : ""}: OpenCode installs it at its next start; if this stays, the install failed and OpenCode skips the plugin silently (start it with --print-logs --log-level INFO to see why)`,
      },
    ];
  }
  return loadable.map((i) => ({
    level: "note" as const,
    file: i.folder,
    message: `OpenCode loads ${PACKAGE_NAME} ${i.version} from ${i.folder}; it never upgrades that copy: to upgrade, delete that folder or pin a version in the plugin entry (${JSON.stringify(`${PACKAGE_NAME}@<version>`)})`,
  }));
}

import * as path from "node:path";
import { readBoundedSync, TooLargeError } from "../support/safe-files";
import { MAX_AGENT_FILE_BYTES, agentConfigDirs, isValidAgentName, parseAgentMarkdown, type AgentDefinition } from "../agents/agent-files";
import { readStateSync, refusedWarning } from "../lanes/lane-store";
import { declaredPool } from "../lanes/lane-health";
import { listAgents, nodeListingFileSystem, type ListedAgent, type ListingFileSystem } from "../agents/list-agents";
import { parseModelRef } from "../host/model-ref";
import { configAgents, configDeclaresModel, opencodeConfigs, pluginFindings } from "./doctor-config";
import { loadSettings } from "../settings/settings";

/** One thing `doctor` found: what is wrong and what to do about it. */
export interface Finding {
  /**
   * `error`: a fallback will not happen as declared; `warning`: it may not help, or something was skipped;
   * `note`: how the plugin will decide, where a user might expect otherwise.
   */
  readonly level: "error" | "warning" | "note";
  /** The agent it concerns, when it concerns one. */
  readonly agent?: string;
  /** The file it concerns, when it concerns one. */
  readonly file?: string;
  readonly message: string;
}

/** One agent as the plugin would see it (shadowed files are left out: nothing reads them). */
export interface AgentRow {
  readonly name: string;
  readonly file: string;
  /** `model:` as written. */
  readonly model?: string;
  /** `fallback_agent:` as written. */
  readonly fallback?: string;
  /**
   * The agents met following `fallback_agent` from this one, itself first: `["a", "b", "c"]`. It stops at
   * an agent without a usable `fallback_agent`, or repeats the first agent met twice (`["a", "b", "a"]`).
   */
  readonly chain: readonly string[];
}

/** What {@link runDoctor} returns. */
export interface DoctorReport {
  readonly findings: readonly Finding[];
  readonly agents: readonly AgentRow[];
}

/** The synchronous file reads `doctor` needs; tests pass a plain object. */
export interface DoctorFileSystem extends ListingFileSystem {
  readFile(file: string): string;
}

/** The real file system. */
export const nodeDoctorFileSystem: DoctorFileSystem = { ...nodeListingFileSystem, readFile: (file) => readBoundedSync(file, MAX_AGENT_FILE_BYTES) };

/** Where to look, as the plugin would: the project folder, its worktree, the environment and home. */
export interface DoctorInput {
  /** The project folder (OpenCode's `directory`). */
  readonly directory: string;
  /** The worktree; by default the nearest folder above `directory` holding `.git`, as OpenCode finds it. */
  readonly worktree?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The home folder; by default `$HOME`. Also the base of the default lane state file. */
  readonly home?: string;
  readonly fs?: DoctorFileSystem;
  /** The time the state file is judged at; by default now. */
  readonly now?: number;
}

type Parsed = { readonly ok: true; readonly agent: AgentDefinition } | { readonly ok: false; readonly message: string };

/**
 * Checks the fallback setup the plugin would run with, without running OpenCode: every agent file in
 * every folder OpenCode reads parses (`---js` is refused), every `fallback_agent` names a valid, existing
 * agent with a `provider/model` model, no chain of fallbacks loops, a fallback's pool is explained, every `OPENCODE_SESSION_FALLBACK_*` variable is valid, and the
 * lane state file is ours and readable. Synchronous, read-only, and never throws.
 *
 * Agents of opencode.json / opencode.jsonc (the `agent` and `mode` keys, `fallback_agent` also under
 * `options`, project and global) are read as the plugin reads them; the plugin's listing in those files and
 * OpenCode's package cache are checked, and a fallback model that a config's provider does not declare.
 *
 * @example
 * ```ts
 * const { findings, agents } = runDoctor({ directory: process.cwd(), env: process.env });
 * const failed = findings.some((f) => f.level === "error");
 * ```
 */
export function runDoctor(input: DoctorInput): DoctorReport {
  const fs = input.fs ?? nodeDoctorFileSystem;
  const findings: Finding[] = [];
  const error = (message: string, at: { agent?: string; file?: string } = {}) => findings.push({ level: "error", ...at, message });
  const warning = (message: string, at: { agent?: string; file?: string } = {}) => findings.push({ level: "warning", ...at, message });
  const note = (message: string, at: { agent?: string; file?: string } = {}) => findings.push({ level: "note", ...at, message });

  const worktree = input.worktree ?? findWorktree(input.directory, fs);
  const configDirs = agentConfigDirs({
    directory: input.directory,
    env: input.env,
    ...(worktree !== undefined ? { worktree } : {}),
    ...(input.home !== undefined ? { home: input.home } : {}),
  });
  const env = input.home !== undefined ? { ...input.env, HOME: input.home } : input.env;
  const { settings, warnings } = loadSettings(env, undefined, input.directory);

  // 1. The files: agent markdown, and the config files OpenCode reads (their `agent` / `mode` keys).
  const listing = listAgents(configDirs, fs);
  for (const problem of listing.problems) warning(problem.message, { file: problem.path });
  const effective = listing.agents.filter((a) => a.shadowedBy === undefined);
  const configs = opencodeConfigs({ directory: input.directory, env, fs, ...(worktree !== undefined ? { worktree } : {}), ...(input.home !== undefined ? { home: input.home } : {}) });
  for (const problem of configs.problems) warning(problem.message, { file: problem.file });
  const fromConfig = configAgents(configs.files);
  const markdownNames = new Set(effective.map((e) => e.name));
  const parsed = new Map<ListedAgent, Parsed>();
  for (const entry of effective) {
    const result = readAgent(entry, fs);
    parsed.set(entry, result);
    if (!result.ok) error(result.message, { agent: entry.name, file: entry.file });
    if (!isValidAgentName(entry.name)) {
      warning(
        `agent file ${entry.file} gives the name ${JSON.stringify(entry.name)}, which the plugin refuses (names may not start with "." or end with "." or a space): no fallback_agent can name it and its own fallback_agent is never used; rename the file`,
        { agent: entry.name, file: entry.file },
      );
    }
  }
  // An agent of opencode.json without a markdown file of its name: the plugin reads it from the config (markdown wins).
  for (const [name, agent] of fromConfig) {
    if (markdownNames.has(name)) continue;
    const entry: ListedAgent = { name, file: agent.file, folder: path.dirname(agent.file) };
    effective.push(entry);
    parsed.set(entry, { ok: true, agent });
  }
  const byName = new Map<string, { entry: ListedAgent; parsed: Parsed }>();
  for (const entry of effective) {
    if (isValidAgentName(entry.name)) byName.set(entry.name, { entry, parsed: parsed.get(entry) as Parsed });
  }

  // 2. Each fallback_agent and its target.
  for (const entry of effective) {
    const source = parsed.get(entry);
    if (!source?.ok || source.agent.fallbackAgent === undefined) continue;
    const at = { agent: entry.name, file: entry.file };
    const targetName = source.agent.fallbackAgent;
    const label = `agent "${entry.name}" (${entry.file}) has fallback_agent ${JSON.stringify(targetName)}`;
    if (targetName === entry.name) continue; // A loop of one: reported with the loops below.
    if (!isValidAgentName(targetName)) {
      error(`${label}, which is not a valid agent name (no "..", absolute paths, "\\" or empty segments): name an agent by its file's path under agent/ without ".md"`, at);
      continue;
    }
    const target = byName.get(targetName);
    if (!target) {
      error(
        `${label}, but no agent of that name is in the folders OpenCode reads (${configDirs.join(", ")}) or in the "agent" key of its config files (${configs.files.map((f) => f.file).join(", ") || "none found"}): create ${path.join(entry.folder, "agent", `${targetName}.md`)} with a "model: provider/model" line, or fix the name`,
        at,
      );
      continue;
    }
    if (!target.parsed.ok) {
      error(`${label}, whose file ${target.entry.file} cannot be used (see its own error): fix that file`, at);
      continue;
    }
    const targetModel = target.parsed.agent.model;
    if (targetModel === undefined) {
      error(`${label}, which declares no model: add "model: provider/model" to the frontmatter of ${target.entry.file}`, { agent: targetName, file: target.entry.file });
      continue;
    }
    const to = parseModelRef(targetModel);
    if (!to) {
      error(
        `${label}, whose model ${JSON.stringify(targetModel)} is not of the form provider/model: write it as OpenCode names it (opencode models), e.g. "openrouter/anthropic/claude-sonnet-4.5"`,
        { agent: targetName, file: target.entry.file },
      );
      continue;
    }
    const known = configDeclaresModel(configs.files, to.providerID, to.modelID);
    if (known && !known.declared) {
      error(
        `${label}, whose model ${targetModel} is not among the models ${known.file} declares for provider "${to.providerID}": the fallback would fail when it is needed; add the model there or pick one it lists`,
        { agent: targetName, file: target.entry.file },
      );
    }
    const from = source.agent.model === undefined ? undefined : parseModelRef(source.agent.model);
    if (from) {
      const lanes = `agent "${entry.name}" (${source.agent.model}) falls back to "${targetName}" (${targetModel})`;
      const pool = declaredPool(from, settings.pools);
      if (pool !== undefined && pool === declaredPool(to, settings.pools)) {
        note(
          `${lanes} in the same pool "${pool}" (OPENCODE_SESSION_FALLBACK_POOLS): when ${source.agent.model} fails, the plugin tries the lanes of the chain outside that pool first, and this one only when no other is left`,
          at,
        );
      } else if (pool === undefined && from.providerID === to.providerID && from.modelID !== to.modelID) {
        note(
          `${lanes} on the same provider ID: the plugin uses it as declared (a proxy's accounts, Copilot's models and Gemini's per-model quotas are separate). Only an error that says the whole account is out (an empty balance, a refused key) makes it try lanes of other providers first; declare OPENCODE_SESSION_FALLBACK_POOLS if these models share one quota`,
          at,
        );
      }
    }
  }

  // 3. Chains: following fallback_agent never comes back to an agent.
  const chains = new Map<ListedAgent, string[]>();
  const loops = new Set<string>();
  for (const entry of effective) {
    const chain = [entry.name];
    const seen = new Set(chain);
    let current = byName.get(entry.name);
    while (current?.parsed.ok && current.parsed.agent.fallbackAgent !== undefined) {
      const next = current.parsed.agent.fallbackAgent;
      chain.push(next);
      if (seen.has(next)) {
        const loop = chain.slice(chain.indexOf(next));
        const key = [...new Set(loop)].sort().join("\n");
        if (!loops.has(key)) {
          loops.add(key);
          error(
            `fallback chain loops: ${loop.join(" -> ")}; when every lane in it is out, a failure is sent back to a lane that already failed: end the chain on an agent without fallback_agent`,
            { agent: next, file: byName.get(next)?.entry.file ?? entry.file },
          );
        }
        break;
      }
      seen.add(next);
      current = isValidAgentName(next) ? byName.get(next) : undefined;
    }
    chains.set(entry, chain);
  }

  // 4. Is the plugin loaded at all? OpenCode skips a plugin it cannot install or load without a word.
  findings.push(...pluginFindings(configs.files, env, input.home ?? env.HOME ?? "", fs));

  // 5. The environment.
  for (const w of warnings) error(`${w}: fix the value or unset the variable`);

  // 6. The lane state file.
  const state = readStateSync(settings.stateFile, input.now ?? Date.now());
  if (!state.ok && state.reason !== "missing") {
    const todo =
      state.reason === "foreign"
        ? "point OPENCODE_SESSION_FALLBACK_STATE_FILE at another file, or move this one away"
        : state.reason === "corrupt"
          ? "the lanes it recorded as cooling are forgotten; nothing else to do (delete it to silence this)"
          : "fix its permissions, or point OPENCODE_SESSION_FALLBACK_STATE_FILE at another file";
    warning(`${state.message}: ${todo}`, { file: settings.stateFile });
  }
  const refused = refusedWarning(settings.stateFile, state);
  if (refused) warning(refused, { file: settings.stateFile });

  const agents: AgentRow[] = effective.map((entry) => {
    const p = parsed.get(entry);
    const agent = p?.ok ? p.agent : undefined;
    return {
      name: entry.name,
      file: entry.file,
      ...(agent?.model !== undefined ? { model: agent.model } : {}),
      ...(agent?.fallbackAgent !== undefined ? { fallback: agent.fallbackAgent } : {}),
      chain: chains.get(entry) ?? [entry.name],
    };
  });
  return { findings, agents };
}

/** Reads and parses one agent file as the plugin would: the same size limit, the same parser. */
function readAgent(entry: ListedAgent, fs: DoctorFileSystem): Parsed {
  const { name, file } = entry;
  if (entry.error !== undefined) return { ok: false, message: `agent "${name}" (${file}) cannot be read (${entry.error}): fix or remove the file` };
  let text: string;
  try {
    const stat = fs.stat(file);
    if (stat && stat.size > MAX_AGENT_FILE_BYTES) {
      return { ok: false, message: `agent "${name}" (${file}) is ${stat.size} bytes, over the ${MAX_AGENT_FILE_BYTES}-byte limit, so the plugin refuses it: move long material out of the prompt` };
    }
    text = fs.readFile(file);
  } catch (error) {
    if (error instanceof TooLargeError) {
      return { ok: false, message: `agent "${name}" (${file}) is over the ${MAX_AGENT_FILE_BYTES}-byte limit, so the plugin refuses it: move long material out of the prompt` };
    }
    return { ok: false, message: `agent "${name}" (${file}) cannot be read (${firstLine(error)}): fix its permissions` };
  }
  const result = parseAgentMarkdown(name, file, text);
  if (result.ok) return result;
  const todo =
    result.reason === "broken-frontmatter" && /executable frontmatter/.test(result.message)
      ? "write the frontmatter as YAML between --- lines (---js / ---coffee are never run)"
      : result.reason === "broken-frontmatter"
        ? "fix the YAML between the --- lines"
        : "fix that key in the frontmatter";
  return { ok: false, message: `${result.message}: ${todo}` };
}

/** The nearest folder from `directory` up holding `.git`, as OpenCode finds the worktree; none outside a repository. */
function findWorktree(directory: string, fs: ListingFileSystem): string | undefined {
  let current = path.resolve(directory);
  for (let depth = 0; depth < 64; depth++) {
    try {
      if (fs.stat(path.join(current, ".git"))) return current;
    } catch {
      // An unreadable .git is no worktree marker; keep climbing.
    }
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
  return undefined;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n")[0] ?? "").slice(0, 300);
}

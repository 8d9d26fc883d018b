import { readBounded, TooLargeError } from "../support/safe-files";
import { promises as fsp } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import matter from "gray-matter";
import { z } from "zod";

/** An agent as its markdown file declares it: the parts the plugin needs. */
export interface AgentDefinition {
  /** The agent's name (`a/b` for `agent/a/b.md`). */
  readonly name: string;
  /** The file it was read from, or `opencode.json` for an agent of the config's `agent` key. */
  readonly file: string;
  /** `model:` as written (`provider/model`), when present. */
  readonly model?: string;
  /** `fallback_agent:` when present. */
  readonly fallbackAgent?: string;
  /** The markdown body: the agent's prompt. */
  readonly prompt: string;
}

/** Why an agent could not be read. */
export type AgentLookupFailure =
  | "invalid-name"
  | "not-found"
  | "unreadable"
  | "too-large"
  | "broken-frontmatter"
  | "invalid-frontmatter";

/** The result of looking an agent up: found, or a reason with a message a user can act on. */
export type AgentLookup =
  | { readonly ok: true; readonly agent: AgentDefinition }
  | { readonly ok: false; readonly reason: AgentLookupFailure; readonly message: string; readonly file?: string };

/** The file reads the lookup needs; tests pass a plain object. */
export interface FileSystemPort {
  /** `undefined` when nothing is at `file`; throws for other failures (permissions, loops). */
  stat(file: string): Promise<{ readonly mtimeMs: number; readonly size: number; readonly isFile: boolean } | undefined>;
  readFile(file: string): Promise<string>;
}

/** The real file system. */
export const nodeFileSystem: FileSystemPort = {
  async stat(file) {
    try {
      const s = await fsp.stat(file);
      return { mtimeMs: s.mtimeMs, size: s.size, isFile: s.isFile() };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw error;
    }
  },
  // At most the limit plus one byte, regular files only (fstat on the open descriptor): see safe-files.
  readFile: (file) => readBounded(file, MAX_AGENT_FILE_BYTES),
};

/**
 * The most YAML aliases (`*name`) an agent's frontmatter may use. An agent needs none; a "billion laughs"
 * needs a few dozen (9 levels of 9) and expands into 9^9 values for whatever walks it (OpenCode's own
 * config loader, a serializer), so the file is refused before it is parsed.
 */
export const MAX_YAML_ALIASES = 32;

/** Alias references in the frontmatter block (between the first two `---` lines) of `text`. */
function countYamlAliases(text: string): number {
  const match = /^---[^\n]*\n([\s\S]*?)\n---/.exec(text);
  if (!match) return 0;
  return (match[1]!.match(/(?:^|[\s[{,:-])\*[^\s,\]}*]+/g) ?? []).length;
}

/** Agent files larger than this are refused: an agent prompt is text, not a data dump (and a YAML bomb stays small). */
export const MAX_AGENT_FILE_BYTES = 256 * 1024;

/** One path segment of an agent name: letters, digits, `_`, `.`, `-`, space; never starting with `.`. */
const NAME_SEGMENT = /^[\p{L}\p{N}_][\p{L}\p{N}_. -]*$/u;

/**
 * Whether `name` is a name an agent can have. Names come from frontmatter, which is untrusted: `../x`,
 * absolute paths, backslashes and empty segments would reach files outside the agent folders.
 */
export function isValidAgentName(name: string): boolean {
  if (name.length === 0 || name.length > 200) return false;
  return name.split("/").every((segment) => NAME_SEGMENT.test(segment) && !segment.endsWith(" ") && !segment.endsWith("."));
}

/**
 * The config folders OpenCode reads agents from, most specific first: `$OPENCODE_CONFIG_DIR`, every
 * `.opencode/` from the project directory up to the worktree, `~/.opencode`, and the global config folder
 * (`$XDG_CONFIG_HOME/opencode`, else `~/.config/opencode`).
 */
export function agentConfigDirs(input: {
  readonly directory: string;
  readonly worktree?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home?: string;
}): string[] {
  const dirs: string[] = [];
  const add = (dir: string | undefined) => {
    if (dir && !dirs.includes(dir)) dirs.push(dir);
  };
  add(input.env.OPENCODE_CONFIG_DIR ? path.resolve(input.env.OPENCODE_CONFIG_DIR) : undefined);
  const start = path.resolve(input.directory);
  const stop = input.worktree && input.worktree !== "/" ? path.resolve(input.worktree) : start;
  let current = start;
  for (let depth = 0; depth < 64; depth++) {
    add(path.join(current, ".opencode"));
    if (current === stop) break;
    const parent = path.dirname(current);
    if (parent === current || !isInside(stop, parent)) break;
    current = parent;
  }
  const home = input.home ?? input.env.HOME ?? os.homedir();
  add(path.join(home, ".opencode"));
  add(path.join(input.env.XDG_CONFIG_HOME || path.join(home, ".config"), "opencode"));
  return dirs;
}

/** Sub-folders of a config folder that hold agents; `mode(s)` are flat, `agent(s)` may nest. */
export const AGENT_SUBDIRS = [
  { dir: "agent", nested: true },
  { dir: "agents", nested: true },
  { dir: "mode", nested: false },
  { dir: "modes", nested: false },
] as const;

/** The candidate files for an agent name, in lookup order. Empty for an invalid name. */
export function agentFileCandidates(name: string, configDirs: readonly string[]): string[] {
  if (!isValidAgentName(name)) return [];
  const files: string[] = [];
  for (const configDir of configDirs) {
    for (const sub of AGENT_SUBDIRS) {
      if (!sub.nested && name.includes("/")) continue;
      const root = path.join(configDir, sub.dir);
      const file = path.join(root, ...`${name}.md`.split("/"));
      // Belt and braces: the name check already forbids `..`, but a file outside the folder is never read.
      if (isInside(root, file)) files.push(file);
    }
  }
  return files;
}

const frontmatterSchema = z
  .object({
    model: z.string().trim().min(1).max(300).optional(),
    fallback_agent: z.string().trim().min(1).max(200).optional(),
  })
  .passthrough();

const refuseExecutable = {
  parse(): never {
    throw new Error("executable frontmatter (---js / ---coffee) is refused");
  },
  stringify(): never {
    throw new Error("executable frontmatter is refused");
  },
};

/**
 * Parses an agent markdown file. gray-matter would `eval` a `---js` block: its JavaScript and
 * CoffeeScript engines are replaced by ones that refuse, so frontmatter can never run code.
 */
export function parseAgentMarkdown(name: string, file: string, text: string): AgentLookup {
  const aliases = countYamlAliases(text);
  if (aliases > MAX_YAML_ALIASES) {
    return {
      ok: false,
      reason: "broken-frontmatter",
      file,
      message: `agent "${name}" (${file}) has frontmatter with ${aliases} YAML aliases, over the limit of ${MAX_YAML_ALIASES} (a YAML bomb expands each alias again): write the values out`,
    };
  }
  let parsed: { data: unknown; content: string };
  try {
    // gray-matter's types do not describe the `engines` option; the runtime reads it (lib/defaults.js).
    const options = { engines: { javascript: refuseExecutable, js: refuseExecutable, coffee: refuseExecutable } };
    parsed = (matter as unknown as (input: string, options: object) => { data: unknown; content: string })(text, options);
  } catch (error) {
    return {
      ok: false,
      reason: "broken-frontmatter",
      file,
      message: `agent "${name}" (${file}) has frontmatter that cannot be parsed: ${firstLine(error)}`,
    };
  }
  const data = parsed.data ?? {};
  const checked = frontmatterSchema.safeParse(data);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "frontmatter";
    return {
      ok: false,
      reason: "invalid-frontmatter",
      file,
      message: `agent "${name}" (${file}): ${where} is invalid (${issue?.message ?? "not an object"})`,
    };
  }
  return {
    ok: true,
    agent: {
      name,
      file,
      prompt: parsed.content.trim(),
      ...(checked.data.model !== undefined ? { model: checked.data.model } : {}),
      ...(checked.data.fallback_agent !== undefined ? { fallbackAgent: checked.data.fallback_agent } : {}),
    },
  };
}

interface CacheEntry {
  readonly mtimeMs: number;
  readonly size: number;
  readonly lookup: AgentLookup;
}

/** At most this many parsed files are kept; agent folders hold dozens, not thousands. */
const MAX_CACHED_FILES = 1000;

/**
 * Finds and parses agent markdown files, caching each parsed file until its modification time or size
 * changes, so an edited agent is picked up without restarting OpenCode.
 */
export class AgentFiles {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly configDirs: readonly string[],
    private readonly fs: FileSystemPort = nodeFileSystem,
  ) {}

  /** The folders searched, most specific first. */
  get folders(): readonly string[] {
    return this.configDirs;
  }

  /** Looks an agent up by name in the config folders, most specific first. */
  async lookup(name: string): Promise<AgentLookup> {
    if (!isValidAgentName(name)) {
      return {
        ok: false,
        reason: "invalid-name",
        message: `agent name ${JSON.stringify(name.slice(0, 200))} is refused: names may not be empty, absolute, or contain "..", "\\" or empty segments`,
      };
    }
    for (const file of agentFileCandidates(name, this.configDirs)) {
      let stat: Awaited<ReturnType<FileSystemPort["stat"]>>;
      try {
        stat = await this.fs.stat(file);
      } catch (error) {
        return { ok: false, reason: "unreadable", file, message: `agent "${name}" (${file}) cannot be read: ${firstLine(error)}` };
      }
      if (!stat || !stat.isFile) continue;
      return this.read(name, file, stat);
    }
    return {
      ok: false,
      reason: "not-found",
      message: `agent "${name}" has no markdown file in ${this.configDirs.map((d) => `${d}/{agent,agents,mode,modes}/`).join(", ")}`,
    };
  }

  private async read(name: string, file: string, stat: { mtimeMs: number; size: number }): Promise<AgentLookup> {
    const cached = this.cache.get(file);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.lookup;
    let lookup: AgentLookup;
    if (stat.size > MAX_AGENT_FILE_BYTES) {
      lookup = {
        ok: false,
        reason: "too-large",
        file,
        message: `agent "${name}" (${file}) is ${stat.size} bytes, over the ${MAX_AGENT_FILE_BYTES}-byte limit for agent files`,
      };
    } else {
      try {
        const text = await this.fs.readFile(file);
        lookup = parseAgentMarkdown(name, file, text.length > MAX_AGENT_FILE_BYTES ? text.slice(0, MAX_AGENT_FILE_BYTES) : text);
      } catch (error) {
        if (!(error instanceof TooLargeError)) return { ok: false, reason: "unreadable", file, message: `agent "${name}" (${file}) cannot be read: ${firstLine(error)}` };
        // Its size said it fits (a symlink to /proc/kallsyms says 0): the read stopped at the limit.
        lookup = { ok: false, reason: "too-large", file, message: `agent "${name}" (${file}) is over the ${MAX_AGENT_FILE_BYTES}-byte limit for agent files (its size said ${stat.size}; the read stopped at the limit)` };
      }
    }
    if (this.cache.size >= MAX_CACHED_FILES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, lookup });
    return lookup;
  }
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n")[0] ?? "").slice(0, 300);
}

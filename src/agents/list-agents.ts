import { readdirSync, realpathSync, statSync } from "node:fs";
import * as path from "node:path";
import { AGENT_SUBDIRS } from "./agent-files";

/** One agent markdown file found in a config folder. */
export interface ListedAgent {
  /** The agent's name: the file's path under `agent/` or `agents/` without `.md` (`team/reviewer`). */
  readonly name: string;
  /** The markdown file. */
  readonly file: string;
  /** The config folder it was found in (`/repo/.opencode`, `~/.config/opencode`). */
  readonly folder: string;
  /**
   * The file that wins for this name when a more specific folder (or an earlier sub-folder of the same
   * folder) has one too. OpenCode and the plugin never read a shadowed file.
   */
  readonly shadowedBy?: string;
  /** Why the entry could not be examined (a symlink loop, permissions); the name then has no usable file. */
  readonly error?: string;
}

/** Something the listing could not look at, or stopped at. */
export interface ListingProblem {
  /**
   * - `unreadable`: a folder or entry could not be read (permissions, I/O);
   * - `revisited`: a folder that leads back to one already listed (a symlink loop, or a second link);
   * - `depth-cap` / `file-cap`: the listing stopped at {@link MAX_LISTING_DEPTH} / {@link MAX_LISTED_FILES};
   * - `not-a-folder`: `agent`, `agents`, `mode` or `modes` exists but is not a folder.
   */
  readonly kind: "unreadable" | "revisited" | "depth-cap" | "file-cap" | "not-a-folder";
  readonly path: string;
  readonly message: string;
}

/** Every agent file of the config folders, in lookup order, and what could not be listed. */
export interface AgentListing {
  /** Lookup order: most specific folder first; within one, `agent/`, `agents/`, `mode/`, `modes/`; then by name. */
  readonly agents: readonly ListedAgent[];
  readonly problems: readonly ListingProblem[];
  /** Whether a cap stopped the listing (the list is then incomplete). */
  readonly capped: boolean;
}

/** The synchronous file reads the listing needs; tests pass a plain object. */
export interface ListingFileSystem {
  /** Entry names of a folder; throws when it cannot be read. */
  readdir(dir: string): readonly string[];
  /** Follows symlinks; `undefined` when nothing is there (or a dangling link); throws for loops and permissions. */
  stat(file: string): { readonly isFile: boolean; readonly isDirectory: boolean; readonly size: number } | undefined;
  /** The real path (symlinks resolved); throws for loops and permissions. */
  realpath(file: string): string;
}

/** The real file system. */
export const nodeListingFileSystem: ListingFileSystem = {
  readdir: (dir) => readdirSync(dir),
  stat(file) {
    try {
      const s = statSync(file);
      return { isFile: s.isFile(), isDirectory: s.isDirectory(), size: s.size };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw error;
    }
  },
  realpath: (file) => realpathSync(file),
};

/** At most this many agent files are listed: agent folders hold dozens, a misplaced checkout thousands. */
export const MAX_LISTED_FILES = 2000;
/** Folders deeper than this under `agent/` or `agents/` are not entered. */
export const MAX_LISTING_DEPTH = 12;
/** At most this many folder entries (of any kind) are examined, so a huge tree without `.md` files ends too. */
export const MAX_LISTING_ENTRIES = 10 * MAX_LISTED_FILES;


/**
 * Lists every agent markdown file in `configDirs` (most specific first, as `agentConfigDirs` returns
 * them): recursively under `agent/` and `agents/` (nested names like `team/reviewer`), flat under
 * `mode/` and `modes/`, `.md` files only. A name found again in a later folder is listed with
 * `shadowedBy`, the file that wins.
 *
 * Never throws and always ends: folders are tracked by real path, so a symlink loop is entered once and
 * reported (`revisited`); an unreadable folder is reported and skipped; the walk stops at
 * {@link MAX_LISTED_FILES} files, {@link MAX_LISTING_ENTRIES} entries and depth {@link MAX_LISTING_DEPTH},
 * and says so.
 *
 * @example
 * ```ts
 * const { agents, problems } = listAgents(agentConfigDirs({ directory: process.cwd(), env: process.env }));
 * for (const a of agents) console.log(a.name, a.file, a.shadowedBy ? "(shadowed)" : "");
 * ```
 */
export function listAgents(configDirs: readonly string[], fs: ListingFileSystem = nodeListingFileSystem): AgentListing {
  const agents: ListedAgent[] = [];
  const problems: ListingProblem[] = [];
  const winners = new Map<string, string>();
  const visited = new Map<string, string>();
  let files = 0;
  let entries = 0;
  let capped = false;

  const stop = (at: string): boolean => {
    if (files < MAX_LISTED_FILES && entries < MAX_LISTING_ENTRIES) return false;
    if (!capped) {
      capped = true;
      const what = files >= MAX_LISTED_FILES ? `${MAX_LISTED_FILES} agent files` : `${MAX_LISTING_ENTRIES} folder entries`;
      problems.push({ kind: "file-cap", path: at, message: `stopped listing agents at ${what} (at ${at}); files past it are not checked: move what is not an agent out of the agent folders` });
    }
    return true;
  };

  const add = (folder: string, name: string, file: string, error?: string) => {
    files++;
    const winner = winners.get(name);
    if (winner === undefined) winners.set(name, file);
    agents.push({ name, file, folder, ...(winner !== undefined ? { shadowedBy: winner } : {}), ...(error !== undefined ? { error } : {}) });
  };

  const walk = (folder: string, dir: string, nested: boolean, segments: readonly string[]): void => {
    let real: string;
    let names: string[];
    try {
      real = fs.realpath(dir);
      const seen = visited.get(real);
      if (seen !== undefined) {
        problems.push({ kind: "revisited", path: dir, message: `${dir} leads back to ${seen}, which is already listed (a symlink loop or a second link to it); it is skipped` });
        return;
      }
      visited.set(real, dir);
      // By the name each entry gives (`review.md` before `review-backup.md`), so the order reads naturally.
      names = [...fs.readdir(dir)].sort((a, b) => compare(a.replace(/\.md$/, ""), b.replace(/\.md$/, "")) || compare(a, b));
    } catch (error) {
      problems.push({ kind: "unreadable", path: dir, message: `${dir} cannot be read (${firstLine(error)}); agents in it are invisible to OpenCode and the plugin: fix its permissions` });
      return;
    }
    for (const entry of names) {
      if (stop(dir)) return;
      entries++;
      const full = path.join(dir, entry);
      const isMarkdown = entry.endsWith(".md") && entry.length > 3;
      let stat: ReturnType<ListingFileSystem["stat"]>;
      try {
        stat = fs.stat(full);
      } catch (error) {
        // An `.md` entry that cannot be examined still takes its name: the lookup stops at it as unreadable.
        if (isMarkdown) add(folder, [...segments, entry.slice(0, -3)].join("/"), full, firstLine(error));
        else problems.push({ kind: "unreadable", path: full, message: `${full} cannot be read (${firstLine(error)}); it is skipped` });
        continue;
      }
      if (!stat) continue;
      if (stat.isDirectory) {
        if (!nested) continue;
        if (segments.length + 1 > MAX_LISTING_DEPTH) {
          problems.push({ kind: "depth-cap", path: full, message: `${full} is more than ${MAX_LISTING_DEPTH} folders deep; it is not listed: move its agents up` });
          continue;
        }
        walk(folder, full, nested, [...segments, entry]);
      } else if (stat.isFile && isMarkdown) {
        add(folder, [...segments, entry.slice(0, -3)].join("/"), full);
      }
    }
  };

  for (const folder of configDirs) {
    for (const sub of AGENT_SUBDIRS) {
      if (stop(folder)) break;
      const root = path.join(folder, sub.dir);
      let stat: ReturnType<ListingFileSystem["stat"]>;
      try {
        stat = fs.stat(root);
      } catch (error) {
        problems.push({ kind: "unreadable", path: root, message: `${root} cannot be read (${firstLine(error)}); agents in it are invisible to OpenCode and the plugin: fix its permissions` });
        continue;
      }
      if (!stat) continue;
      if (!stat.isDirectory) {
        problems.push({ kind: "not-a-folder", path: root, message: `${root} is not a folder, so no agent is read from it: remove it or make it a folder` });
        continue;
      }
      walk(folder, root, sub.nested, []);
    }
  }
  return { agents, problems, capped };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n")[0] ?? "").slice(0, 300);
}

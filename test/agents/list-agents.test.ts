import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { agentConfigDirs, agentFileCandidates } from "../../src/agents/agent-files";
import { MAX_LISTED_FILES, MAX_LISTING_DEPTH, listAgents, nodeListingFileSystem, type ListingFileSystem } from "../../src/agents/list-agents";

/** A temp root with a project (`project/.opencode`) and an empty home; `put` writes files relative to the root. */
function tempRoot() {
  const root = mkdtempSync(path.join(tmpdir(), "osf-list-"));
  const dir = path.join(root, "project");
  const home = path.join(root, "home");
  mkdirSync(dir, { recursive: true });
  mkdirSync(home, { recursive: true });
  const put = (relative: string, text = "---\nmodel: p/m\n---\nprompt") => {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };
  const dirs = () => agentConfigDirs({ directory: dir, env: {}, home });
  return { root, dir, home, put, dirs, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

describe("listAgents", () => {
  let t: ReturnType<typeof tempRoot> | undefined;
  afterEach(() => {
    t?.cleanup();
    t = undefined;
  });

  it("lists nested names under agent/ and agents/, flat names under mode/ and modes/, .md files only", () => {
    t = tempRoot();
    t.put("project/.opencode/agent/build.md");
    t.put("project/.opencode/agent/team/reviewer.md");
    t.put("project/.opencode/agents/deep/er/still.md");
    t.put("project/.opencode/mode/plan.md");
    t.put("project/.opencode/modes/sub/ignored.md");
    t.put("project/.opencode/agent/notes.txt");
    t.put("project/.opencode/agent/README.MD");
    const { agents, problems, capped } = listAgents(t.dirs());
    expect(agents.map((a) => a.name)).toEqual(["build", "team/reviewer", "deep/er/still", "plan"]);
    expect(agents.every((a) => a.folder === path.join(t!.dir, ".opencode"))).toBe(true);
    expect(agents.find((a) => a.name === "team/reviewer")?.file).toBe(path.join(t.dir, ".opencode", "agent", "team", "reviewer.md"));
    expect(problems).toEqual([]);
    expect(capped).toBe(false);
  });

  it("a name in a more specific folder shadows the later ones, which are still listed and marked", () => {
    t = tempRoot();
    const project = t.put("project/.opencode/agent/metis.md");
    const globalFile = t.put("home/.config/opencode/agents/metis.md");
    const modeFile = t.put("project/.opencode/mode/metis.md");
    t.put("home/.config/opencode/agents/onlyglobal.md");
    const { agents } = listAgents(t.dirs());
    expect(agents.filter((a) => a.name === "metis")).toEqual([
      { name: "metis", file: project, folder: path.join(t.dir, ".opencode") },
      { name: "metis", file: modeFile, folder: path.join(t.dir, ".opencode"), shadowedBy: project },
      { name: "metis", file: globalFile, folder: path.join(t.home, ".config", "opencode"), shadowedBy: project },
    ]);
    expect(agents.find((a) => a.name === "onlyglobal")?.shadowedBy).toBeUndefined();
  });

  it("the winner of each name is the file the lookup reads first", () => {
    t = tempRoot();
    t.put("home/.config/opencode/agent/x.md");
    t.put("home/.opencode/agents/x.md");
    t.put("project/.opencode/modes/x.md");
    t.put("project/.opencode/agents/team/y.md");
    t.put("home/.opencode/agent/team/y.md");
    const dirs = t.dirs();
    const { agents } = listAgents(dirs);
    for (const name of ["x", "team/y"]) {
      const winner = agents.find((a) => a.name === name && a.shadowedBy === undefined);
      const firstCandidate = agentFileCandidates(name, dirs).find((f) => agents.some((a) => a.file === f));
      expect(winner?.file).toBe(firstCandidate);
    }
  });

  it("a symlink loop folder is entered once and reported, never hangs", () => {
    t = tempRoot();
    t.put("project/.opencode/agent/a.md");
    t.put("project/.opencode/agent/sub/b.md");
    const agentDir = path.join(t.dir, ".opencode", "agent");
    symlinkSync(agentDir, path.join(agentDir, "sub", "up"));
    symlinkSync(path.join(agentDir, "sub"), path.join(agentDir, "sub", "self"));
    const { agents, problems } = listAgents(t.dirs());
    expect(agents.map((a) => a.name)).toEqual(["a", "sub/b"]);
    expect(problems.filter((p) => p.kind === "revisited").map((p) => path.basename(p.path)).sort()).toEqual(["self", "up"]);
    expect(problems[0]?.message).toMatch(/already listed/);
  });

  it("a file symlink loop keeps its name, with the error", () => {
    t = tempRoot();
    const agentDir = path.join(t.dir, ".opencode", "agent");
    mkdirSync(agentDir, { recursive: true });
    symlinkSync(path.join(agentDir, "loop-b.md"), path.join(agentDir, "loop-a.md"));
    symlinkSync(path.join(agentDir, "loop-a.md"), path.join(agentDir, "loop-b.md"));
    const { agents } = listAgents(t.dirs());
    expect(agents.map((a) => a.name)).toEqual(["loop-a", "loop-b"]);
    expect(agents[0]?.error).toMatch(/ELOOP|too many/i);
  });

  it("an unreadable folder is reported and the others are still listed", () => {
    t = tempRoot();
    t.put("project/.opencode/agent/ok.md");
    t.put("project/.opencode/agent/locked/hidden.md");
    const locked = path.join(t.dir, ".opencode", "agent", "locked");
    const fs: ListingFileSystem = {
      ...nodeListingFileSystem,
      readdir: (dir) => {
        if (dir === locked) throw Object.assign(new Error(`EACCES: permission denied, scandir '${dir}'`), { code: "EACCES" });
        return nodeListingFileSystem.readdir(dir);
      },
    };
    const { agents, problems } = listAgents(t.dirs(), fs);
    expect(agents.map((a) => a.name)).toEqual(["ok"]);
    expect(problems).toEqual([expect.objectContaining({ kind: "unreadable", path: locked, message: expect.stringContaining("EACCES") })]);
  });

  it("a config folder whose stat fails is reported, not thrown", () => {
    const fs: ListingFileSystem = {
      readdir: () => [],
      realpath: (p) => p,
      stat: () => {
        throw new Error("EIO: i/o error");
      },
    };
    const { agents, problems } = listAgents(["/cfg"], fs);
    expect(agents).toEqual([]);
    expect(problems.map((p) => p.path)).toEqual(["/cfg/agent", "/cfg/agents", "/cfg/mode", "/cfg/modes"]);
    expect(problems.every((p) => p.kind === "unreadable" && /EIO/.test(p.message))).toBe(true);
  });

  it("an `agent` that is a file, not a folder, is reported", () => {
    t = tempRoot();
    t.put("project/.opencode/agent", "not a folder");
    const { problems } = listAgents(t.dirs());
    expect(problems).toEqual([expect.objectContaining({ kind: "not-a-folder", path: path.join(t.dir, ".opencode", "agent") })]);
  });

  it("stops at the file cap and says so", () => {
    t = tempRoot();
    const agentDir = path.join(t.dir, ".opencode", "agent");
    mkdirSync(agentDir, { recursive: true });
    for (let i = 0; i < MAX_LISTED_FILES + 50; i++) writeFileSync(path.join(agentDir, `a${String(i).padStart(5, "0")}.md`), "x");
    t.put("home/.config/opencode/agent/later.md");
    const { agents, problems, capped } = listAgents(t.dirs());
    expect(agents).toHaveLength(MAX_LISTED_FILES);
    expect(capped).toBe(true);
    expect(problems.filter((p) => p.kind === "file-cap")).toHaveLength(1);
    expect(problems[0]?.message).toMatch(new RegExp(`${MAX_LISTED_FILES} agent files`));
    expect(agents.some((a) => a.name === "later")).toBe(false);
  });

  it("stops at the depth cap and says so", () => {
    t = tempRoot();
    const deepest = Array.from({ length: MAX_LISTING_DEPTH + 2 }, (_, i) => `d${i}`);
    t.put(`project/.opencode/agent/${deepest.slice(0, MAX_LISTING_DEPTH).join("/")}/edge.md`);
    t.put(`project/.opencode/agent/${deepest.join("/")}/toodeep.md`);
    const { agents, problems } = listAgents(t.dirs());
    expect(agents.map((a) => a.name)).toEqual([`${deepest.slice(0, MAX_LISTING_DEPTH).join("/")}/edge`]);
    expect(problems).toEqual([expect.objectContaining({ kind: "depth-cap", message: expect.stringContaining(`more than ${MAX_LISTING_DEPTH} folders deep`) })]);
  });

  it("missing folders are nothing to report", () => {
    t = tempRoot();
    expect(listAgents(t.dirs())).toEqual({ agents: [], problems: [], capped: false });
  });

  it("ends without throwing over any folder graph, loops included, and reads each real folder once", () => {
    // Folders 0..n-1; each entry is a file, a link to a folder (any folder: loops, self-links), or broken.
    const graph = fc.array(
      fc.array(fc.oneof(fc.record({ link: fc.nat(7) }), fc.record({ file: fc.boolean() }), fc.constant({ broken: true })), { maxLength: 6 }),
      { minLength: 1, maxLength: 8 },
    );
    fc.assert(
      fc.property(graph, (folders) => {
        const reads = new Map<string, number>();
        // Path "/cfg/agent/e0/e3" resolves by walking links from folder 0.
        const resolve = (p: string): { folder: number } | { file: boolean } | undefined => {
          const parts = p.split("/").slice(3);
          if (!p.startsWith("/cfg/agent")) return undefined;
          let folder = 0;
          for (let i = 0; i < parts.length; i++) {
            const entry = folders[folder]?.[Number((parts[i] ?? "").replace(/^e|\.md$/g, ""))];
            if (!entry) return undefined;
            if ("broken" in entry) throw Object.assign(new Error("EACCES"), { code: "EACCES" });
            if ("file" in entry) return i === parts.length - 1 ? { file: entry.file } : undefined;
            if (entry.link >= folders.length) return undefined;
            folder = entry.link;
          }
          return { folder };
        };
        const fs: ListingFileSystem = {
          readdir(dir) {
            const r = resolve(dir);
            if (!r || !("folder" in r)) throw new Error("ENOTDIR");
            reads.set(String(r.folder), (reads.get(String(r.folder)) ?? 0) + 1);
            return (folders[r.folder] ?? []).map((e, i) => ("file" in e ? `e${i}.md` : `e${i}`));
          },
          stat(p) {
            const r = resolve(p);
            if (!r) return undefined;
            return "folder" in r ? { isFile: false, isDirectory: true, size: 0 } : { isFile: true, isDirectory: false, size: 1 };
          },
          realpath(p) {
            const r = resolve(p);
            if (!r || !("folder" in r)) throw new Error("ENOENT");
            return `/real/${r.folder}`;
          },
        };
        const listing = listAgents(["/cfg"], fs);
        for (const n of reads.values()) expect(n).toBe(1);
        expect(listing.agents.length).toBeLessThanOrEqual(MAX_LISTED_FILES);
      }),
      { numRuns: 300 },
    );
  });
});

import { mkdirSync, symlinkSync, writeFileSync, utimesSync } from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AgentFiles, MAX_AGENT_FILE_BYTES, agentConfigDirs, agentFileCandidates, isValidAgentName, parseAgentMarkdown, type FileSystemPort } from "../../src/agents/agent-files";
import { tempProject } from "../helpers/fake-opencode";

describe("agent names", () => {
  it.each(["build", "metis", "team/reviewer", "a.b-c_d", "my agent", "代理"])("accepts %s", (name) => {
    expect(isValidAgentName(name)).toBe(true);
  });
  it.each(["", "..", "../x", "a/../b", "/etc/passwd", "a//b", "a\\b", ".hidden", "a/", "x".repeat(201), "C:\\x"])("refuses %j", (name) => {
    expect(isValidAgentName(name)).toBe(false);
    expect(agentFileCandidates(name, ["/cfg"])).toEqual([]);
  });
});

describe("agent config folders", () => {
  it("lists OPENCODE_CONFIG_DIR, .opencode from the directory up to the worktree, ~/.opencode and the global folder, most specific first", () => {
    const dirs = agentConfigDirs({ directory: "/w/repo/pkg", worktree: "/w/repo", env: { OPENCODE_CONFIG_DIR: "/custom", XDG_CONFIG_HOME: "/xdg" }, home: "/home/u" });
    expect(dirs).toEqual(["/custom", "/w/repo/pkg/.opencode", "/w/repo/.opencode", "/home/u/.opencode", "/xdg/opencode"]);
  });
  it("does not climb above the worktree, and defaults the global folder to ~/.config/opencode", () => {
    const dirs = agentConfigDirs({ directory: "/w/repo", worktree: "/w/repo", env: {}, home: "/home/u" });
    expect(dirs).toEqual(["/w/repo/.opencode", "/home/u/.opencode", "/home/u/.config/opencode"]);
  });
  it("nests names under agent(s)/ only; mode(s)/ are flat", () => {
    expect(agentFileCandidates("team/rev", ["/c"])).toEqual(["/c/agent/team/rev.md", "/c/agents/team/rev.md"]);
    expect(agentFileCandidates("solo", ["/c"])).toEqual(["/c/agent/solo.md", "/c/agents/solo.md", "/c/mode/solo.md", "/c/modes/solo.md"]);
  });
});

describe("parsing agent markdown", () => {
  it("reads model, fallback_agent and the body", () => {
    const r = parseAgentMarkdown("a", "/f.md", "---\nmodel: p/m\nfallback_agent: b\ntemperature: 0.2\n---\n\nBody text.\n");
    expect(r).toEqual({ ok: true, agent: { name: "a", file: "/f.md", model: "p/m", fallbackAgent: "b", prompt: "Body text." } });
  });
  it("a file without frontmatter is an agent with a prompt only", () => {
    expect(parseAgentMarkdown("a", "/f.md", "Just a prompt")).toMatchObject({ ok: true, agent: { prompt: "Just a prompt" } });
  });
  it("broken YAML is reported with the file, never thrown", () => {
    const r = parseAgentMarkdown("a", "/f.md", "---\nmodel: [oops\n---\nx");
    expect(r).toMatchObject({ ok: false, reason: "broken-frontmatter", file: "/f.md" });
  });
  it("a ---js block never runs", () => {
    const r = parseAgentMarkdown("a", "/f.md", "---js\n{ model: (globalThis.__ranJs = true, 'p/m') }\n---\nx");
    expect(r).toMatchObject({ ok: false, reason: "broken-frontmatter" });
    expect((globalThis as { __ranJs?: boolean }).__ranJs).toBeUndefined();
  });
  it.each(["---javascript", "---JS", "---coffee"])("%s is refused too", (fence) => {
    expect(parseAgentMarkdown("a", "/f.md", `${fence}\n{ model: 'p/m' }\n---\nx`)).toMatchObject({ ok: false, reason: "broken-frontmatter" });
  });
  it("a wrongly typed key is invalid frontmatter naming the key", () => {
    const r = parseAgentMarkdown("a", "/f.md", "---\nfallback_agent: [1, 2]\n---\nx");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/fallback_agent/);
  });
  it("a few YAML aliases are fine", () => {
    expect(parseAgentMarkdown("a", "/f.md", "---\nbase: &m p/m\nmodel: *m\ndescription: *m\n---\nbody")).toMatchObject({ ok: true, agent: { model: "p/m" } });
  });
  it("a YAML alias bomb is refused before it is parsed (an expansion limit, whatever key holds it)", () => {
    const bomb = ["---", 'a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`), "model: p/m", "---", "body"].join("\n");
    const r = parseAgentMarkdown("a", "/f.md", bomb);
    expect(r).toMatchObject({ ok: false, reason: "broken-frontmatter" });
    expect(!r.ok && r.message).toMatch(/72 YAML aliases, over the limit of 32/);
  });
});

describe("AgentFiles lookup", () => {
  let project: ReturnType<typeof tempProject> | undefined;
  afterEach(() => project?.cleanup());

  it("finds project agents, nested agents and global agents; project wins over global", async () => {
    project = tempProject({ metis: "---\nmodel: p/project\n---\n", "team/rev": "---\nmodel: p/nested\n---\n" });
    const globalAgents = path.join(project.home, ".config", "opencode", "agents");
    mkdirSync(globalAgents, { recursive: true });
    writeFileSync(path.join(globalAgents, "metis.md"), "---\nmodel: p/global\n---\n");
    writeFileSync(path.join(globalAgents, "onlyglobal.md"), "---\nmodel: p/g2\n---\n");
    const files = new AgentFiles(agentConfigDirs({ directory: project.dir, env: {}, home: project.home }));
    expect(await files.lookup("metis")).toMatchObject({ ok: true, agent: { model: "p/project" } });
    expect(await files.lookup("team/rev")).toMatchObject({ ok: true, agent: { model: "p/nested" } });
    expect(await files.lookup("onlyglobal")).toMatchObject({ ok: true, agent: { model: "p/g2" } });
    expect(await files.lookup("nobody")).toMatchObject({ ok: false, reason: "not-found" });
  });

  it("caches a parsed file and re-reads it when it changes", async () => {
    project = tempProject({ metis: "---\nmodel: p/one\n---\n" });
    let reads = 0;
    const counting: FileSystemPort = {
      stat: async (f) => (await import("../../src/agents/agent-files")).nodeFileSystem.stat(f),
      readFile: async (f) => {
        reads++;
        return (await import("node:fs/promises")).readFile(f, "utf8");
      },
    };
    const files = new AgentFiles(agentConfigDirs({ directory: project.dir, env: {}, home: project.home }), counting);
    await files.lookup("metis");
    await files.lookup("metis");
    expect(reads).toBe(1);
    project.write("metis", "---\nmodel: p/two-longer\n---\n");
    const file = path.join(project.dir, ".opencode", "agent", "metis.md");
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(await files.lookup("metis")).toMatchObject({ ok: true, agent: { model: "p/two-longer" } });
    expect(reads).toBe(2);
  });

  it("refuses a file over the size limit without reading it", async () => {
    project = tempProject({ huge: `---\nmodel: p/m\n---\n${"x".repeat(MAX_AGENT_FILE_BYTES + 10)}` });
    const files = new AgentFiles(agentConfigDirs({ directory: project.dir, env: {}, home: project.home }));
    expect(await files.lookup("huge")).toMatchObject({ ok: false, reason: "too-large" });
  });

  it("a symlink loop in an agent folder is reported, never hangs or throws", async () => {
    project = tempProject({});
    const agentDir = path.join(project.dir, ".opencode", "agent");
    mkdirSync(agentDir, { recursive: true });
    symlinkSync(path.join(agentDir, "loop-b.md"), path.join(agentDir, "loop-a.md"));
    symlinkSync(path.join(agentDir, "loop-a.md"), path.join(agentDir, "loop-b.md"));
    const files = new AgentFiles(agentConfigDirs({ directory: project.dir, env: {}, home: project.home }));
    const r = await files.lookup("loop-a");
    expect(r).toMatchObject({ ok: false, reason: "unreadable" });
  });

  it("a failing file system is an unreadable agent, not an exception", async () => {
    const files = new AgentFiles(["/cfg"], { stat: async () => { throw new Error("EACCES: permission denied"); }, readFile: async () => "" });
    expect(await files.lookup("x")).toMatchObject({ ok: false, reason: "unreadable", message: expect.stringContaining("EACCES") });
  });
});

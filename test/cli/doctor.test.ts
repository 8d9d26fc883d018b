import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_AGENT_FILE_BYTES } from "../../src/agents/agent-files";
import { nodeDoctorFileSystem, runDoctor, type DoctorFileSystem, type DoctorReport } from "../../src/cli/doctor";
import { serializeState } from "../../src/lanes/lane-store";

const agent = (front: Record<string, string>, body = "prompt") =>
  `---\n${Object.entries(front).map(([k, v]) => `${k}: ${v}`).join("\n")}\n---\n${body}\n`;

/** A temp project (`project/.opencode/agent/`) and an empty home, so the real ~/.config and ~/.local are never read. */
function tempSetup(agents: Record<string, string> = {}) {
  const root = mkdtempSync(path.join(tmpdir(), "osf-doctor-"));
  const dir = path.join(root, "project");
  const home = path.join(root, "home");
  mkdirSync(dir, { recursive: true });
  mkdirSync(home, { recursive: true });
  const put = (relative: string, text: string) => {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };
  const agentFile = (name: string) => path.join(dir, ".opencode", "agent", `${name}.md`);
  for (const [name, text] of Object.entries(agents)) put(`project/.opencode/agent/${name}.md`, text);
  // The plugin is listed (from a local build, so no package cache is expected): the tests below look at agents.
  put("project/opencode.json", `${JSON.stringify({ plugin: ["file:///src/opencode-session-fallback"] })}\n`);
  const stateFile = path.join(home, ".local", "share", "opencode", "opencode-session-fallback", "lanes.json");
  const doctor = (env: Record<string, string> = {}, fs?: DoctorFileSystem) => runDoctor({ directory: dir, env, home, ...(fs ? { fs } : {}) });
  return { root, dir, home, put, agentFile, stateFile, doctor, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const errors = (r: DoctorReport) => r.findings.filter((f) => f.level === "error");
const warnings = (r: DoctorReport) => r.findings.filter((f) => f.level === "warning");

describe("runDoctor", () => {
  let t: ReturnType<typeof tempSetup> | undefined;
  afterEach(() => {
    t?.cleanup();
    t = undefined;
  });

  it("a valid chain a -> b -> c on three providers: no finding, each row with its chain", () => {
    t = tempSetup({
      a: agent({ model: "anthropic/claude-sonnet-4-5", fallback_agent: "b" }),
      b: agent({ model: "openai/gpt-5", fallback_agent: "c" }),
      c: agent({ model: "openrouter/anthropic/claude-sonnet-4.5" }),
    });
    const r = t.doctor();
    expect(r.findings).toEqual([]);
    expect(r.agents).toEqual([
      { name: "a", file: t.agentFile("a"), model: "anthropic/claude-sonnet-4-5", fallback: "b", chain: ["a", "b", "c"] },
      { name: "b", file: t.agentFile("b"), model: "openai/gpt-5", fallback: "c", chain: ["b", "c"] },
      { name: "c", file: t.agentFile("c"), model: "openrouter/anthropic/claude-sonnet-4.5", chain: ["c"] },
    ]);
  });

  it("a cycle is one error naming it, however many agents lead into it", () => {
    t = tempSetup({
      entry: agent({ model: "p1/m", fallback_agent: "x" }),
      x: agent({ model: "p2/m", fallback_agent: "y" }),
      y: agent({ model: "p3/m", fallback_agent: "x" }),
    });
    const r = t.doctor();
    const loops = errors(r).filter((f) => /loops/.test(f.message));
    expect(loops).toHaveLength(1);
    expect(loops[0]?.message).toMatch(/fallback chain loops: x -> y -> x;/);
    expect(loops[0]?.message).toMatch(/end the chain on an agent without fallback_agent/);
    expect(r.agents.find((a) => a.name === "entry")?.chain).toEqual(["entry", "x", "y", "x"]);
  });

  it("an agent naming itself is a loop of one", () => {
    t = tempSetup({ solo: agent({ model: "p/m", fallback_agent: "solo" }) });
    expect(errors(t.doctor()).map((f) => f.message)).toEqual([expect.stringMatching(/^fallback chain loops: solo -> solo;/)]);
  });

  it("a missing target is an error saying what to create", () => {
    t = tempSetup({ a: agent({ model: "p/m", fallback_agent: "ghost" }) });
    const r = t.doctor();
    expect(errors(r)).toEqual([
      expect.objectContaining({ agent: "a", file: t.agentFile("a"), message: expect.stringContaining(`fallback_agent "ghost", but no agent of that name is in the folders OpenCode reads`) }),
    ]);
    expect(errors(r)[0]?.message).toContain(`create ${path.join(t.dir, ".opencode", "agent", "ghost.md")} with a "model: provider/model" line`);
    expect(r.agents[0]?.chain).toEqual(["a", "ghost"]);
  });

  it("a target without model is an error on the target, naming the source", () => {
    t = tempSetup({ a: agent({ model: "p/m", fallback_agent: "b" }), b: agent({ description: "no model" }) });
    expect(errors(t.doctor())).toEqual([
      expect.objectContaining({ agent: "b", file: t.agentFile("b"), message: expect.stringMatching(/agent "a" .* declares no model: add "model: provider\/model"/) }),
    ]);
  });

  it("a target whose model is not provider/model is an error", () => {
    t = tempSetup({ a: agent({ model: "p/m", fallback_agent: "b" }), b: agent({ model: "gpt-5" }) });
    expect(errors(t.doctor())).toEqual([expect.objectContaining({ agent: "b", message: expect.stringMatching(/model "gpt-5" is not of the form provider\/model/) })]);
  });

  it("broken YAML is an error on that file; a source falling back to it gets one too", () => {
    t = tempSetup({ a: agent({ model: "p/m", fallback_agent: "b" }), b: "---\nmodel: [oops\n---\nx\n" });
    const r = errors(t.doctor());
    expect(r).toEqual([
      expect.objectContaining({ agent: "b", file: t.agentFile("b"), message: expect.stringMatching(/cannot be parsed.*fix the YAML between the --- lines/) }),
      expect.objectContaining({ agent: "a", message: expect.stringMatching(/whose file .*b\.md cannot be used/) }),
    ]);
  });

  it("a ---js block is refused, never run", () => {
    t = tempSetup({ evil: "---js\n{ model: (globalThis.__doctorRanJs = true, 'p/m') }\n---\nx\n" });
    const r = t.doctor();
    expect(errors(r)).toEqual([expect.objectContaining({ agent: "evil", message: expect.stringMatching(/executable frontmatter.*write the frontmatter as YAML/) })]);
    expect((globalThis as { __doctorRanJs?: boolean }).__doctorRanJs).toBeUndefined();
    expect(r.agents).toEqual([{ name: "evil", file: t.agentFile("evil"), chain: ["evil"] }]);
  });

  it.each(["../x", "/etc/passwd", "a//b"])("a fallback_agent of %j is refused as a name", (name) => {
    t = tempSetup({ a: agent({ model: "p/m", fallback_agent: JSON.stringify(name) }) });
    expect(errors(t.doctor())).toEqual([expect.objectContaining({ agent: "a", message: expect.stringContaining(`fallback_agent ${JSON.stringify(name)}, which is not a valid agent name`) })]);
  });

  it("a symlink loop in an agent folder is a warning; the agents are still checked", () => {
    t = tempSetup({ a: agent({ model: "p1/m", fallback_agent: "team/b" }) });
    t.put("project/.opencode/agent/team/b.md", agent({ model: "p2/m" }));
    const agentDir = path.join(t.dir, ".opencode", "agent");
    symlinkSync(agentDir, path.join(agentDir, "team", "loop"));
    const r = t.doctor();
    expect(errors(r)).toEqual([]);
    expect(warnings(r)).toEqual([expect.objectContaining({ file: path.join(agentDir, "team", "loop"), message: expect.stringMatching(/leads back to .* already listed/) })]);
    expect(r.agents.map((a) => a.name)).toEqual(["a", "team/b"]);
  });

  it("nested names resolve as fallback targets", () => {
    t = tempSetup({ a: agent({ model: "p1/m", fallback_agent: "team/reviewer" }) });
    t.put("project/.opencode/agents/team/reviewer.md", agent({ model: "p2/m" }));
    const r = t.doctor();
    expect(r.findings).toEqual([]);
    expect(r.agents[0]?.chain).toEqual(["a", "team/reviewer"]);
  });

  it("a project agent shadows a broken global one of the same name: only the project file is checked", () => {
    t = tempSetup({ a: agent({ model: "p1/m", fallback_agent: "b" }), b: agent({ model: "p2/m" }) });
    t.put("home/.config/opencode/agent/b.md", "---\nmodel: [broken\n---\n");
    const r = t.doctor();
    expect(r.findings).toEqual([]);
    expect(r.agents.map((a) => a.file)).toEqual([t.agentFile("a"), t.agentFile("b")]);
  });

  it("a global agent is a valid target when the project has none of that name", () => {
    t = tempSetup({ a: agent({ model: "p1/m", fallback_agent: "g" }) });
    const globalFile = t.put("home/.config/opencode/agent/g.md", agent({ model: "p2/m" }));
    const r = t.doctor();
    expect(r.findings).toEqual([]);
    expect(r.agents.find((a) => a.name === "g")?.file).toBe(globalFile);
  });

  it("a fallback on the same provider is used as declared: a note says so and when the account's scope changes it; separate pools silence it", () => {
    t = tempSetup({ a: agent({ model: "anthropic/claude-opus-4", fallback_agent: "b" }), b: agent({ model: "anthropic/claude-haiku-4" }) });
    expect(t.doctor().findings).toEqual([
      {
        level: "note",
        agent: "a",
        file: t.agentFile("a"),
        message: expect.stringMatching(/on the same provider ID: the plugin uses it as declared.*Only an error that says the whole account is out/),
      },
    ]);
    expect(t.doctor({ OPENCODE_SESSION_FALLBACK_POOLS: "work=anthropic/claude-opus-4;personal=anthropic/claude-haiku-4" }).findings).toEqual([]);
  });

  it("two lanes declared in one pool: a note that the fallback is tried after every lane outside the pool, never a warning", () => {
    t = tempSetup({ a: agent({ model: "cliproxy/gpt-5", fallback_agent: "b" }), b: agent({ model: "openai/gpt-5" }) });
    expect(t.doctor().findings).toEqual([]);
    const r = t.doctor({ OPENCODE_SESSION_FALLBACK_POOLS: "team=cliproxy,openai" });
    expect(warnings(r)).toEqual([]);
    expect(r.findings).toEqual([expect.objectContaining({ level: "note", message: expect.stringMatching(/same pool "team".*tries the lanes of the chain outside that pool first, and this one only when no other is left/) })]);
  });

  it("each bad OPENCODE_SESSION_FALLBACK_* value is an error naming the variable", () => {
    t = tempSetup({ a: agent({ model: "p/m" }) });
    const r = t.doctor({ OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT: "lots", OPENCODE_SESSION_FALLBACK_ON: "quota,bogus" });
    expect(errors(r).map((f) => f.message)).toEqual([
      expect.stringMatching(/^OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT="lots" is not .*: fix the value or unset the variable$/),
      expect.stringMatching(/^OPENCODE_SESSION_FALLBACK_ON="quota,bogus" is not /),
    ]);
  });

  it("a corrupt state file is a warning", () => {
    t = tempSetup({ a: agent({ model: "p/m" }) });
    t.put(path.relative(t.root, t.stateFile), "{ not json");
    expect(t.doctor().findings).toEqual([{ level: "warning", file: t.stateFile, message: expect.stringMatching(/is not JSON.*delete it/) }]);
  });

  it("a foreign state file is a warning saying where to point the variable", () => {
    t = tempSetup({ a: agent({ model: "p/m" }) });
    const foreign = t.put("elsewhere/lanes.json", JSON.stringify({ some: "other tool" }));
    expect(t.doctor({ OPENCODE_SESSION_FALLBACK_STATE_FILE: foreign }).findings).toEqual([
      { level: "warning", file: foreign, message: expect.stringMatching(/is not a opencode-session-fallback\/lanes file.*OPENCODE_SESSION_FALLBACK_STATE_FILE/) },
    ]);
  });

  it("a valid state file, or none, is nothing to report", () => {
    t = tempSetup({ a: agent({ model: "p/m" }) });
    expect(t.doctor().findings).toEqual([]);
    t.put(path.relative(t.root, t.stateFile), serializeState({ lanes: [{ lane: "p/m", until: 2, since: 1, kind: "quota", rule: "r" }], served: [] }, 1));
    expect(t.doctor().findings).toEqual([]);
  });

  it("an unreadable agent folder is a warning; an unreadable agent file an error", () => {
    t = tempSetup({ a: agent({ model: "p1/m", fallback_agent: "b" }), b: agent({ model: "p2/m" }) });
    const globalAgents = path.dirname(t.put("home/.config/opencode/agent/g.md", agent({ model: "p/m" })));
    const fs: DoctorFileSystem = {
      ...nodeDoctorFileSystem,
      readdir: (dir) => {
        if (dir === globalAgents) throw new Error(`EACCES: permission denied, scandir '${dir}'`);
        return nodeDoctorFileSystem.readdir(dir);
      },
      readFile: (file) => {
        if (file === t!.agentFile("b")) throw new Error("EACCES: permission denied");
        return nodeDoctorFileSystem.readFile(file);
      },
    };
    const r = t.doctor({}, fs);
    expect(warnings(r)).toEqual([expect.objectContaining({ file: globalAgents, message: expect.stringContaining("EACCES") })]);
    expect(errors(r)).toEqual([
      expect.objectContaining({ agent: "b", message: expect.stringMatching(/cannot be read \(EACCES.*fix its permissions/) }),
      expect.objectContaining({ agent: "a", message: expect.stringMatching(/cannot be used/) }),
    ]);
  });

  it("a file over the size limit is an error, as the plugin refuses it", () => {
    t = tempSetup({ big: `---\nmodel: p/m\n---\n${"x".repeat(MAX_AGENT_FILE_BYTES + 1)}` });
    expect(errors(t.doctor())).toEqual([expect.objectContaining({ agent: "big", message: expect.stringMatching(/over the \d+-byte limit/) })]);
  });

  it("a file name the plugin refuses as an agent name is a warning", () => {
    t = tempSetup({ ".hidden": agent({ model: "p/m" }) });
    expect(warnings(t.doctor())).toEqual([expect.objectContaining({ agent: ".hidden", message: expect.stringMatching(/which the plugin refuses.*rename the file/) })]);
  });

  it("climbs to the git worktree like OpenCode: agents of the repository root are found from a sub-folder", () => {
    t = tempSetup({ a: agent({ model: "p1/m", fallback_agent: "b" }), b: agent({ model: "p2/m" }) });
    mkdirSync(path.join(t.dir, ".git"));
    const sub = path.join(t.dir, "packages", "x");
    mkdirSync(sub, { recursive: true });
    const r = runDoctor({ directory: sub, env: {}, home: t.home });
    expect(r.findings).toEqual([]);
    expect(r.agents.map((a) => a.name)).toEqual(["a", "b"]);
  });
});

describe("runDoctor and OpenCode's own config (issue 13)", () => {
  let t: ReturnType<typeof tempSetup> | undefined;
  afterEach(() => {
    t?.cleanup();
    t = undefined;
  });
  const notes = (r: DoctorReport) => r.findings.filter((f) => f.level === "note");

  it("reads agents of opencode.json's agent key (fallback_agent also under options) and of the global opencode.jsonc", () => {
    t = tempSetup({ build: agent({ model: "anthropic/claude-sonnet-4-5", fallback_agent: "rescue" }) });
    t.put("project/opencode.json", JSON.stringify({ plugin: ["file:///src/opencode-session-fallback"], agent: { rescue: { model: "openai/gpt-5", options: { fallback_agent: "last" } } } }));
    t.put("home/.config/opencode/opencode.jsonc", '{\n  // the last lane\n  "agent": { "last": { "model": "google/gemini-2.5-pro", }, },\n}\n');
    const r = t.doctor({ HOME: t.home });
    expect(errors(r)).toEqual([]);
    expect(r.agents.find((a) => a.name === "build")?.chain).toEqual(["build", "rescue", "last"]);
    expect(r.agents.find((a) => a.name === "rescue")).toMatchObject({ model: "openai/gpt-5", fallback: "last", file: path.join(t.dir, "opencode.json") });
  });

  it("a fallback_agent found nowhere names the config files it looked in", () => {
    t = tempSetup({ build: agent({ model: "a/b", fallback_agent: "ghost" }) });
    const [e] = errors(t.doctor({ HOME: t.home }));
    expect(e?.message).toMatch(/no agent of that name .* or in the "agent" key of its config files \(.*project\/opencode\.json\)/);
  });

  it("the plugin in no plugin list: a warning naming the files and the fix", () => {
    t = tempSetup({ build: agent({ model: "a/b" }) });
    t.put("project/opencode.json", JSON.stringify({ plugin: ["some-other-plugin"] }));
    const [w] = warnings(t.doctor({ HOME: t.home }));
    expect(w?.message).toMatch(/opencode-session-fallback is in the "plugin" list of none of the config files OpenCode reads \(.*opencode\.json\): add "plugin": \["opencode-session-fallback"\]/);
  });

  it("listed by name: the package cache holding no copy is a warning; a loadable copy is a note with its version and the folder to delete", () => {
    t = tempSetup({ build: agent({ model: "a/b" }) });
    t.put("project/opencode.json", JSON.stringify({ plugin: [["opencode-session-fallback", { attemptLimit: 2 }]] }));
    const env = { HOME: t.home, XDG_CACHE_HOME: path.join(t.home, ".cache") };
    expect(warnings(t.doctor(env)).map((w) => w.message)).toEqual([expect.stringMatching(/lists "opencode-session-fallback", but OpenCode's package cache holds no loadable copy of it: .*skips the plugin silently/)]);
    const folder = path.join(t.home, ".cache", "opencode", "packages", "opencode-session-fallback@latest");
    t.put(path.relative(t.root, path.join(folder, "node_modules", "opencode-session-fallback", "package.json")), JSON.stringify({ name: "opencode-session-fallback", version: "0.2.0" }));
    t.put(path.relative(t.root, path.join(folder, "node_modules", "opencode-session-fallback", "dist", "index.js")), "export default {};\n");
    const r = t.doctor(env);
    expect(warnings(r)).toEqual([]);
    expect(notes(r).map((n) => n.message)).toContainEqual(expect.stringMatching(new RegExp(`OpenCode loads opencode-session-fallback 0\\.2\\.0 from ${folder.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}; it never upgrades that copy: to upgrade, delete that folder`)));
  });

  it("a tarball listed as a bare file URL (OpenCode skips it silently) is a warning with the form that works", () => {
    t = tempSetup({ build: agent({ model: "a/b" }) });
    t.put("project/opencode.json", JSON.stringify({ plugin: ["file:///tmp/x/opencode-session-fallback-0.2.0.tgz"] }));
    expect(warnings(t.doctor({ HOME: t.home })).map((w) => w.message)).toEqual([
      expect.stringMatching(/as a file URL, which OpenCode skips without a word: write it as "opencode-session-fallback@file:\/tmp\/x\/opencode-session-fallback-0\.2\.0\.tgz"/),
    ]);
  });

  it("a fallback model the config's provider does not declare is an error naming the file", () => {
    t = tempSetup({ build: agent({ model: "anthropic/claude-sonnet-4-5", fallback_agent: "rescue" }), rescue: agent({ model: "myproxy/gpt-9" }) });
    t.put("project/opencode.json", JSON.stringify({ plugin: ["file:///src/opencode-session-fallback"], provider: { myproxy: { npm: "@ai-sdk/openai-compatible", models: { "gpt-5": {} } } } }));
    const [e] = errors(t.doctor({ HOME: t.home }));
    expect(e?.message).toMatch(/whose model myproxy\/gpt-9 is not among the models .*opencode\.json declares for provider "myproxy"/);
    t.put("project/opencode.json", JSON.stringify({ plugin: ["file:///src/opencode-session-fallback"], provider: { myproxy: { models: { "gpt-9": {} } } } }));
    expect(errors(t.doctor({ HOME: t.home }))).toEqual([]);
  });
});

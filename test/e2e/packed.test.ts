/**
 * Issue 13: the artifact users get. `npm pack` makes the tarball; the real OpenCode installs it through
 * its own installer from a `name@file:<tarball>` plugin entry (the form OpenCode 1.18.33 installs; a bare
 * `file:///…/x.tgz` is skipped), and `opencode run` recovers a quota failure with it. What OpenCode put
 * in its package cache is measured: the plugin and its runtime dependencies only, no peer; and the installed
 * entries import under Node 20, Node 22 and Bun.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { OPENAI_INSUFFICIENT_QUOTA, REPO_ROOT, prepareProject, runOpencode, startMockProvider, type MockProvider, type PreparedProject } from "./harness/index.js";

let mock: MockProvider;
let packDir: string;
let tarball: string;
let project: PreparedProject | undefined;

beforeAll(async () => {
  mock = await startMockProvider();
  packDir = mkdtempSync(join(tmpdir(), "osf-pack-"));
  // dist/ is built before the e2e suite (npm test); pack what `npm publish` would publish.
  const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", packDir], { cwd: REPO_ROOT, encoding: "utf8" });
  tarball = join(packDir, out.trim().split("\n").pop()!.trim());
});
afterAll(async () => {
  project?.cleanup();
  rmSync(packDir, { recursive: true, force: true });
  await mock?.close();
});

/** Every file under `dir`, with its size; symlinks not followed. */
function walk(dir: string, out: Array<{ file: string; size: number }> = []): Array<{ file: string; size: number }> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.isFile()) out.push({ file: full, size: statSync(full).size });
  }
  return out;
}

describe("the packed artifact, installed by OpenCode itself", () => {
  test("name@file:<tarball>: OpenCode installs it, opencode run recovers a quota failure, the cache holds ≤ 10 MB and no peer", async () => {
    expect(existsSync(tarball), tarball).toBe(true);
    project = prepareProject({
      mock,
      models: ["unused"],
      extraProviders: { alpha: ["exhausted"], beta: ["backup"] },
      plugins: [`opencode-session-fallback@file:${tarball}`],
      agents: {
        coder: "---\ndescription: coder\nmode: primary\nmodel: alpha/exhausted\nfallback_agent: rescue\n---\nYou are coder.\n",
        rescue: "---\ndescription: the fallback lane\nmode: primary\nmodel: beta/backup\n---\nRESCUE-PROMPT-MARKER\n",
      },
    });
    mock.script("exhausted", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
    mock.script("backup", [{ kind: "text", text: "PACKED-FALLBACK-ANSWER" }]);
    const run = await runOpencode(project, ["--agent", "coder", "PACKED-QUESTION"], { timeoutMs: 180_000 });
    const explain = `exit ${run.code}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
    expect(run.code, explain).toBe(0);
    expect(run.stdout.trim(), explain).toBe("PACKED-FALLBACK-ANSWER");
    expect(run.stderr, explain).toContain("Continuing this session on beta/backup");

    // What OpenCode installed for the plugin, in its package cache under the project's home.
    const cache = join(project.root, "home", ".cache", "opencode");
    const files = walk(cache);
    const ours = files.filter((f) => f.file.endsWith(join("node_modules", "opencode-session-fallback", "package.json")));
    expect(ours.length, `the plugin in ${cache}`).toBeGreaterThan(0);
    const installRoot = ours[0]!.file.slice(0, ours[0]!.file.indexOf(join("node_modules", "opencode-session-fallback")));
    const installed = files.filter((f) => f.file.startsWith(installRoot));
    const bytes = installed.reduce((sum, f) => sum + f.size, 0);
    console.info(`[packed] OpenCode installed ${installed.length} files, ${(bytes / 1024 / 1024).toFixed(1)} MB in ${installRoot}`);
    expect(bytes).toBeLessThanOrEqual(10 * 1024 * 1024);
    expect(existsSync(join(installRoot, "node_modules", "effect")), "the optional peer's dependencies are not installed").toBe(false);

    // The installed entries import under Node 20 (the engines floor) without the peer: the plugin
    // module (its default export only) and the classify subpath.
    const smoke = [
      `const m = await import("opencode-session-fallback");`,
      `if (Object.keys(m).join() !== "default" || m.default.id !== "opencode-session-fallback" || typeof m.default.server !== "function") throw new Error("bad entry " + Object.keys(m));`,
      `const c = await import("opencode-session-fallback/classify");`,
      `const v = c.classifyError("Insufficient Balance");`,
      `if (v.kind !== "quota") throw new Error("bad verdict " + JSON.stringify(v));`,
      `console.log("smoke ok " + process.version + (globalThis.Bun ? " bun " + globalThis.Bun.version : ""));`,
    ].join("\n");
    const printed = execFileSync(process.execPath, ["--input-type=module", "-e", smoke], { cwd: installRoot, encoding: "utf8" });
    expect(printed).toContain("smoke ok v20");
    // The same under Node 22 and under Bun (what OpenCode runs plugins with), both fetched pinned from the npm registry.
    const node22 = execFileSync("npx", ["--yes", "node@22.23.3", "--input-type=module", "-e", smoke], { cwd: installRoot, encoding: "utf8", timeout: 120_000 });
    expect(node22).toContain("smoke ok v22.");
    const bun = execFileSync("npx", ["--yes", "bun@1.4.5", "-e", smoke], { cwd: installRoot, encoding: "utf8", timeout: 120_000 });
    expect(bun).toContain(" bun 1.4.5");
  }, 240_000);
});

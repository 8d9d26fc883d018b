import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as entry from "../src/index";

describe("the plugin entry", () => {
  it("exports the plugin module and nothing else (OpenCode calls every other export as a plugin)", () => {
    expect(Object.keys(entry)).toEqual(["default"]);
    expect(entry.default.id).toBe("opencode-session-fallback");
    expect(typeof entry.default.server).toBe("function");
  });

  it("its published types resolve without @opencode-ai/plugin (an optional peer)", () => {
    // dist/ is built before the unit tests (npm test: typecheck, build, unit, e2e).
    for (const file of ["../dist/index.d.ts", "../dist/classify.d.ts"]) {
      const dts = readFileSync(new URL(file, import.meta.url), "utf8");
      expect(dts, file).not.toMatch(/(?:from|import)\s*\(?\s*["']@opencode-ai\//);
    }
  });

  it("init returns a hook object with event and config hooks, and never throws on odd options", async () => {
    const client = { app: { log: async () => ({}) } };
    for (const options of [undefined, {}, { attemptLimit: "x" }, "bad", 42, null]) {
      const hooks = (await entry.default.server({ client, directory: "/nonexistent", worktree: "/nonexistent" } as never, options as never)) as Record<string, unknown>;
      expect(typeof hooks.event).toBe("function");
      expect(typeof hooks.config).toBe("function");
    }
  });
});

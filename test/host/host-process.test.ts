import { describe, expect, it } from "vitest";
import { hostProcessOf } from "../../src/host/host-process";

const BIN = ["bun", "/$bunfs/root/src/index.js"];

describe("hostProcessOf: the client, read from OpenCode's process arguments", () => {
  it.each([
    [["run", "hello"], { kind: "run", format: "default", thinking: false, skipPermissions: false }],
    [["run", "--format", "json", "hi"], { kind: "run", format: "json", thinking: false, skipPermissions: false }],
    [["run", "--format=json", "--thinking", "hi"], { kind: "run", format: "json", thinking: true, skipPermissions: false }],
    [["--print-logs", "--log-level", "INFO", "run", "--agent", "coder", "x"], { kind: "run", format: "default", thinking: false, skipPermissions: false }],
    [["run", "--attach", "http://127.0.0.1:4096", "hi"], { kind: "other", format: "default", thinking: false, skipPermissions: false }],
    [["run", "--attach=http://127.0.0.1:4096", "hi"], { kind: "other", format: "default", thinking: false, skipPermissions: false }],
    [["serve", "--port", "4096"], { kind: "other", format: "default", thinking: false, skipPermissions: false }],
    [[], { kind: "other", format: "default", thinking: false, skipPermissions: false }],
  ])("%j → %j", (args, expected) => {
    expect(hostProcessOf([...BIN, ...args])).toEqual(expected);
  });

  it("is total", () => {
    expect(hostProcessOf([])).toEqual({ kind: "other", format: "default", thinking: false, skipPermissions: false });
    // Anything that is not a string is skipped.
    expect(hostProcessOf(["bun", "x", 1, null, { x: 1 }, "run"] as unknown[])).toMatchObject({ kind: "run" });
    expect(hostProcessOf("run" as unknown as unknown[]).kind).toBe("other");
  });
});

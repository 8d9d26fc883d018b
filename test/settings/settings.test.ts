import { describe, expect, it } from "vitest";
import { loadSettings } from "../../src/settings/settings";

describe("loadSettings", () => {
  it("defaults", () => {
    const { settings, warnings } = loadSettings({}, undefined, "/proj");
    expect(settings.attemptLimit).toBe(1);
    expect(settings.debug).toBe(false);
    expect(settings.debugLogPath).toBe("/proj/log/opencode-session-fallback.debug.log");
    expect(settings.switchAgent).toBe(false);
    expect([...settings.fallbackOn].sort()).toEqual(["auth", "auth-pool", "quota"]);
    expect(settings.maxWaitMs).toBe(60_000);
    expect(warnings).toEqual([]);
  });

  it("reads env, and env wins over plugin options", () => {
    const { settings, sources } = loadSettings(
      { OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT: "3", OPENCODE_SESSION_FALLBACK_DEBUG: "yes", OPENCODE_SESSION_FALLBACK_DEBUG_LOG: "/tmp/x.log" },
      { attemptLimit: 7, debug: false, switchAgent: true },
      "/proj",
    );
    expect(settings.attemptLimit).toBe(3);
    expect(settings.debug).toBe(true);
    expect(settings.debugLogPath).toBe("/tmp/x.log");
    expect(settings.switchAgent).toBe(true);
    expect(sources.attemptLimit).toBe("env");
    expect(sources.switchAgent).toBe("option");
  });

  it.each([
    ["OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT", "-1"],
    ["OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT", "1.5"],
    ["OPENCODE_SESSION_FALLBACK_ATTEMPT_LIMIT", "many"],
    ["OPENCODE_SESSION_FALLBACK_DEBUG", "perhaps"],
    ["OPENCODE_SESSION_FALLBACK_ON", "quota,everything"],
    ["OPENCODE_SESSION_FALLBACK_MAX_WAIT_MS", "soon"],
    ["OPENCODE_SESSION_FALLBACK_DEBUG_LOG", "   "],
  ])("%s=%j gets a warning naming it, and the default", (name, value) => {
    const { settings, warnings } = loadSettings({ [name]: value }, undefined, "/proj");
    const defaults = loadSettings({}, undefined, "/proj").settings;
    if (name.endsWith("DEBUG_LOG")) {
      // Whitespace-only is treated as unset after trimming fails validation.
      expect(settings.debugLogPath).toBe(defaults.debugLogPath);
    } else {
      expect(settings).toEqual(defaults);
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(name);
    expect(warnings[0]).toMatch(/using/);
  });

  it("bad options and unknown option keys are warned about, never thrown", () => {
    expect(loadSettings({}, "nope", "/p").warnings[0]).toMatch(/should be an object/);
    expect(loadSettings({}, { atemptLimit: 2 }, "/p").warnings[0]).toMatch(/"atemptLimit" is not known/);
    expect(loadSettings({}, { attemptLimit: "2" }, "/p").settings.attemptLimit).toBe(2);
    expect(loadSettings({}, { on: ["quota", "rate-limit"] }, "/p").settings.fallbackOn.has("rate-limit")).toBe(true);
  });
});

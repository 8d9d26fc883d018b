import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { defaultAuthFile, parseAuthStore, readAuthStore } from "../../src/pace/sources/auth-store";

const FILE = "/home/u/.local/share/opencode/auth.json";
const TOKEN = "sk-ant-oat01-secretSecretSecret0123456789";

/** auth.json as OpenCode 1.18.33 writes it (Auth.Info: oauth, api, wellknown), with fake tokens. */
const OPENCODE_AUTH_JSON = JSON.stringify({
  anthropic: { type: "oauth", refresh: "sk-ant-ort01-r", access: TOKEN, expires: 1_767_400_000_000 },
  openai: { type: "oauth", refresh: "rt_r", access: "eyJ.a.b", expires: 1_767_400_000_000, accountId: "acct-1" },
  "github-copilot": { type: "oauth", refresh: "gho_x", access: "gho_x", expires: 0, enterpriseUrl: "acme.ghe.com" },
  openrouter: { type: "api", key: "sk-or-v1-k", metadata: { label: "work" } },
  "https://auth.example": { type: "wellknown", key: "EXAMPLE_TOKEN", token: "t" },
});

const reader = (text: string) => async () => text;
const failing = (code: string) => async () => {
  throw Object.assign(new Error(`${code}: something about ${FILE}`), { code });
};

let tmp: string | undefined;
afterEach(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

describe("defaultAuthFile", () => {
  it("is $XDG_DATA_HOME/opencode/auth.json when XDG_DATA_HOME is set", () => {
    expect(defaultAuthFile({ XDG_DATA_HOME: "/data" }, "/home/u")).toBe("/data/opencode/auth.json");
  });
  it("is ~/.local/share/opencode/auth.json otherwise (and for an empty XDG_DATA_HOME)", () => {
    expect(defaultAuthFile({}, "/home/u")).toBe(FILE);
    expect(defaultAuthFile({ XDG_DATA_HOME: "" }, "/home/u")).toBe(FILE);
  });
  it("takes HOME from the env when no home is given", () => {
    expect(defaultAuthFile({ HOME: "/home/v" })).toBe("/home/v/.local/share/opencode/auth.json");
  });
});

describe("readAuthStore", () => {
  it("reads every entry OpenCode 1.18 writes", async () => {
    const read = await readAuthStore(FILE, reader(OPENCODE_AUTH_JSON));
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(Object.keys(read.auth)).toEqual(["anthropic", "openai", "github-copilot", "openrouter", "https://auth.example"]);
    expect(read.auth.anthropic).toEqual({ type: "oauth", refresh: "sk-ant-ort01-r", access: TOKEN, expires: 1_767_400_000_000 });
    expect(read.auth.openai).toMatchObject({ type: "oauth", accountId: "acct-1" });
    expect(read.auth["github-copilot"]).toMatchObject({ type: "oauth", expires: 0, enterpriseUrl: "acme.ghe.com" });
    expect(read.auth.openrouter).toEqual({ type: "api", key: "sk-or-v1-k", metadata: { label: "work" } });
    expect(read.auth["https://auth.example"]).toEqual({ type: "wellknown", key: "EXAMPLE_TOKEN", token: "t" });
    expect(read.skipped).toEqual([]);
  });

  it("skips entries that do not decode, like OpenCode, and names only their provider", async () => {
    const text = JSON.stringify({
      anthropic: { type: "oauth", access: 42 },
      openai: { type: "api" },
      broken: "just a string",
      untyped: { access: TOKEN },
      fine: { type: "api", key: "k" },
    });
    const read = await readAuthStore(FILE, reader(text));
    expect(read).toEqual({ ok: true, auth: { fine: { type: "api", key: "k" } }, skipped: ["anthropic", "openai", "broken", "untyped"] });
  });

  it("a missing file is an empty store and a reason", async () => {
    expect(await readAuthStore(FILE, failing("ENOENT"))).toEqual({
      ok: false,
      auth: {},
      kind: "missing",
      reason: `no credential store at ${FILE} (no provider is logged in to OpenCode)`,
    });
  });

  it("an unreadable file is an empty store and a reason with the error code only", async () => {
    expect(await readAuthStore(FILE, failing("EACCES"))).toEqual({
      ok: false,
      auth: {},
      kind: "unreadable",
      reason: `the credential store ${FILE} could not be read (EACCES)`,
    });
    const odd = await readAuthStore(FILE, async () => {
      throw new Error(`weird ${TOKEN}`);
    });
    expect(odd).toMatchObject({ ok: false, kind: "unreadable", reason: `the credential store ${FILE} could not be read (read error)` });
  });

  it.each([
    ["truncated JSON holding a token", `{"anthropic":{"type":"oauth","access":"${TOKEN}"`],
    ["a stray character before a token", `x{"anthropic":{"access":"${TOKEN}"}}`],
    ["an empty file", ""],
  ])("a corrupt file (%s) is an empty store and a reason that quotes none of it", async (_label, text) => {
    const read = await readAuthStore(FILE, reader(text));
    expect(read).toEqual({ ok: false, auth: {}, kind: "corrupt", reason: `the credential store ${FILE} is not valid JSON; usage sources that need a login answer without one` });
  });

  it.each([["an array", "[1,2]"], ["null", "null"], ["a string", '"auth"'], ["a number", "7"]])("JSON that is %s is corrupt", async (_label, text) => {
    expect(await readAuthStore(FILE, reader(text))).toMatchObject({ ok: false, kind: "corrupt", auth: {} });
  });

  it("reads a real file from disk", async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "auth-store-"));
    const file = defaultAuthFile({ XDG_DATA_HOME: tmp }, "/nowhere");
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, OPENCODE_AUTH_JSON, { mode: 0o600 });
    const read = await readAuthStore(file);
    expect(read.ok && Object.keys(read.auth).length).toBe(5);
    expect(await readAuthStore(path.join(tmp, "missing.json"))).toMatchObject({ ok: false, kind: "missing" });
  });

  it("is total over any text and never echoes a token in its reason", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ anthropic: v }))), fc.boolean(), async (junk, withToken) => {
        const text = withToken ? `${junk}${TOKEN}` : junk;
        const read = await readAuthStore(FILE, reader(text));
        expect(typeof read.ok).toBe("boolean");
        if (!read.ok) {
          expect(read.auth).toEqual({});
          expect(read.reason).not.toContain(TOKEN);
        }
      }),
    );
  });
});

describe("parseAuthStore", () => {
  it("reads the text of OPENCODE_AUTH_CONTENT the same way, naming its origin", () => {
    expect(parseAuthStore('{"openrouter":{"type":"api","key":"k"}}', "OPENCODE_AUTH_CONTENT")).toEqual({
      ok: true,
      auth: { openrouter: { type: "api", key: "k" } },
      skipped: [],
    });
    expect(parseAuthStore("{", "OPENCODE_AUTH_CONTENT")).toMatchObject({ ok: false, reason: "OPENCODE_AUTH_CONTENT is not valid JSON; usage sources that need a login answer without one" });
  });
});

/**
 * The shape of src/ (README "Architecture"): one folder per pipeline stage, dependencies flowing one way.
 * A file may import from its own folder and from folders of a lower rank, never from a higher rank or a
 * sibling of the same rank; type-only imports count too (they are how a layer learns of another's
 * shapes). No source file is over 320 lines.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(__dirname, "../src");

/** Rank of each stage folder; the entries at the top of src/ come last. */
const LAYERS: Readonly<Record<string, number>> = {
  support: 0,
  classify: 1,
  host: 2,
  agents: 3,
  settings: 3,
  sessions: 4,
  lanes: 5,
  recovery: 6,
  pace: 6,
  cli: 7,
  "": 8,
};

const MAX_LINES = 320;

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : name.endsWith(".ts") ? [full] : [];
  });
}

/** The stage folder of a file under src/ ("" for the entries on top). */
function stageOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? "" : rel[0]!;
}

/** Every relative import of a file, resolved to a path under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]!);
  return specs.map((spec) => path.resolve(path.dirname(file), spec));
}

/** `from -> to` for every import that breaks the rule, given the ranks. */
function violations(files: readonly string[], layers: Readonly<Record<string, number>>): string[] {
  const out: string[] = [];
  for (const file of files) {
    const from = stageOf(file);
    for (const target of importsOf(file)) {
      const to = stageOf(target);
      if (to === from) continue;
      const ok = layers[from] !== undefined && layers[to] !== undefined && layers[to]! < layers[from]!;
      if (!ok) out.push(`${path.relative(SRC, file)} (${from || "top"}) imports ${path.relative(SRC, target)} (${to || "top"})`);
    }
  }
  return out;
}

describe("src/ is one folder per stage, each importing only from lower stages", () => {
  const files = sourceFiles();

  it("every folder of src/ has a rank", () => {
    const folders = new Set(files.map(stageOf));
    expect([...folders].filter((f) => LAYERS[f] === undefined)).toEqual([]);
  });

  it("no file imports from a higher stage or a sibling stage", () => {
    expect(violations(files, LAYERS)).toEqual([]);
  });

  it("the check itself fails when a stage imports one ranked above it (host ranked last here)", () => {
    const upward = violations(files, { ...LAYERS, host: 9 });
    expect(upward.length).toBeGreaterThan(0);
    expect(upward.every((line) => line.includes("(host)"))).toBe(true);
  });

  it(`no source file is over ${MAX_LINES} lines`, () => {
    const long = files
      .map((file) => ({ file: path.relative(SRC, file), lines: readFileSync(file, "utf8").split("\n").length - 1 }))
      .filter((f) => f.lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it("test/ mirrors src/: every test folder is a stage folder (besides helpers, fixtures and e2e)", () => {
    const TEST = path.resolve(__dirname);
    const folders = readdirSync(TEST).filter((name) => statSync(path.join(TEST, name)).isDirectory());
    const stages = new Set(files.map(stageOf).filter((f) => f !== ""));
    expect(folders.filter((f) => !stages.has(f) && !["helpers", "fixtures", "e2e"].includes(f))).toEqual([]);
  });
});

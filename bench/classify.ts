/**
 * Figure 7: the classifier's cost per call on 100 KB inputs (issue 11: goal p99 <= 1 ms). Every corpus
 * row (test/fixtures/provider-errors.json) is padded to 100 KB three ways — its message, its body (a JSON
 * field next to the provider's error), a bare string — with two fillers: prose and markup that says
 * nothing (an echoed page), and a soup of the words the rows look for ("quota", "per", "minute", "limit",
 * 请求, 限额…), which makes every pattern try hardest. Plus degenerate 100 KB strings (one letter, one
 * digit, "per " repeated, unclosed JSON). Each call is timed alone with process.hrtime.bigint().
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../test/e2e/harness/index.js";
import { classifyError } from "../src/classify";
import { quantile, spread, type Spread } from "./stats";

export interface ClassifyResult {
  readonly inputs: number;
  readonly rounds: number;
  /** ms per call. */
  readonly corpus: Spread & { readonly p99: number };
  readonly prose: Spread & { readonly p99: number };
  readonly soup: Spread & { readonly p99: number };
  readonly degenerate: Spread & { readonly p99: number };
}

const SIZE = 100 * 1024;
const ROUNDS = 10;

const PROSE =
  '<div class="row"> function render(props) { return props.items.map((item) => item.name).join(", "); } </div> the quick brown fox jumps over the lazy dog 0x1f {"a": [1, 2, 3]} '.split(
    " ",
  );
const SOUP = ["the", "request", "per", "minute", "quota", "limit", "token", "rate", "error", "exceeded", "retry", "billing", "plan", "day", "model", "429", "503", "{", '"error":', "请求", "限额", "per_minute", "PerMinute", "exhausted", "context", "too long"];

function filler(words: readonly string[], seed: number): string {
  let out = "";
  let x = seed;
  while (out.length < SIZE) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out += `${words[x % words.length]} `;
  }
  return out.slice(0, SIZE);
}

interface Row {
  readonly input: unknown;
}

function padded(rows: readonly Row[], words: readonly string[]): unknown[] {
  const out: unknown[] = [];
  rows.forEach((row, i) => {
    const pad = filler(words, i + 1);
    const input = row.input as { name?: unknown; data?: Record<string, unknown> } | string;
    if (typeof input === "string") {
      out.push(`${input} ${pad}`, `${pad} ${input}`);
      return;
    }
    const data = (input && typeof input === "object" && input.data) || {};
    const message = typeof data.message === "string" ? data.message : "";
    const body = typeof data.responseBody === "string" ? data.responseBody : "";
    out.push({ ...input, data: { ...data, message: `${message} ${pad}` } });
    out.push({ ...input, data: { ...data, responseBody: body.endsWith("}") ? `${body.slice(0, -1)}, "echo": ${JSON.stringify(pad)}}` : `${body} ${pad}` } });
    out.push(`${message} ${pad}`);
  });
  return out;
}

function time(inputs: readonly unknown[]): number[] {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const input of inputs) {
      const t0 = process.hrtime.bigint();
      classifyError(input, { now: 0 });
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  return samples;
}

const withP99 = (samples: number[]) => ({ ...spread(samples), p99: quantile(samples, 0.99) });

export async function runClassify(): Promise<ClassifyResult> {
  const rows = JSON.parse(readFileSync(join(REPO_ROOT, "test", "fixtures", "provider-errors.json"), "utf8")) as Row[];
  const corpus = rows.map((r) => r.input);
  const prose = padded(rows, PROSE);
  const soup = padded(rows, SOUP);
  const degenerate: unknown[] = [
    "a".repeat(SIZE),
    "9".repeat(SIZE),
    " ".repeat(SIZE),
    "per ".repeat(SIZE / 4),
    "quota ".repeat(Math.ceil(SIZE / 6)),
    `{${'"a":'.repeat(SIZE / 4)}`,
    { name: "APIError", data: { statusCode: 429, message: "x".repeat(SIZE), responseBody: `{"error":{"message":${JSON.stringify("限".repeat(SIZE))}}}` } },
    { type: "retry", attempt: 1, message: "Too Many Requests ".repeat(SIZE / 18), next: 0 },
  ];
  // Warm-up: let V8 optimise the classifier and compile every pattern.
  for (let i = 0; i < 3; i++) for (const input of [...corpus, ...prose, ...soup, ...degenerate]) classifyError(input, { now: 0 });
  return {
    inputs: corpus.length + prose.length + soup.length + degenerate.length,
    rounds: ROUNDS,
    corpus: withP99(time(corpus)),
    prose: withP99(time(prose)),
    soup: withP99(time(soup)),
    degenerate: withP99(time(degenerate)),
  };
}

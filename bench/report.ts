/** The one table `npm run bench` prints, and BENCHMARKS.md. */
import { cpus, loadavg } from "node:os";
import type { DecisionResult } from "./decision";
import type { HeadlessRunResult } from "./headless-run";
import type { LaneOutResult } from "./lane-out";
import type { HotPathResult } from "./hot-path";
import type { ClassifyResult } from "./classify";
import type { MemoryResult } from "./memory";
import type { RealServerResult } from "./real-server";
import { bytes, duration, num, type Spread } from "./stats";

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly opencode: string;
  readonly date: string;
  readonly platform: string;
  /** 1-minute load average when the run started and when it ended: other work on the machine skews the figures. */
  readonly load: string;
}

export function machine(opencodeVersion: string, loadAtStart: number): Machine {
  const all = cpus();
  return {
    cpu: all[0]?.model.trim() ?? "unknown",
    cores: all.length,
    node: process.version,
    opencode: opencodeVersion,
    date: new Date().toISOString(),
    platform: `${process.platform} ${process.arch}`,
    load: `${num(loadAtStart, 2)} at start, ${num(loadavg()[0] ?? Number.NaN, 2)} at end`,
  };
}

export interface Results {
  readonly hot?: HotPathResult;
  readonly decision?: DecisionResult;
  readonly memory?: MemoryResult;
  readonly server?: RealServerResult;
  readonly headless?: HeadlessResult;
  readonly laneOut?: LaneOutResult;
  readonly classify?: ClassifyResult;
  readonly wallMs: number;
}

/** Figure 5, with the OpenCode version and the plugin build it ran. */
export interface HeadlessResult extends HeadlessRunResult {
  readonly opencodeVersion: string;
  readonly pluginBuiltAt: string;
}

const p50p95 = (s: Spread) => `p50 ${duration(s.p50)}, p95 ${duration(s.p95)}`;
const p50p95max = (s: Spread) => `${p50p95(s)}, max ${duration(s.max)}`;
const signed = (ms: number) => (Number.isFinite(ms) && ms < 0 ? `-${duration(-ms)}` : duration(ms));

type Row = readonly [figure: string, measure: string, result: string];

function rows(r: Results): Row[] {
  const out: Row[] = [];
  if (r.hot) {
    const h = r.hot;
    const how = `median of ${h.batches} batch means, ${num(h.eventsPerBatch)} events/batch`;
    out.push(["1 hot path", `plugin event hook, message.part.updated (${how})`, `${num(h.pluginNs, 1)} ns/event`]);
    out.push(["1 hot path", "empty async handler `async () => {}`, same run", `${num(h.emptyAsyncNs, 1)} ns/event`]);
    out.push(["1 hot path", "empty sync handler returning a resolved promise, same run", `${num(h.emptySyncNs, 1)} ns/event`]);
    out.push(["1 hot path", "RATIO plugin / empty async", `${num(h.ratio, 2)}x`]);
  }
  if (r.decision) {
    const d = r.decision;
    out.push(["2 decision", `retry event -> promptAsync, warm cache, ${d.agentFiles} agent files (${d.warm.n} samples)`, `p50 ${duration(d.warm.p50)}, p95 ${duration(d.warm.p95)}`]);
    out.push(["2 decision", `retry event -> promptAsync, cold cache: fresh createHooks each (${d.cold.n} samples)`, `p50 ${duration(d.cold.p50)}, p95 ${duration(d.cold.p95)}`]);
  }
  if (r.memory) {
    const m = r.memory;
    const tracked = Math.min(10_000, m.cap);
    const above = (n: string) => bytes((m.heapAfter[n] ?? Number.NaN) - m.baseline);
    out.push(["3 memory", `heap per tracked session after 10,000 retry -> recovery sessions (${num(tracked)} tracked)`, `${num(m.perTrackedSession)} B`]);
    out.push(["3 memory", "session cap (src/sessions/session-state.ts MAX_SESSIONS)", num(m.cap)]);
    out.push(["3 memory", "heap above baseline after 10,000 / 20,000 sessions", `${above("10000")} / ${above("20000")}`]);
  }
  if (r.server) {
    const s = r.server;
    out.push([
      "4 real server",
      `plugin: first 429 -> fallback request at the provider (${s.plugin.runs} sequential sessions)`,
      `p50 ${duration(s.plugin.recovery.p50)}, p95 ${duration(s.plugin.recovery.p95)}, max ${duration(s.plugin.recovery.max)}`,
    ]);
    out.push([
      "4 real server",
      `stock OpenCode ${s.opencodeVersion}: first 429 -> session.error (${s.stock.runs} concurrent sessions)`,
      `p50 ${duration(s.stock.death.p50)}, p95 ${duration(s.stock.death.p95)}`,
    ]);
  }
  if (r.headless) {
    const x = r.headless;
    const ran = (runs: number, failed: number) => `${runs} runs${failed > 0 ? `, ${failed} FAILED and not counted` : ""}`;
    out.push(["5 opencode run", `plugin: first 429 -> fallback request at the provider, in-process (${ran(x.plugin.runs, x.plugin.failed)})`, p50p95max(x.plugin.recovery)]);
    out.push(["5 opencode run", "plugin: first 429 -> the run exits, the fallback's answer printed just before", p50p95max(x.plugin.toExit)]);
    out.push(["5 opencode run", `healthy \`--agent rescue\` on the fallback's model: provider request -> exit (${ran(x.healthy.runs, x.healthy.failed)})`, p50p95max(x.healthy.toExit)]);
    out.push([
      "5 opencode run",
      "OVERHEAD median(first 429 -> exit, plugin) - median(provider request -> exit, healthy); goal <= 1 s",
      `${duration(x.medians.pluginToExit)} - ${duration(x.medians.healthyToExit)} = ${signed(x.overheadMs)}`,
    ]);
    out.push(["5 opencode run", "wall time of the run process, plugin (429 then fallback) / healthy", `${p50p95(x.plugin.wall)} / ${p50p95(x.healthy.wall)}`]);
    out.push(["5 opencode run", "wall time: median(plugin) - median(healthy)", `${duration(x.medians.pluginWall)} - ${duration(x.medians.healthyWall)} = ${signed(x.wallOverheadMs)}`]);
  }
  if (r.laneOut) {
    for (const c of r.laneOut.cases) {
      out.push([
        "6 lane out 5 h",
        `${c.label}; goal <= 2 probes/h`,
        `${num(c.probesPerHour, 1)} probes/h, ${num(c.toastsPerHour, 1)} toasts/h (${c.failures} failed requests, ${c.toasts} toasts in ${c.turns} turns)`,
      ]);
    }
  }
  if (r.classify) {
    const c = r.classify;
    const p99 = (x: ClassifyResult["corpus"]) => `p50 ${duration(x.p50)}, p99 ${duration(x.p99)}, max ${duration(x.max)}`;
    out.push(["7 classifier", `classifyError per call, the corpus as it is (${c.corpus.n} calls)`, p99(c.corpus)]);
    out.push(["7 classifier", `classifyError per call, every corpus row padded to 100 KB with prose (${c.prose.n} calls); goal p99 <= 1 ms`, p99(c.prose)]);
    out.push(["7 classifier", `the same padded with the words the rows look for (${c.soup.n} calls); goal p99 <= 1 ms`, p99(c.soup)]);
    out.push(["7 classifier", `degenerate 100 KB strings: one letter, one digit, "per " repeated, unclosed JSON (${c.degenerate.n} calls)`, p99(c.degenerate)]);
  }
  return out;
}

/** The table for the terminal. */
export function textTable(r: Results, m: Machine): string {
  const all = rows(r);
  const header: Row = ["figure", "what", "result"];
  const widths = [0, 1, 2].map((i) => Math.max(...[header, ...all].map((row) => row[i]!.length)));
  const line = (row: Row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [
    `opencode-session-fallback benchmarks: ${m.cpu}, ${m.cores} cores, Node ${m.node}, opencode-ai ${m.opencode}, ${m.date}`,
    rule,
    line(header),
    rule,
    ...all.map(line),
    rule,
    `whole run: ${duration(r.wallMs)}; load average ${m.load}`,
  ].join("\n");
}

/** BENCHMARKS.md, from this run. */
export function markdown(r: Results, m: Machine): string {
  const table = ["| figure | what | result |", "|---|---|---|", ...rows(r).map((row) => `| ${row.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`)];
  const s = r.server;
  const h = r.hot;
  const mem = r.memory;
  const x = r.headless;
  const extra: string[] = [];
  if (h) {
    extra.push(
      h.ratio < 1
        ? `Hot path: a ratio below 1 means an irrelevant event costs the plugin less than an empty \`async\` hook would: the plugin's hook is not an async function (it returns one shared resolved promise and allocates nothing), while every call of an empty async function allocates a promise.`
        : `Hot path: the plugin adds ${num(h.pluginNs - h.emptyAsyncNs, 1)} ns per irrelevant event over an empty async hook.`,
    );
  }
  if (mem) {
    extra.push(
      `Heap above baseline after 1,000 / 5,000 / 10,000 / 20,000 sessions: ${["1000", "5000", "10000", "20000"].map((n) => bytes((mem.heapAfter[n] ?? Number.NaN) - mem.baseline)).join(" / ")} ` +
        `(baseline ${bytes(mem.baseline)}). Per session seen (delta after 10,000 / 10,000): ${num(mem.perSessionSeen)} B.`,
    );
  }
  if (s) {
    extra.push(
      `Plugin run: primary requests per session p50 ${num(s.plugin.primaryRequests.p50)} (max ${num(s.plugin.primaryRequests.max)}); server ready in ${duration(s.plugin.startupMs)}; ${s.plugin.skipped} sessions steered straight to the fallback (lane still cooling) and not counted; ${s.plugin.runs} sessions took ${duration(s.plugin.wallMs)} including startup. ` +
        `Stock run: primary requests per session p50 ${num(s.stock.primaryRequests.p50)} (the first call and OpenCode's retries); ${s.stock.runs} sessions took ${duration(s.stock.wallMs)} including startup.`,
    );
  }
  if (x) {
    extra.push(
      `opencode run, where the plugin run's time goes (p50 / p95): first 429 -> the plugin's notice on stderr (OpenCode surfaces the error, the plugin decides and aborts, the run's loop ends at that idle, the instance is disposed, the plugin's \`dispose\` hook runs) ${p50p95(x.plugin.toNotice)}; ` +
        `the notice -> the fallback request at the provider (OpenCode serving the prompt sent from \`dispose\`) ${p50p95(x.plugin.noticeToFallback)}; ` +
        `the fallback request -> exit ${p50p95(x.plugin.fallbackToExit)} (healthy run, provider request -> exit: ${p50p95(x.healthy.toExit)}). ` +
        `Spawn -> first provider request (OpenCode's start-up): plugin runs ${p50p95(x.plugin.spawnToFirst)}, healthy runs ${p50p95(x.healthy.spawnToFirst)}. ` +
        `Measured to the answer's appearance on stdout instead of the exit: plugin, first 429 -> answer ${p50p95(x.plugin.toPrinted)}; healthy, provider request -> answer ${p50p95(x.healthy.toPrinted)}; difference of the medians ${signed(x.printedOverheadMs)}. ` +
        `${x.plugin.runs + x.plugin.failed + x.healthy.runs + x.healthy.failed} runs took ${duration(x.wallMs)}.` +
        (x.failures.length > 0 ? ` Failed runs (not counted): ${x.failures.map((f) => `${f.replace(/\|/g, "\\|")}`).join("; ")}.` : " No run failed."),
    );
  }
  return `# Benchmarks

Written by \`npm run bench\` (bench/index.ts); every run overwrites this file. Benchmarks, not tests: nothing
here passes or fails.

- Machine: ${m.cpu}, ${m.cores} cores, ${m.platform}
- Node ${m.node}, opencode-ai ${m.opencode}
- Date: ${m.date}${s ? `\n- Plugin under test on the real server: dist/index.js built ${s.pluginBuiltAt}` : ""}${x && !s ? `\n- Plugin under test in \`opencode run\`: dist/index.js built ${x.pluginBuiltAt}` : ""}
- Whole run: ${duration(r.wallMs)}; 1-minute load average ${m.load} (anything else running on the ${m.cores} cores skews the figures)

${table.join("\n")}

${extra.join("\n\n")}

## How measured

**1. Hot path.** OpenCode calls every plugin's \`event\` hook for every bus event, synchronously inside the
publish, and most events are \`message.part.updated\`, one per streamed chunk. The bench builds the REAL
plugin (\`createHooks\` from src/plugin.ts with a FakeOpencode port, a temp home and a temp lane state file)
and feeds its \`event\` hook 1,024 distinct, realistic \`message.part.updated\` events (a text part with ids,
time, the accumulated text and the delta) in a loop, each wrapped in a new \`{ event }\` object as OpenCode
does. In the same run, interleaved with it (the order rotating every round), the same loop calls an empty
async handler \`async () => {}\` and an empty sync handler returning an already resolved promise. All three
go through one call site made megamorphic first (as OpenCode's loop over several plugins' hooks is), so no
handler is inlined away. After a warm-up of 5 batches each, ${h ? h.batches : 31} rounds of ${h ? num(h.eventsPerBatch) : "100,000"} events per handler are
timed with \`process.hrtime.bigint()\`; the figure is the median of the batch means. The ratio plugin / empty
async handler is the one that counts: it says what the plugin adds over the cheapest hook a plugin can have.

**2. Decision latency.** From the moment \`hooks.event\` is called with a \`session.status\` retry carrying
OpenAI's real insufficient-quota message until FakeOpencode (whose calls resolve at once) receives
\`promptAsync\` (the method is wrapped to take \`performance.now()\`). The path in between is the whole
recovery: classification, reading the session's messages, resolving \`fallback_agent\` from the agent files,
marking the lane cooling and persisting it to the state file (real file I/O), the abort, the prompt. The
project's \`.opencode/agent/\` holds 200 agent files, the failing agent (\`coder\`) and its fallback (\`backup\`,
another provider) among them. Warm cache: one plugin instance, its agent files already parsed (50 warm-up
recoveries first). Cold cache: a fresh \`createHooks\` for every sample (not timed), so both agent files are
stat'ed, read and parsed inside the timed path; the code itself is already optimized. Every sample uses a
new session ID and waits for its work and its state write to finish before the next one.

**3. Memory per tracked session.** In a child \`node --expose-gc\` (a fresh heap). After a throwaway warm-up
instance (500 recoveries, then disposed), a new plugin instance is created and \`heapUsed\` is read after
repeated \`gc()\`: the baseline. Then distinct sessions each get a quota retry event and go through the
whole recovery (FakeOpencode, 50 at a time, every state write awaited); FakeOpencode's own records are
dropped so only the plugin's state counts. \`heapUsed\` after \`gc()\` is read again after 1,000, 5,000,
10,000 and 20,000 sessions. Per tracked session = (heap after 10,000 - baseline) / the sessions the plugin
still tracks (min(10,000, MAX_SESSIONS)); the plugin forgets the least recently used sessions past
MAX_SESSIONS, which the flat heap from 10,000 to 20,000 shows.

**4. Time to recovery on the real server.** The built plugin (\`dist/index.js\`) loaded by a real
\`opencode serve\` (opencode-ai ${m.opencode}) in an isolated temp project, with the e2e harness's loopback
mock provider: \`mock/gpt-primary\` answers OpenAI's real \`429 insufficient_quota\` body, \`backup/backup-model\`
(another provider) answers text; the agents are those of scripts/demo.ts (\`coder\` with \`fallback_agent:
backup\`). 20 sessions run one after the other on one server; for each, the time from the mock receiving the
first request for the primary (answered 429) to the mock receiving the fallback request, both timestamped by
the mock. OPENCODE_SESSION_FALLBACK_COOLDOWN_MS is set to 1000 and each session starts at least 2.25 s after
the previous fallback request (the lane is marked cooling before that request is sent, and a failure
within a cooldown's length after it ends would cool twice as long): otherwise, with the default 15-minute cooldown, the plugin would send sessions 2-20 straight
to the fallback before any 429 (the lane is known to be out), and there would be no recovery to time (a
session that is steered anyway is reported and not counted). Stock
OpenCode: the same scenario on a second server without the plugin; its 20 sessions run concurrently (each
takes about 70 s because OpenCode retries the 429 five times); for each, the time from the first 429 at the
mock to the \`session.error\` event on the server's event stream.

**5. \`opencode run\`: first 429 -> the fallback's answer printed.** \`opencode run\` without \`--attach\` runs
the server in its own process, and OpenCode ${m.opencode} ends the run's event loop at the plugin's abort of
the failed turn; the plugin then sends the continuation from its \`dispose\` hook (which the instance's
dispose awaits), follows it and prints the answer itself (src/host/headless-run.ts). Each run is a real
\`opencode run --agent … "What is 2 + 2?"\` child process (the pinned binary, no TTY, as scripts and CI run
it) with the built plugin (\`dist/index.js\`) in its own freshly prepared temp project (the e2e harness's
\`prepareProject\`: its own home, so its own lane state file, and no run is steered straight to the fallback
by the lane state an earlier run left), against the loopback mock provider. Plugin runs: \`--agent coder\`,
\`alpha/exhausted\` answering OpenAI's real \`429 insufficient_quota\`, \`fallback_agent: rescue\` on
\`beta/backup\` (another provider) answering text. Healthy runs: \`--agent rescue\`, straight to
\`beta/backup\`, same project setup (the plugin loaded, nothing to recover). ${x ? x.plugin.runs + x.plugin.failed : 8} runs of each kind, one
at a time, a plugin run and a healthy run alternating so that drift on the machine hits both alike. A run
counts only if it exits 0 with the answer on stdout and the provider saw what the scenario says (plugin:
a request to \`alpha/exhausted\` answered 429, then one to \`beta/backup\` in the same session; healthy: a
request to \`beta/backup\` and none to \`alpha/exhausted\`); any other run is reported as failed and left
out. Timestamps are \`Date.now()\` in the bench process: the mock's request times (when it has read a
request's body), the child's \`exit\` event, and the first stdout / stderr chunk that completes the answer /
the plugin's notice. Time to recovery on the in-process path is the first 429 -> the fallback request, both
at the mock. The overhead is median(first 429 -> exit, plugin runs) - median(provider request -> exit,
healthy runs): what a 429 the plugin recovers costs a run over a run that had asked the fallback's model in
the first place, counted from the moment the provider refused; the wall-time difference of the medians
(spawn -> exit) says the same for the whole process. The paragraph above the table's notes splits the
plugin run at the plugin's notice on stderr, which its \`dispose\` hook writes just before it sends the
continuation: before it, OpenCode surfacing the 429, the plugin's decision and abort, the run's loop ending
and the instance's dispose; after it, OpenCode serving a prompt sent from \`dispose\` (in a DEBUG trace of one
run, OpenCode loaded the config again, initialised the plugin a second time and prepared the session's
tools again before the fallback request, as it had before the first request). Medians here are stats.ts's \`median\` (the mean of the
middle two of an even count); the table's p50 is nearest-rank.

**6. A lane out for 5 hours.** One session on \`codex/gpt-5\` (\`fallback_agent\` on another provider) while
that lane cannot serve for 5 hours, a user turn every 2 minutes (150 turns), on a simulated clock. The
plugin's own parts decide: LaneHealth how long the lane cools, the steering of each new turn (what the
\`chat.message\` hook runs) whether it goes to the fallback or back to the primary; a turn that reaches the
primary fails and is recovered as src/recovery/run-recovery.ts does (lane marked cooling, the session's sticky lane
set, one toast). A probe is a failed request after the first (the first is how the lane was found out);
toasts count the steering's ("back on primary", "out, sent to fallback") and one per recovery. The third
row forgets the lane's history before each failure: 0.2's fixed 15-minute cooldown, for comparison.

**7. The classifier on 100 KB inputs.** bench/classify.ts: every row of test/fixtures/provider-errors.json
padded to 100 KB three ways (its message, its JSON body with the padding in a field beside the provider's
error, a bare string), once with prose and markup that say nothing and once with a soup of the words the
signature rows look for ("quota", "per", "minute", "limit", 请求, 限额, …), which makes every pattern try
hardest; plus degenerate 100 KB strings. After three warm-up passes, each call is timed alone with
\`process.hrtime.bigint()\`, ${r.classify ? r.classify.rounds : 10} rounds over all inputs. The rows search the first 4 KiB and the last 512 characters of each
text (src/classify/searched-window.ts): what a provider says is at the start of its message
or body, or in the JSON fields read apart.

Reproduce: \`npm run bench\` (about 4 minutes on 2 cores; it rebuilds \`dist/\` from src/ first).\
\`npm run bench -- --only=run\` runs figure 5 alone, \`--only=lanes\` figure 6, \`--only=classify\` figure 7 (printed, this file left as it is).
`;
}

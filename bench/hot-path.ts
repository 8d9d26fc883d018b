/**
 * Figure 1: the cost of an event the plugin does not act on. OpenCode calls every plugin's `event` hook
 * for every bus event, including `message.part.updated` for each streamed chunk, synchronously inside the
 * publish; so what counts is the plugin's cost next to the least a hook can cost (an empty async handler).
 */
import type { Hooks } from "@opencode-ai/plugin";
import { median } from "./stats";
import { benchPlugin, benchProject } from "./fixture";

type Handler = (input: { event: unknown }) => unknown;

export interface HotPathResult {
  readonly batches: number;
  readonly eventsPerBatch: number;
  /** Median over batches of the batch mean, ns per event. */
  readonly pluginNs: number;
  readonly emptyAsyncNs: number;
  readonly emptySyncNs: number;
  /** pluginNs / emptyAsyncNs */
  readonly ratio: number;
}

/** Distinct `message.part.updated` events as OpenCode 1.18 publishes them while a model streams text. */
function partEvents(count: number): Array<{ event: unknown }> {
  const words = "Let me read the failing test first, then the helper it calls, and fix the off-by-one in the loop bound. ".split(" ");
  const events: Array<{ event: unknown }> = [];
  let text = "";
  for (let i = 0; i < count; i++) {
    const delta = `${words[i % words.length]} `;
    text = text.length > 1500 ? delta : text + delta;
    events.push({
      event: {
        type: "message.part.updated",
        properties: {
          part: {
            id: `prt_01JZ${String(i).padStart(22, "0")}`,
            sessionID: "ses_01JZBENCHHOTPATH000000000000",
            messageID: "msg_01JZBENCHHOTPATH000000000001",
            type: "text",
            text,
            time: { start: 1_760_000_000_000 + i },
          },
          delta,
        },
      },
    });
  }
  return events;
}

let sink: unknown;

/**
 * One shared call site for every handler, like OpenCode's publish loop over its plugins' hooks: it is
 * made megamorphic before measuring so that no handler gets inlined into the loop and measured at zero.
 */
function runBatch(handler: Handler, inputs: ReadonlyArray<{ event: unknown }>, n: number): number {
  const mask = inputs.length - 1;
  let last: unknown;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) last = handler({ event: inputs[i & mask]!.event });
  const end = process.hrtime.bigint();
  sink = last;
  return Number(end - start) / n;
}

export async function runHotPath(options: { batches?: number; eventsPerBatch?: number } = {}): Promise<HotPathResult> {
  const batches = options.batches ?? 31;
  const n = options.eventsPerBatch ?? 100_000;
  const project = benchProject();
  try {
    const plugin = benchPlugin(project);
    const hooks: Hooks = plugin.hooks;
    const pluginHandler: Handler = hooks.event as unknown as Handler;
    const done = Promise.resolve();
    const emptyAsync: Handler = async () => {};
    const emptySync: Handler = () => done;
    const inputs = partEvents(1024);

    // Make the call site megamorphic (OpenCode's loop calls many plugins' hooks from one place).
    const others: Handler[] = [0, 1, 2, 3, 4, 5].map((k) => (input) => (input.event === k ? undefined : done));
    for (const other of others) runBatch(other, inputs, 20_000);

    const handlers: Array<[keyof typeof means, Handler]> = [
      ["plugin", pluginHandler],
      ["emptyAsync", emptyAsync],
      ["emptySync", emptySync],
    ];
    const means = { plugin: [] as number[], emptyAsync: [] as number[], emptySync: [] as number[] };
    // Warm-up: let every handler be optimized before anything is kept.
    for (let w = 0; w < 5; w++) for (const [, handler] of handlers) runBatch(handler, inputs, n);
    // Interleaved batches, the order rotating each round so that none always runs first.
    for (let b = 0; b < batches; b++) {
      for (let k = 0; k < handlers.length; k++) {
        const [name, handler] = handlers[(b + k) % handlers.length]!;
        means[name].push(runBatch(handler, inputs, n));
      }
      // Let the resolved promises of the async handler be collected between rounds, as between bus events.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await plugin.idle();
    void sink;
    const pluginNs = median(means.plugin);
    const emptyAsyncNs = median(means.emptyAsync);
    return { batches, eventsPerBatch: n, pluginNs, emptyAsyncNs, emptySyncNs: median(means.emptySync), ratio: pluginNs / emptyAsyncNs };
  } finally {
    project.cleanup();
  }
}

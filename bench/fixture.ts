/**
 * The in-process fixture of the decision and memory benchmarks: the REAL plugin (`createHooks` from
 * src/plugin.ts) with a {@link FakeOpencode} port that answers at once, a temp project holding 200 agent
 * files, a temp home and a temp lane state file (the real file store, its writes counted so a run can
 * wait for them).
 */
import { join } from "node:path";
import type { Hooks } from "@opencode-ai/plugin";
import { createHooks } from "../src/plugin";
import { fileLaneStore, type LaneStore } from "../src/lanes/lane-store";
import type { PromptBody } from "../src/host/opencode-port";
import { FakeOpencode, tempProject } from "../test/helpers/fake-opencode";
import { settle } from "./stats";

/** The failing agent and its fallback, as in scripts/demo.ts (the fallback on another provider). */
export const SOURCE_AGENT = "coder";
export const FALLBACK_AGENT = "backup";
export const PRIMARY_MODEL = "mock/gpt-primary";
export const AGENT_FILES = 200;

const PROMPT_BODY = [
  "You are a careful coding agent working in a large TypeScript monorepo.",
  "Read the relevant files before editing, keep changes small and explain each one.",
  "Prefer the project's existing helpers; never add a dependency without asking.",
  "Run the type checker and the unit tests after every change and report what they said.",
  "When a task is ambiguous, state your assumption in one sentence and carry on.",
].join("\n");

/** 200 agent files: `coder` (fallback_agent: backup), `backup` (another provider), and 198 others. */
export function agentFiles(): Record<string, string> {
  const agents: Record<string, string> = {
    [SOURCE_AGENT]: `---\ndescription: your everyday agent, on a subscription that just ran out\nmode: primary\nmodel: ${PRIMARY_MODEL}\nfallback_agent: ${FALLBACK_AGENT}\ntemperature: 0.2\ntools:\n  write: true\n  edit: true\n  bash: true\n---\n${PROMPT_BODY}\n`,
    [FALLBACK_AGENT]: `---\ndescription: the fallback lane\nmode: primary\nmodel: backup/backup-model\n---\nYou are the backup lane. Keep answers short.\n${PROMPT_BODY}\n`,
  };
  for (let i = 0; Object.keys(agents).length < AGENT_FILES; i++) {
    const name = `agent-${String(i).padStart(3, "0")}`;
    const fallback = i % 3 === 0 ? `fallback_agent: agent-${String(i + 1).padStart(3, "0")}\n` : "";
    agents[name] = `---\ndescription: agent number ${i}\nmode: ${i % 2 === 0 ? "primary" : "subagent"}\nmodel: provider${i % 7}/model-${i}\n${fallback}temperature: 0.${i % 10}\npermission:\n  edit: ask\n  bash:\n    "git push": deny\n    "*": ask\n---\n${PROMPT_BODY}\nAgent ${i} specialises in area ${i}.\n`;
  }
  return agents;
}

/** A lane store on a real file that counts the writes it finished. */
export interface CountingStore extends LaneStore {
  readonly writes: { done: number };
}

export function countingStore(file: string): CountingStore {
  const inner = fileLaneStore(file);
  const writes = { done: 0 };
  return {
    file,
    writes,
    read: (now) => inner.read(now),
    async update(merge, now) {
      try {
        await inner.update(merge, now);
      } finally {
        writes.done += 1;
      }
    },
  };
}

/** The temp project, home and state file. */
export interface BenchProject {
  readonly dir: string;
  readonly home: string;
  readonly stateFile: string;
  cleanup(): void;
}

export function benchProject(): BenchProject {
  const project = tempProject(agentFiles());
  return { dir: project.dir, home: project.home, stateFile: join(project.home, "state", "lanes.json"), cleanup: project.cleanup };
}

/** A plugin instance on the fixture. */
export interface BenchPlugin {
  readonly hooks: Hooks;
  readonly fake: FakeOpencode;
  readonly store: CountingStore;
  /** `performance.now()` at which FakeOpencode received each session's promptAsync. */
  readonly promptedAt: Map<string, number>;
  /** Number of promptAsync calls (= recoveries = lane-state writes to expect). */
  prompts: number;
  /** Sends `event` to the plugin's event hook, as OpenCode's bus does (no await, no catch). */
  send(event: unknown): void;
  /** Resolves when every piece of work started by events so far, and every lane-state write, is done. */
  idle(): Promise<void>;
}

export function benchPlugin(project: BenchProject, fake: FakeOpencode = new FakeOpencode(), options: { record?: boolean } = {}): BenchPlugin {
  const record = options.record ?? true;
  const store = countingStore(project.stateFile);
  const tracked: Promise<unknown>[] = [];
  const promptedAt = new Map<string, number>();
  const plugin: BenchPlugin = {
    hooks: undefined as unknown as Hooks,
    fake,
    store,
    promptedAt,
    prompts: 0,
    send(event) {
      void plugin.hooks.event!({ event } as never);
    },
    async idle() {
      while (tracked.length > 0) await Promise.all(tracked.splice(0));
      while (store.writes.done < plugin.prompts) await settle(1);
    },
  };
  const promptAsync = fake.promptAsync.bind(fake);
  fake.promptAsync = (sessionID: string, body: PromptBody) => {
    if (record) promptedAt.set(sessionID, performance.now());
    plugin.prompts += 1;
    return promptAsync(sessionID, body);
  };
  (plugin as { hooks: Hooks }).hooks = createHooks(
    { directory: project.dir, worktree: project.dir, client: undefined },
    {},
    {
      env: { HOME: project.home, XDG_CONFIG_HOME: join(project.home, ".config"), OPENCODE_SESSION_FALLBACK_STATE_FILE: project.stateFile },
      port: fake,
      home: project.home,
      laneStore: store,
      track: (work) => {
        tracked.push(work);
      },
    },
  );
  return plugin;
}

/** The `session.status` retry OpenCode publishes after a 429 insufficient_quota (its real message). */
export function quotaRetry(sessionID: string): unknown {
  return {
    type: "session.status",
    properties: {
      sessionID,
      status: {
        type: "retry",
        attempt: 1,
        message:
          "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
        next: Date.now() + 2000,
      },
    },
  };
}

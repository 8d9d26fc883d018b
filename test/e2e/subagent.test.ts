/**
 * Sub-agent (task tool) sessions on the real `opencode serve`, with the BUILT plugin.
 *
 * The `lead` agent's model calls the `task` tool; OpenCode runs a helper sub-agent in a CHILD session
 * (`parentID` = the lead's session). When the helper's model answers 429 `insufficient_quota`, the plugin
 * recovers in the child (abort + continuation on the rescuer's lane). OpenCode 1.18.33 cancels the
 * parent's task when the child is aborted ("Task cancelled"); the plugin's
 * `experimental.chat.messages.transform` hook then holds the lead's next request until the child's
 * continuation answers, and hands the lead that answer in the task tool's own wrapper.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CONTINUE_TEXT } from "../../src/sessions/own-prompt";
import {
  BUILT_PLUGIN_URL,
  OPENAI_INSUFFICIENT_QUOTA,
  startMockProvider,
  startOpencode,
  textOf,
  type MockProvider,
  type MockRequest,
  type MockStep,
  type OpencodeHarness,
  type RecordedEvent,
  type SessionMessage,
} from "./harness/index.js";

const CHILD_ANSWER = "CHILD-ANSWER-FROM-FALLBACK";
const LEAD_DONE = "LEAD-DONE";

const agent = (fields: Record<string, string>, body: string) =>
  `---\n${Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\n")}\n---\n${body}\n`;

/**
 * Helper sub-agents, name -> model. Each quota scenario has its own primary lane, so no lane is cooling
 * (avoided by the plugin) when its scenario starts; `helper-ok`'s model answers and it has no fallback.
 */
const HELPERS = { helper: "sub-primary", "helper-t": "sub-primary-t", "helper-n": "sub-primary-n", "helper-ok": "sub-ok", "helper-x": "sub-primary-x" } as const;
type Helper = keyof typeof HELPERS;

const AGENTS: Record<string, string> = {
  lead: agent({ description: "the lead agent, delegates to helpers", mode: "primary", model: "mock/lead-model" }, "You are the lead agent. Delegate the computation to the helper sub-agent."),
  helper: agent({ description: "computes things for the lead", mode: "subagent", model: "mock/sub-primary", fallback_agent: "rescuer" }, "You are the helper sub-agent."),
  "helper-t": agent({ description: "computes things for the lead (t)", mode: "subagent", model: "mock/sub-primary-t", fallback_agent: "rescuer" }, "You are the helper-t sub-agent."),
  "helper-n": agent({ description: "computes things for the lead (n)", mode: "subagent", model: "mock/sub-primary-n", fallback_agent: "rescuer" }, "You are the helper-n sub-agent."),
  "helper-ok": agent({ description: "computes things for the lead (ok)", mode: "subagent", model: "mock/sub-ok" }, "You are the helper-ok sub-agent."),
  "helper-x": agent({ description: "computes things for the lead (x)", mode: "subagent", model: "mock/sub-primary-x", fallback_agent: "ghost" }, "You are the helper-x sub-agent."),
  // A fallback whose model the provider does not have: OpenCode accepts the continuation, then refuses it.
  ghost: agent({ description: "a fallback on a model that does not exist", mode: "subagent", model: "backup/no-such-model" }, "GHOST"),
  rescuer: agent({ description: "the fallback lane of the helpers", mode: "subagent", model: "backup/sub-fallback" }, "RESCUER-PROMPT: you are the helpers' fallback lane."),
};

let mock: MockProvider;
let oc: OpencodeHarness;
let debugLog: string;

beforeAll(async () => {
  mock = await startMockProvider();
  oc = await startOpencode({
    mock,
    models: ["lead-model", ...Object.values(HELPERS)],
    extraProviders: { backup: ["sub-fallback"] },
    agents: AGENTS,
    plugins: [BUILT_PLUGIN_URL],
    env: { OPENCODE_SESSION_FALLBACK_DEBUG: "1" },
  });
  debugLog = join(oc.dir, "log", "opencode-session-fallback.debug.log");
});

afterAll(async () => {
  await oc?.stop();
  await mock?.close();
});

/** Everything one parent turn left behind. */
interface Run {
  t0: number;
  parentID: string;
  childID: string;
  /** `GET /session/{child}` */
  child: any;
  /** The parent's `task` tool part as stored at the end. */
  taskPart: any;
  /** The lead model's requests of this parent session (step 1: the tool call, step 2: after the tool result). */
  leadRequests: MockRequest[];
  /** The `role: "tool"` message of the lead's step-2 request. */
  toolMessage: any;
  childRequests: MockRequest[];
  parentMessages: SessionMessage[];
  childMessages: SessionMessage[];
  /** The built plugin's debug-log lines for this parent/child. */
  decisions: any[];
}

function readJsonLines(path: string): any[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** One line per event (deltas and diffs left out), `+ms` after `t0`. */
function timeline(events: RecordedEvent[], t0: number): string {
  return events
    .filter((e) => e.type !== "message.part.delta" && e.type !== "session.diff")
    .map((e) => {
      let detail = "";
      const p = e.properties;
      if (e.type === "session.status") detail = JSON.stringify(p.status);
      else if (e.type === "session.error") detail = JSON.stringify(p.error).slice(0, 200);
      else if (e.type === "session.created" || e.type === "session.updated") detail = `id=${p.info?.id} parentID=${p.info?.parentID}`;
      else if (e.type === "message.updated") {
        const info = p.info;
        detail = `${info.role} ${info.id} ${info.providerID ?? info.model?.providerID}/${info.modelID ?? info.model?.modelID} agent=${info.agent ?? info.mode}${info.time?.completed ? " completed" : ""}${info.finish ? ` finish=${info.finish}` : ""}${info.error ? ` error=${info.error.name}` : ""}`;
      } else if (e.type === "message.part.updated") {
        const part = p.part;
        detail = part?.type === "tool" ? `tool ${part.tool} ${part.state?.status}` : part?.type === "text" ? `text ${JSON.stringify(part.text)}` : part?.type;
      }
      return `  +${e.at - t0}ms ${e.type} ${detail}`;
    })
    .join("\n");
}

/**
 * Scripts the lead to call `task` for `helper` with `prompt` (then answer LEAD-DONE), the helper's model
 * with `helperSteps` and the fallback with CHILD-ANSWER-FROM-FALLBACK; runs one parent turn, waits until
 * parent and child are idle (and the child's continuation, if one is expected, has been asked), prints
 * what happened and returns it.
 */
async function runScenario(label: string, helper: Helper, prompt: string, helperSteps: MockStep[], expectContinuation: boolean): Promise<Run> {
  const args = { description: "compute", prompt, subagent_type: helper };
  mock.script("lead-model", [
    { kind: "tool-call", name: "task", args },
    { kind: "text", text: LEAD_DONE },
  ]);
  mock.script(HELPERS[helper], helperSteps);
  mock.script("sub-fallback", [{ kind: "text", text: CHILD_ANSWER }]);

  const parentID = await oc.createSession(`subagent: ${label}`);
  const t0 = Date.now();
  await oc.promptAsync(parentID, { text: `LEAD-QUESTION (${label})`, agent: "lead" });

  const created = await oc.events.waitFor((e) => e.type === "session.created" && e.properties?.info?.parentID === parentID, 20_000);
  const childID: string = created.properties.info.id;
  await oc.waitForIdle(parentID, 40_000, 500);
  if (expectContinuation) await mock.waitForRequest((r) => r.model === "sub-fallback" && r.sessionID === childID, 20_000);
  await oc.waitForIdle(childID, 40_000, 500);

  const child = (await oc.client.session.get({ path: { id: childID } })).data;
  const parentMessages = await oc.messages(parentID);
  const childMessages = await oc.messages(childID);
  const taskPart = parentMessages.flatMap((m) => m.parts).find((p) => p.type === "tool" && p.tool === "task");
  const leadRequests = mock.requestsFor("lead-model").filter((r) => r.sessionID === parentID);
  const toolMessage = leadRequests[1]?.body?.messages?.find((m: any) => m.role === "tool");
  const childRequests = mock.requestsForSession(childID);
  const decisions = readJsonLines(debugLog).filter((l) => l.sessionID === childID || l.sessionID === parentID);

  console.log(`\n===== ${label} =====`);
  console.log(`parent ${parentID}; child ${childID}; GET /session/{child}: id=${child?.id} parentID=${child?.parentID} title=${JSON.stringify(child?.title)}`);
  console.log(
    `provider requests (ms after the parent's prompt):\n${mock.requests
      .filter((r) => r.at >= t0 && (r.sessionID === parentID || r.sessionID === childID))
      .map((r) => `  +${r.at - t0}ms ${r.model} session=${r.sessionID === parentID ? "parent" : "child"} -> ${r.answeredWith}`)
      .join("\n")}`,
  );
  console.log(`child events:\n${timeline(oc.events.ofSession(childID), t0)}`);
  console.log(`parent events:\n${timeline(oc.events.ofSession(parentID), t0)}`);
  console.log("parent task part state:", JSON.stringify(taskPart?.state, null, 2));
  console.log("lead step-2 request, tool message:", JSON.stringify(toolMessage, null, 2));
  console.log(
    `child messages:\n${childMessages
      .map((m) => `  ${m.info.role} ${m.info.id} ${m.info.providerID ?? m.info.model?.providerID}/${m.info.modelID ?? m.info.model?.modelID} agent=${m.info.agent ?? m.info.mode}${m.info.error ? ` error=${m.info.error.name}` : ""}${m.info.time?.completed ? ` completed +${m.info.time.completed - t0}ms` : ""} text=${JSON.stringify(textOf(m))}`)
      .join("\n")}`,
  );
  console.log(`parent last assistant text: ${JSON.stringify(textOf(parentMessages.filter((m) => m.info.role === "assistant").at(-1)))}`);
  console.log(`plugin debug log lines:\n${decisions.map((l) => `  ${JSON.stringify(l)}`).join("\n")}`);

  return { t0, parentID, childID, child, taskPart, leadRequests, toolMessage, childRequests, parentMessages, childMessages, decisions };
}

const QUOTA_429: MockStep[] = [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }];

/** OpenCode's own task output for a completed child (TaskTool in 1.18.33). */
function taskOutput(childID: string, text: string): string {
  return [`<task id="${childID}" state="completed">`, "<task_result>", text, "</task_result>", "</task>"].join("\n");
}

function lastAssistant(messages: SessionMessage[]): SessionMessage | undefined {
  return messages.filter((m) => m.info.role === "assistant").at(-1);
}

describe("a sub-agent (task tool) session whose model is out of quota", () => {
  test("(1) the plugin recovers in the child, and the parent's task completes with the child's answer", async () => {
    const run = await runScenario("plain", "helper", "SUBTASK", QUOTA_429, true);

    // The child session: parentID set; the plugin recovered it on OpenCode's first retry.
    expect(run.child.parentID).toBe(run.parentID);
    const recovered = run.decisions.filter((l) => l.outcome === "recovered");
    expect(recovered).toEqual([
      expect.objectContaining({ sessionID: run.childID, event: "retry", agent: "helper", target: "rescuer", from: "mock/sub-primary", to: "backup/sub-fallback", runAs: "helper" }),
    ]);
    expect(run.childRequests.map((r) => `${r.model} ${r.answeredWith}`)).toEqual(["sub-primary error 429", "sub-fallback text"]);
    const childAnswer = lastAssistant(run.childMessages)!;
    expect(childAnswer.info).toMatchObject({ providerID: "backup", modelID: "sub-fallback", agent: "helper" });
    expect(textOf(childAnswer)).toBe(CHILD_ANSWER);

    // The lead's next request waited for the child's continuation and got its answer in the task tool's wrapper.
    console.log(`child answer completed +${childAnswer.info.time.completed - run.t0}ms, lead step-2 request +${run.leadRequests[1]!.at - run.t0}ms`);
    expect(run.leadRequests).toHaveLength(2);
    expect(run.leadRequests[1]!.at).toBeGreaterThanOrEqual(childAnswer.info.time.completed);
    expect(run.toolMessage).toEqual({ role: "tool", tool_call_id: run.taskPart.callID, content: taskOutput(run.childID, CHILD_ANSWER) });
    // The stored task part reads as completed too (the TUI shows the answer, later turns see it).
    expect(run.taskPart.state).toMatchObject({ status: "completed", output: taskOutput(run.childID, CHILD_ANSWER), title: "compute" });
    expect(run.decisions).toContainEqual(expect.objectContaining({ outcome: "subtask-repaired", sessionID: run.childID, result: "answered" }));
    expect(textOf(lastAssistant(run.parentMessages))).toBe(LEAD_DONE);
  });

  test("(2) the child's lane does not leak into the parent: the parent's next turn runs on its own model", async () => {
    const parentID = (await oc.client.session.list()).data!.find((s: any) => s.title === "subagent: plain")!.id;
    mock.script("lead-model", [{ kind: "text", text: "LEAD-AGAIN" }]);
    const before = mock.requests.length;
    await oc.promptAsync(parentID, { text: "AND NOW?", agent: "lead" });
    await oc.waitForIdle(parentID, 30_000, 500);
    const requests = mock.requests.slice(before).filter((r) => r.sessionID === parentID);
    expect(requests.map((r) => r.model)).toEqual(["lead-model"]);
    expect(mock.systemTextOf(requests[0]!)).not.toContain("session-fallback");
    expect(textOf(lastAssistant(await oc.messages(parentID)))).toBe("LEAD-AGAIN");
  });

  test("(4) the child's continuation is refused before any reply (the fallback's model does not exist): the parent is released within seconds with the failure", async () => {
    const run = await runScenario("refused", "helper-x", "SUBTASK-X", QUOTA_429, false);
    expect(run.childRequests.map((r) => r.model)).toEqual(["sub-primary-x"]);
    expect(run.taskPart.state.status).toBe("error");
    expect(run.taskPart.state.error).toBe(`Subagent failed (task_id: ${run.childID}): Model not found: backup/no-such-model.`);
    // The lead's step-2 request came seconds after the child failed, not after the 20-minute subtask wait.
    const failedAt = run.childRequests[0]!.at;
    expect(run.leadRequests).toHaveLength(2);
    expect(run.leadRequests[1]!.at - failedAt).toBeLessThan(10_000);
    expect(textOf(lastAssistant(run.parentMessages))).toBe(LEAD_DONE);
  });

  test("(3) a later task for a helper whose lane is cooling: the child goes straight to the fallback and the task completes normally", async () => {
    const run = await runScenario("cooling", "helper", "SUBTASK-AGAIN", QUOTA_429, true);
    expect(run.childRequests.map((r) => `${r.model} ${r.answeredWith}`)).toEqual(["sub-fallback text"]);
    expect(run.decisions).toContainEqual(expect.objectContaining({ outcome: "avoided-cooling", sessionID: run.childID, from: "mock/sub-primary", to: "backup/sub-fallback", target: "rescuer" }));
    expect(run.taskPart.state).toMatchObject({ status: "completed", output: taskOutput(run.childID, CHILD_ANSWER) });
    expect(run.toolMessage.content).toBe(taskOutput(run.childID, CHILD_ANSWER));
  });
});

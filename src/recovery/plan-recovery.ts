import { CONTINUATION_TAG, CONTINUE_TEXT } from "../sessions/own-prompt";
import type { PromptBody, Toast } from "../host/opencode-port";
import type { FallbackTarget } from "../agents/resolve-fallback";
import { modelText, type ModelRef } from "../host/model-ref";
import type { Verdict, VerdictKind } from "../classify/verdict";

const KIND_WORDS: Record<VerdictKind, string> = {
  quota: "out of quota or credit",
  "auth-pool": "no login of its pool is available",
  auth: "its credentials were refused",
  "rate-limit": "rate limited for longer than the plugin waits",
  overload: "overloaded, and OpenCode gave up retrying",
  context: "context overflow",
  abort: "aborted",
  unknown: "connection error",
};

/** What the plugin will send and show for one recovery. */
export interface RecoveryPlan {
  readonly body: PromptBody;
  readonly toast: Toast;
  /** One line for OpenCode's log. */
  readonly summary: string;
}

/** Everything a plan is made of. */
export interface PlanInput {
  readonly target: FallbackTarget;
  readonly verdict: Verdict;
  /** The lane that failed, when the session said which. */
  readonly failedModel?: ModelRef;
  /** Run as the fallback agent itself (its prompt, tools, permissions) instead of the source agent. */
  readonly switchAgent: boolean;
}

/**
 * Builds the continuation prompt. By default the session keeps its agent (its tools and permissions) and
 * the fallback agent's prompt rides in `system`, appended to the agent's own; with `switchAgent` the
 * continuation runs as the fallback agent, whose prompt OpenCode then supplies itself. The prompt always
 * names its agent: without one OpenCode would run it as its default agent (`build`).
 */
export function planRecovery(input: PlanInput): RecoveryPlan {
  const { target, verdict, failedModel, switchAgent } = input;
  const failed = modelText(failedModel);
  const fallback = modelText(target.model);
  const why = KIND_WORDS[verdict.kind];
  const block = [
    `<${CONTINUATION_TAG}>`,
    `The model that served this session until now (${failed}) cannot go on: ${why} (rule ${verdict.rule}).`,
    `This session now runs on the fallback lane ${fallback}${switchAgent ? ` as agent "${target.agent}"` : ""}.`,
    "Continue the task from the session's current state: the conversation above is the real history.",
    "If the last message from the user has no answer yet, answer it now, as if nothing had failed.",
    "Do not redo work that is already done, and do not mention this switch unless the user asks.",
    `</${CONTINUATION_TAG}>`,
  ].join("\n");
  const system = !switchAgent && target.prompt ? `${block}\n\n${target.prompt}` : block;
  const passed = passedOver(target);
  return {
    body: {
      agent: switchAgent ? target.agent : target.sourceAgent,
      model: target.model,
      system,
      parts: [{ type: "text", text: CONTINUE_TEXT, synthetic: true }],
    },
    toast: {
      title: "Session fallback",
      message: `${failed}: ${why}. Continuing this session on ${fallback} (fallback agent "${target.agent}")${passed}.`,
      variant: "warning",
      duration: 8000,
    },
    summary: `${failed} failed (${verdict.kind}, rule ${verdict.rule}); continuing on ${fallback} via fallback agent "${target.agent}" as agent "${switchAgent ? target.agent : target.sourceAgent}"${passed}`,
  };
}

/** `; passed over a (p/m: cooling …)` and why a lane of the failed pool was taken, or nothing. */
function passedOver(target: FallbackTarget): string {
  const skipped = target.skipped.length > 0 ? `; passed over ${target.skipped.join("; ")}` : "";
  const last = target.lastResort ? `; taken as the last lane left (it ${target.lastResort})` : "";
  return `${skipped}${last}`;
}

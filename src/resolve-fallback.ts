import type { AgentDefinition, AgentLookup } from "./agent-files";

/** A model as OpenCode's prompt API names it. */
export interface ModelRef {
  readonly providerID: string;
  readonly modelID: string;
}

/** Where a failed turn goes next. */
export interface FallbackTarget {
  /** The agent of the failed turn. */
  readonly sourceAgent: string;
  /** The agent named by the source's `fallback_agent`. */
  readonly agent: string;
  /** The fallback agent's `model`. */
  readonly model: ModelRef;
  /** The fallback agent's prompt body (may be empty). */
  readonly prompt: string;
  /** Where the fallback agent was read from. */
  readonly file: string;
}

/** Why no target could be found; the original error is then left as it is. */
export type ResolutionFailure =
  | "no-source-agent"
  | "source-unreadable"
  | "no-fallback-agent"
  | "fallback-is-source"
  | "target-unreadable"
  | "no-model"
  | "bad-model";

/** A target, or why there is none, in words a user can act on. */
export type Resolution =
  | { readonly ok: true; readonly target: FallbackTarget }
  | { readonly ok: false; readonly reason: ResolutionFailure; readonly message: string };

/** Looks an agent up by name: the markdown files first, then the agents OpenCode's config declared. */
export type AgentSource = (name: string) => Promise<AgentLookup>;

/**
 * Parses `provider/model`. The model ID may itself contain `/` (`openrouter/anthropic/claude-x`), so the
 * split is at the first slash.
 *
 * @example
 * ```ts
 * parseModelRef("openrouter/anthropic/claude-sonnet-4.5"); // { providerID: "openrouter", modelID: "anthropic/claude-sonnet-4.5" }
 * parseModelRef("gpt-5"); // undefined
 * ```
 */
export function parseModelRef(text: string): ModelRef | undefined {
  const slash = text.indexOf("/");
  if (slash <= 0 || slash === text.length - 1) return undefined;
  const providerID = text.slice(0, slash).trim();
  const modelID = text.slice(slash + 1).trim();
  if (!providerID || !modelID || /\s/.test(providerID)) return undefined;
  return { providerID, modelID };
}

/**
 * Finds the fallback lane of `sourceAgent`: its `fallback_agent`, and that agent's `model` and prompt.
 * Never throws; every way of failing comes back as a reason and a message naming the file or key at fault.
 */
export async function resolveFallback(sourceAgent: string, lookup: AgentSource): Promise<Resolution> {
  const source = await lookup(sourceAgent);
  if (!source.ok) {
    return {
      ok: false,
      reason: source.reason === "not-found" ? "no-source-agent" : "source-unreadable",
      message: source.message,
    };
  }
  const targetName = source.agent.fallbackAgent;
  if (targetName === undefined) {
    return {
      ok: false,
      reason: "no-fallback-agent",
      message: `agent "${sourceAgent}" (${source.agent.file}) declares no fallback_agent`,
    };
  }
  if (targetName === sourceAgent) {
    return {
      ok: false,
      reason: "fallback-is-source",
      message: `agent "${sourceAgent}" (${source.agent.file}) names itself as its fallback_agent`,
    };
  }
  const target = await lookup(targetName);
  if (!target.ok) {
    return {
      ok: false,
      reason: "target-unreadable",
      message: `fallback_agent "${targetName}" of agent "${sourceAgent}" cannot be used: ${target.message}`,
    };
  }
  return toTarget(sourceAgent, target.agent);
}

function toTarget(sourceAgent: string, agent: AgentDefinition): Resolution {
  if (agent.model === undefined) {
    return {
      ok: false,
      reason: "no-model",
      message: `fallback agent "${agent.name}" (${agent.file}) declares no model: add "model: provider/model" to its frontmatter`,
    };
  }
  const model = parseModelRef(agent.model);
  if (!model) {
    return {
      ok: false,
      reason: "bad-model",
      message: `fallback agent "${agent.name}" (${agent.file}) has model ${JSON.stringify(agent.model)}, which is not of the form provider/model`,
    };
  }
  return { ok: true, target: { sourceAgent, agent: agent.name, model, prompt: agent.prompt, file: agent.file } };
}

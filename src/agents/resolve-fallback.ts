import { parseModelRef, type ModelRef } from "../host/model-ref";
import type { AgentDefinition, AgentLookup } from "./agent-files";

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
  /** Agents of the chain passed over on the way, and why (cooling, same pool). */
  readonly skipped: readonly string[];
  /** Set when the target shares the failed lane's pool and was taken because no other lane is left: why. */
  readonly lastResort?: string;
}

/** A lane of the chain that was passed over, and why. */
export interface PassedLane {
  readonly agent: string;
  readonly model: ModelRef;
  readonly reason: string;
}

/** What a chain walk must avoid, and what it takes only when nothing else is left. */
export interface ChainGuard {
  /** Why a lane must not be used now (it is known to be cooling), or undefined when it may. */
  readonly avoid: (model: ModelRef) => string | undefined;
  /**
   * Why a lane is better left for last (it shares the failed lane's pool), or undefined. Such a lane is
   * passed over while the chain has another lane to offer, and taken when it has none: a declared lane
   * not known to be cooling is always tried before the user is left with nothing.
   */
  readonly deprioritize?: (model: ModelRef) => string | undefined;
}

/** A chain longer than this is refused: nobody declares eight fallbacks, a generated loop might. */
export const MAX_CHAIN = 8;

/** Why no target could be found; the original error is then left as it is. */
export type ResolutionFailure =
  | "no-source-agent"
  | "source-unreadable"
  | "no-fallback-agent"
  | "cycle"
  | "chain-exhausted"
  | "target-unreadable"
  | "no-model"
  | "bad-model";

/** A target, or why there is none, in words a user can act on. */
export type Resolution =
  | { readonly ok: true; readonly target: FallbackTarget }
  | { readonly ok: false; readonly reason: ResolutionFailure; readonly message: string; readonly passed?: readonly PassedLane[] };

/** Looks an agent up by name: the markdown files first, then the agents OpenCode's config declared. */
export type AgentSource = (name: string) => Promise<AgentLookup>;

/**
 * Finds the fallback lane of `sourceAgent`: its `fallback_agent`, and that agent's `model` and prompt.
 * When the guard says a lane must be avoided (it is cooling, or shares the failed lane's pool), the walk
 * goes on to that agent's own `fallback_agent`, up to {@link MAX_CHAIN} hops; a chain that comes back
 * to an agent it passed is a cycle. Never throws; every way of failing comes back as a reason and a
 * message naming the file or key at fault.
 */
export async function resolveFallback(sourceAgent: string, lookup: AgentSource, guard?: ChainGuard): Promise<Resolution> {
  const source = await lookup(sourceAgent);
  if (!source.ok) {
    return {
      ok: false,
      reason: source.reason === "not-found" ? "no-source-agent" : "source-unreadable",
      message: source.message,
    };
  }
  const path = [sourceAgent];
  const skipped: string[] = [];
  const passed: PassedLane[] = [];
  let reserve: { target: FallbackTarget; note: string; reason: string } | undefined;
  // The end of the chain: the lane kept for last, if any; else nothing is left.
  const end = (message: string): Resolution => {
    if (!reserve) return { ok: false, reason: "chain-exhausted", message, passed };
    const rest = skipped.filter((s) => s !== reserve!.note);
    return { ok: true, target: { ...reserve.target, skipped: rest, lastResort: reserve.reason } };
  };
  // A broken link past lanes already passed over (a loop, an unreadable agent, a bad model) ends the walk
  // as the chain's end does: the lane kept for last is still taken, the lanes passed over still named.
  const broken = (failure: Resolution & { ok: false }): Resolution => {
    if (passed.length === 0) return failure;
    skipped.push(`then the chain breaks: ${failure.message}`);
    return end(`every fallback of agent "${sourceAgent}" reached must be avoided now (${skipped.join("; ")})`);
  };
  let current = source.agent;
  for (let hop = 0; hop < MAX_CHAIN; hop++) {
    const next = current.fallbackAgent;
    if (next === undefined) {
      return skipped.length === 0
        ? { ok: false, reason: "no-fallback-agent", message: `agent "${sourceAgent}" (${source.agent.file}) declares no fallback_agent` }
        : end(`every fallback of agent "${sourceAgent}" must be avoided now (${skipped.join("; ")}), and "${current.name}" declares no further fallback_agent`);
    }
    if (path.includes(next)) {
      return broken({ ok: false, reason: "cycle", message: `the fallback chain of agent "${sourceAgent}" loops: ${[...path, next].join(" -> ")}` });
    }
    path.push(next);
    const found = await lookup(next);
    if (!found.ok) {
      return broken({ ok: false, reason: "target-unreadable", message: `fallback_agent "${next}" of agent "${current.name}" cannot be used: ${found.message}` });
    }
    const target = toTarget(sourceAgent, found.agent, skipped);
    if (!target.ok) return broken(target);
    const model = target.target.model;
    const avoid = guard?.avoid(model);
    const later = avoid === undefined ? guard?.deprioritize?.(model) : undefined;
    if (avoid === undefined && later === undefined) return target;
    const reason = avoid ?? `${later}; tried only if no other lane is left`;
    const note = `${next} (${model.providerID}/${model.modelID}: ${reason})`;
    skipped.push(note);
    passed.push({ agent: next, model, reason });
    if (avoid === undefined && !reserve) reserve = { target: target.target, note, reason: later! };
    current = found.agent;
  }
  return end(`the fallback chain of agent "${sourceAgent}" is longer than ${MAX_CHAIN} agents: ${path.join(" -> ")}`);
}

function toTarget(sourceAgent: string, agent: AgentDefinition, skipped: readonly string[]): Resolution {
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
  return { ok: true, target: { sourceAgent, agent: agent.name, model, prompt: agent.prompt, file: agent.file, skipped: [...skipped] } };
}

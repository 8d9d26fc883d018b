import type { AgentDefinition, AgentLookup, AgentFiles } from "./agent-files";

/** The key this plugin adds to agent frontmatter. */
export const FALLBACK_KEY = "fallback_agent";

/**
 * What the `config` hook learned of the agents OpenCode loaded (markdown and the `agent` key of
 * opencode.json alike), keyed by agent name.
 */
export type ConfigAgents = ReadonlyMap<string, AgentDefinition>;

/**
 * Takes `fallback_agent` out of every agent of OpenCode's config, in place, and returns what each agent
 * declared.
 *
 * OpenCode copies unknown frontmatter keys into the agent's `options`, and merges `options` into the
 * provider's request body, where strict providers reject it ("Extra inputs are not permitted"). The
 * `config` hook runs before any agent is built from the config, so removing the key there keeps it out of
 * every request. Total: any config shape is accepted, and nothing but the key is changed.
 */
export function stripFallbackKeys(config: unknown): ConfigAgents {
  const found = new Map<string, AgentDefinition>();
  try {
    if (typeof config !== "object" || config === null) return found;
    for (const section of ["agent", "mode"] as const) {
      const agents = (config as Record<string, unknown>)[section];
      if (typeof agents !== "object" || agents === null) continue;
      for (const [name, value] of Object.entries(agents as Record<string, unknown>)) {
        if (typeof value !== "object" || value === null) continue;
        const agent = value as Record<string, unknown>;
        let fallback: unknown = undefined;
        if (FALLBACK_KEY in agent) {
          fallback = agent[FALLBACK_KEY];
          delete agent[FALLBACK_KEY];
        }
        const options = agent.options;
        if (typeof options === "object" && options !== null && FALLBACK_KEY in options) {
          fallback ??= (options as Record<string, unknown>)[FALLBACK_KEY];
          delete (options as Record<string, unknown>)[FALLBACK_KEY];
        }
        found.set(name, {
          name,
          file: "opencode.json",
          prompt: typeof agent.prompt === "string" ? agent.prompt.trim() : "",
          ...(typeof agent.model === "string" && agent.model.trim() ? { model: agent.model.trim() } : {}),
          ...(typeof fallback === "string" && fallback.trim() ? { fallbackAgent: fallback.trim() } : {}),
        });
      }
    }
  } catch {
    // A config we cannot walk is left as it is: OpenCode validated it, we only read it.
  }
  return found;
}

/**
 * Looks an agent up in its markdown file first (fresh when the file changes), then in what OpenCode's
 * config declared at startup (agents of opencode.json's `agent` key have no file).
 */
export function agentSource(files: AgentFiles, configAgents: () => ConfigAgents) {
  return async (name: string): Promise<AgentLookup> => {
    const fromFile = await files.lookup(name);
    if (fromFile.ok || fromFile.reason !== "not-found") return fromFile;
    const declared = configAgents().get(name);
    return declared ? { ok: true, agent: declared } : fromFile;
  };
}

import type { AgentLookup } from "../../src/agents/agent-files";
import { LaneHealth } from "../../src/lanes/lane-health";
import type { SteeringDeps } from "../../src/lanes/lane-steering";
import { resolveFallback } from "../../src/agents/resolve-fallback";
import { SessionBook } from "../../src/sessions/session-state";
import { loadSettings } from "../../src/settings/settings";
import type { FakeOpencode } from "./fake-opencode";

/** The steering's dependencies on a fake host and a given clock, with default settings and fresh health. */
export function steeringDeps(lookup: (name: string) => Promise<AgentLookup>, port: FakeOpencode, clock: () => number, note: SteeringDeps["note"] = () => undefined): SteeringDeps {
  return {
    book: new SessionBook(),
    health: new LaneHealth(),
    settings: loadSettings({}, undefined, "/p").settings,
    port,
    resolve: (agent, guard) => resolveFallback(agent, lookup, guard),
    clock,
    note,
  };
}

import type { AgentLookup } from "../../src/agent-files";
import { LaneHealth } from "../../src/lane-health";
import type { SteeringDeps } from "../../src/lane-steering";
import { resolveFallback } from "../../src/resolve-fallback";
import { SessionBook } from "../../src/session-state";
import { loadSettings } from "../../src/settings";
import type { FakeOpencode } from "./fake-opencode";

/** The steering's dependencies on a fake host and a given clock, with default settings and fresh health. */
export function steeringDeps(lookup: (name: string) => Promise<AgentLookup>, port: FakeOpencode, clock: () => number, note: SteeringDeps["note"] = () => undefined): SteeringDeps {
  return {
    book: new SessionBook(clock),
    health: new LaneHealth(),
    settings: loadSettings({}, undefined, "/p").settings,
    port,
    resolve: (agent, guard) => resolveFallback(agent, lookup, guard),
    clock,
    note,
  };
}

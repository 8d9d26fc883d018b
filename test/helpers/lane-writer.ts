import { createInterface } from "node:readline";
import { fileLaneStore } from "../../src/lanes/lane-store";
import { SharedHealth } from "../../src/lanes/shared-health";

/*
 * One OpenCode process's lane state, as a separate OS process for the concurrency tests
 * (test/lanes/lane-store-processes.test.ts). Bundled by the test, run with node. It reads one JSON command
 * per line on stdin and answers `ok` (or `error: …`) on stdout:
 *   {"op":"burst","at":EPOCH_MS,"lanes":["p/m",…]}  wait until `at`, then mark each lane cooling and
 *                                                   write after each mark, as the plugin does
 *   {"op":"clear","lane":"p/m"}                     the lane served a turn: forget it, write
 *   {"op":"exit"}
 * It prints `ready` once it has read the state file (its copy is then as stale as any other process's).
 */

const file = process.argv[2];
if (!file) throw new Error("usage: lane-writer STATE_FILE");
const warnings: string[] = [];
const shared = new SharedHealth(fileLaneStore(file), (m) => warnings.push(m), () => Date.now());
const say = (line: string) => process.stdout.write(`${line}\n`);

async function run(command: { op: string; at?: number; lanes?: string[]; lane?: string }): Promise<void> {
  if (command.op === "burst") {
    while (Date.now() < (command.at ?? 0)) {
      // spin: every process starts its writes at the same instant
    }
    for (const lane of command.lanes ?? []) {
      const [providerID = "", modelID = ""] = lane.split("/");
      shared.health.markCooling({ providerID, modelID }, { kind: "quota", rule: "test" }, Date.now(), 600_000);
      void shared.persist();
    }
  } else if (command.op === "clear") {
    const [providerID = "", modelID = ""] = (command.lane ?? "").split("/");
    shared.health.clear({ providerID, modelID }, Date.now());
    void shared.persist();
  } else if (command.op === "exit") {
    await shared.settled();
    process.exit(0);
  }
  await shared.settled();
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  run(JSON.parse(line) as { op: string })
    .then(() => say(warnings.length > 0 ? `error: ${warnings.join(" | ")}` : "ok"))
    .catch((error: unknown) => say(`error: ${String(error)}`));
});
say("ready");

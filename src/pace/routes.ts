import { parseModelRef, type ModelRef } from "../host/model-ref";

/**
 * Routable groups: lanes on different providers that serve the same model family, so a session can move
 * between them without changing the model it talks to. Providers spell one model differently
 * (`anthropic/claude-sonnet-4-5`, `github-copilot/claude-sonnet-4.5`, `openrouter/anthropic/claude-sonnet-4.5`,
 * dated `claude-sonnet-4-5-20250929`): IDs are compared in a normal form.
 */

/**
 * The normal form of a model ID: lower case, without a vendor prefix (`anthropic/…`), a date suffix
 * (`-20250929`) or `-latest`, and with dots between digits written as dashes.
 *
 * @example
 * ```ts
 * normalizeModelID("claude-sonnet-4.5") === normalizeModelID("claude-sonnet-4-5-20250929"); // true
 * ```
 */
export function normalizeModelID(modelID: string): string {
  let id = modelID.trim().toLowerCase();
  id = id.slice(id.lastIndexOf("/") + 1);
  id = id.replace(/-latest$/, "").replace(/[-@]\d{8}$/, "");
  id = id.replace(/(\d)\.(\d)/g, "$1-$2");
  return id;
}

/** How a provider spells a model family's ID. */
type Spelling = (normalized: string) => string;
const dashes: Spelling = (id) => id;
const dots: Spelling = (id) => id.replace(/(\d)-(\d)(?!\d)/g, "$1.$2");

/**
 * Built-in families: which providers serve a family (by the start of its normal form), and how each
 * spells the ID. Only providers with a usage source are listed, since a switch needs a reading of the
 * alternative's pace.
 */
const BUILT_IN_FAMILIES: ReadonlyArray<{ readonly prefix: string; readonly providers: ReadonlyArray<readonly [string, Spelling]> }> = [
  { prefix: "claude-", providers: [["anthropic", dashes], ["github-copilot", dots]] },
  { prefix: "gpt-", providers: [["openai", dashes], ["github-copilot", dashes]] },
];

/**
 * The lanes that can take over from `current` for the same model family, other providers only: the
 * declared routes containing it first, then the built-in families.
 */
export function alternativeLanes(current: ModelRef, routes: Readonly<Record<string, readonly string[]>>): ModelRef[] {
  const wanted = normalizeModelID(current.modelID);
  const out: ModelRef[] = [];
  const add = (model: ModelRef | undefined) => {
    if (!model || model.providerID === current.providerID) return;
    if (out.some((m) => m.providerID === model.providerID && m.modelID === model.modelID)) return;
    out.push(model);
  };
  for (const members of Object.values(routes)) {
    const lanes = members.map((m) => parseModelRef(m)).filter((m): m is ModelRef => m !== undefined);
    const inRoute = lanes.some((m) => m.providerID === current.providerID && normalizeModelID(m.modelID) === wanted);
    if (inRoute) for (const lane of lanes) add(lane);
  }
  const family = BUILT_IN_FAMILIES.find((f) => wanted.startsWith(f.prefix));
  if (family && family.providers.some(([provider]) => provider === current.providerID)) {
    for (const [provider, spell] of family.providers) add({ providerID: provider, modelID: spell(wanted) });
  }
  return out;
}

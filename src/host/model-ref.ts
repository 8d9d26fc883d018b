/*
 * How OpenCode names a model: `{ providerID, modelID }` in its API, `provider/model` in text. Every stage
 * speaks of lanes in these terms.
 */

/** A model as OpenCode's prompt API names it. */
export interface ModelRef {
  readonly providerID: string;
  readonly modelID: string;
}

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

/** `provider/model`. */
export function modelText(model: ModelRef | undefined): string {
  return model ? `${model.providerID}/${model.modelID}` : "the previous model";
}

/**
 * Public subpath entry `opencode-session-fallback/classify`: the pure error classifier and its
 * signature table, for policies, tools and tests outside the plugin.
 *
 * @example
 * ```ts
 * import { classifyError } from "opencode-session-fallback/classify";
 * const verdict = classifyError(event.properties.error);
 * if (verdict.kind === "quota") { … }
 * ```
 */
export { classifyError } from "./classify-error";
export { SIGNATURES } from "./signatures";
export type { Signature, SignatureCondition } from "./signatures";
export type { ClassifyOptions, Verdict, VerdictKind } from "./verdict";

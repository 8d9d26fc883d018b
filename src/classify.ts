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
export { classifyError } from "./classify/classify-error";
export { SIGNATURES } from "./classify/signatures";
export type { Signature, SignatureCondition } from "./classify/signatures";
export type { ClassifyOptions, Verdict, VerdictKind } from "./classify/verdict";

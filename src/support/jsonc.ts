/**
 * OpenCode's config files are JSONC: JSON with line and block comments and trailing commas. One reader for
 * the plugin (what shadows a persisted model) and `doctor` (the configs OpenCode reads).
 */

/** JSON with comments and trailing commas, as OpenCode accepts it; `undefined` when it is neither. */
export function parseJsonc(text: string): Record<string, unknown> | undefined {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 1;
    } else out += c;
  }
  try {
    const value = JSON.parse(out.replace(/,(\s*[}\]])/g, "$1")) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

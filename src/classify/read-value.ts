/*
 * Total readers of untrusted values for extract-error-fields.ts: every property access is guarded (a
 * getter or a Proxy may throw), every text and list is capped.
 */

/** The most characters kept of an error's name, type or code. */
export const MAX_NAME_CHARS = 1024;
const MAX_HEADERS = 128;
const MAX_HEADER_NAME_CHARS = 256;
const MAX_HEADER_VALUE_CHARS = 1024;
/** The most entries read of a `details` list. */
const MAX_DETAILS = 32;
/** A JSON object embedded in a message ("Internal Server Error: {…}") must start near the front. */
const MAX_EMBEDDED_JSON_OFFSET = 512;

export function arrayLength(value: unknown): number {
  if (!Array.isArray(value)) return 0;
  const n = get(value, "length");
  return typeof n === "number" && Number.isFinite(n) ? Math.min(Math.max(n, 0), MAX_DETAILS) : 0;
}

export function readHeaders(value: unknown): Record<string, string> {
  const out = newRecord();
  if (!isObjectLike(value)) return out;
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch {
    return out;
  }
  const n = Math.min(keys.length, MAX_HEADERS);
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    if (key === undefined || key.length > MAX_HEADER_NAME_CHARS) continue;
    const raw = get(value, key);
    const text = typeof raw === "number" && Number.isFinite(raw) ? String(raw) : readText(raw, MAX_HEADER_VALUE_CHARS);
    if (text !== undefined) out[key.toLowerCase()] = text;
  }
  return out;
}

/** Parses text that is JSON as a whole; anything else (or a truncated body) gives `undefined`. */
export function parseJsonText(text: string): unknown {
  const trimmed = text.trim();
  const first = trimmed.charAt(0);
  if (first !== "{" && first !== "[") return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Parses a JSON object at the end of a message: OpenCode joins the status text and the body
 * ("Internal Server Error: {…}", seen with CLIProxyAPI), and a mid-stream error's message is the JSON.
 */
export function parseEmbeddedJson(text: string): unknown {
  const start = text.indexOf("{");
  if (start < 0 || start > MAX_EMBEDDED_JSON_OFFSET) return undefined;
  const candidate = text.slice(start).trimEnd();
  if (!candidate.endsWith("}")) return undefined;
  const parsed = parseJsonText(candidate);
  return isObjectLike(parsed) ? parsed : undefined;
}

/** A property of an untrusted value; `undefined` for a non-object, and for a getter or Proxy that throws. */
export function get(value: unknown, key: string): unknown {
  if (!isObjectLike(value)) return undefined;
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

export function isObjectLike(value: unknown): value is object {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}

export function cap(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

export function readText(value: unknown, max: number): string | undefined {
  return typeof value === "string" ? cap(value, max) : undefined;
}

export function readNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && value.length <= 32 && /^\s*-?\d+(?:\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

export function readStatus(value: unknown): number | undefined {
  const n = readNumber(value);
  return n !== undefined && Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

export function readCode(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined;
  return readText(value, MAX_NAME_CHARS);
}

export function newRecord(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

/** How much of a text the classifier's patterns and the reset parser search: its head and its tail. */
export const SEARCHED_HEAD_CHARS = 4096;
export const SEARCHED_TAIL_CHARS = 512;

/**
 * The part of a text that is searched for words: its first {@link SEARCHED_HEAD_CHARS} and last
 * {@link SEARCHED_TAIL_CHARS} characters. A provider says what failed at the start of its message or
 * body, or in the JSON fields read apart (type, code, status, quota ids); the middle of a 100 KB text
 * (an echoed prompt, an HTML page) never holds the signature, and searching it would cost each of ~80
 * patterns a pass over it (the goal is a p99 of 1 ms per call; see BENCHMARKS.md).
 */
export function searchedWindow(text: string): string {
  if (text.length <= SEARCHED_HEAD_CHARS + SEARCHED_TAIL_CHARS) return text;
  return `${text.slice(0, SEARCHED_HEAD_CHARS)}\n${text.slice(text.length - SEARCHED_TAIL_CHARS)}`;
}

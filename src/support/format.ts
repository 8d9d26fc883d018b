/* Times and durations in the words every message of the plugin uses. */

/** `1h 2m`, `3m 4s`, `5.2s`, `120ms`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1).replace(/\.0$/, "")}s`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return h > 0 ? `${h}h ${m}m` : `${m}m ${s}s`;
}

/** An ISO time, or `never` for a time a Date cannot hold: a bad value must not throw where it is printed. */
export function isoOrNever(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? "never" : date.toISOString();
}

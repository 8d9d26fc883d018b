/** Small statistics and formatting helpers shared by the benchmarks (no benchmark library on purpose). */

/** The value at quantile `q` (0..1) of `values`, nearest-rank on a sorted copy. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const max = (values: readonly number[]): number => (values.length === 0 ? Number.NaN : Math.max(...values));

/** p50 / p95 / max of a sample. */
export interface Spread {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  return { n: values.length, p50: quantile(values, 0.5), p95: quantile(values, 0.95), max: max(values) };
}

/** `12.3`, `1,234`, with a fixed number of decimals. */
export function num(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) return "n/a";
  return value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** Microseconds from milliseconds (performance.now deltas), e.g. `84 µs`, `1.2 ms`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  if (ms < 1) return `${num(ms * 1000, 0)} µs`;
  if (ms < 10) return `${num(ms, 2)} ms`;
  if (ms < 1000) return `${num(ms, 0)} ms`;
  return `${num(ms / 1000, 1)} s`;
}

export function bytes(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  const abs = Math.abs(value);
  if (abs < 10 * 1024) return `${num(value, 0)} B`;
  if (abs < 1024 * 1024) return `${num(value / 1024, 1)} KiB`;
  return `${num(value / (1024 * 1024), 2)} MiB`;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Lets queued promise chains and I/O callbacks run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

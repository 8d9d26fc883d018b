/** `30m`, `5h`, `7d` → ms; undefined for anything else. */
export function windowLengthMs(name: string): number | undefined {
  const match = /^(\d+)([mhd])$/.exec(name.trim());
  if (!match) return undefined;
  const n = Number(match[1]);
  const unit = match[2] === "m" ? 60_000 : match[2] === "h" ? 3_600_000 : 86_400_000;
  return n > 0 ? n * unit : undefined;
}

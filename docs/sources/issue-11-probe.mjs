import { classifyError } from "../../dist/classify.js";
const NOW = Date.UTC(2026, 0, 1);
import { readFileSync } from "node:fs";
const cases = JSON.parse(readFileSync(0, "utf8"));
for (const [label, want, input] of cases) {
  const v = classifyError(input, { now: NOW });
  const ok = v.kind === want ? "ok " : "BAD";
  console.log(`${ok} ${label.padEnd(40)} want=${want.padEnd(10)} got=${v.kind.padEnd(10)} rule=${v.rule}${v.retryAfterMs!==undefined?" retry="+v.retryAfterMs:""}${v.resetAt!==undefined?" reset="+new Date(v.resetAt).toISOString():""}${v.scope?" scope="+v.scope:""}`);
}

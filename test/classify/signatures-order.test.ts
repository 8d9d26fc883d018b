import { describe, expect, it } from "vitest";
import { SIGNATURES } from "../../src/classify/signatures";
import { AUTH_POOL_ROWS } from "../../src/classify/signatures/auth-pool-rows";
import { GATEWAY_ROWS } from "../../src/classify/signatures/gateway-rows";
import { GENERIC_EXHAUSTION_ROWS } from "../../src/classify/signatures/generic-exhaustion-rows";
import { GENERIC_STATUS_ROWS } from "../../src/classify/signatures/generic-status-rows";
import { GENERIC_WORDING_ROWS } from "../../src/classify/signatures/generic-wording-rows";
import { OPENCODE_ROWS } from "../../src/classify/signatures/opencode-rows";
import { QUOTA_ROWS } from "../../src/classify/signatures/quota-rows";
import { WINDOW_ROWS } from "../../src/classify/signatures/window-rows";

/** The priority groups, in the order `SIGNATURES` must concatenate them. */
const GROUPS = {
  OPENCODE_ROWS,
  AUTH_POOL_ROWS,
  QUOTA_ROWS,
  GATEWAY_ROWS,
  WINDOW_ROWS,
  GENERIC_EXHAUSTION_ROWS,
  GENERIC_WORDING_ROWS,
  GENERIC_STATUS_ROWS,
} as const;

describe("SIGNATURES row order", () => {
  const ids = SIGNATURES.map((row) => row.id);

  it("has no duplicate ids", () => {
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("starts with what OpenCode names itself and ends with the bare 401/403 status", () => {
    expect(ids[0]).toBe("opencode-message-aborted");
    expect(ids[ids.length - 1]).toBe("http-401-403");
  });

  it.each(Object.entries(GROUPS))("contains every row of %s", (_name, rows) => {
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(SIGNATURES).toContain(row);
  });

  it("is exactly the groups concatenated in priority order", () => {
    expect(SIGNATURES).toEqual(Object.values(GROUPS).flat());
    expect(SIGNATURES).toHaveLength(83);
  });
});

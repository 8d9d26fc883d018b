import { readFileSync } from "node:fs";
import type { HttpGet } from "../../src/pace/usage-types";

/** One request a fake port saw. */
export interface SeenRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** A fake {@link HttpGet} that answers every request with `answer` and records what it was asked. */
export function fakeHttp(answer: { status: number; json: unknown } | ((url: string) => { status: number; json: unknown })): HttpGet & { seen: SeenRequest[] } {
  const seen: SeenRequest[] = [];
  const http = async (url: string, headers: Readonly<Record<string, string>>) => {
    seen.push({ url, headers: { ...headers } });
    return typeof answer === "function" ? answer(url) : answer;
  };
  return Object.assign(http, { seen });
}

/** A port that rejects with `error`. */
export function throwingHttp(error: unknown): HttpGet {
  return async () => {
    throw error;
  };
}

/** A port that never settles, like a socket that hangs. */
export const hangingHttp: HttpGet = () => new Promise(() => {});

/** A recorded sample response under test/fixtures/usage. */
export interface UsageFixture {
  readonly _source: string;
  readonly status: number;
  readonly body: unknown;
}

export function loadFixture(name: string): UsageFixture {
  return JSON.parse(readFileSync(new URL(`../fixtures/usage/${name}`, import.meta.url), "utf8")) as UsageFixture;
}

/** A JWT-shaped token (unsigned) with `claims` as payload. */
export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.c2lnbmF0dXJl`;
}

import { readFile as fsReadFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import type { StoredAuth } from "../usage-types";

/**
 * Where OpenCode keeps its credentials: `${Global.Path.data}/auth.json`, the data directory being
 * `$XDG_DATA_HOME/opencode`, else `~/.local/share/opencode` (xdg-basedir, on every platform). Confirmed
 * with OpenCode 1.18.33: `opencode debug paths` and `opencode auth list` name that file, with and without
 * `XDG_DATA_HOME`; anomalyco/opencode `packages/opencode/src/auth/index.ts` joins `Global.Path.data` and
 * `auth.json`.
 *
 * @example
 * ```ts
 * defaultAuthFile({ XDG_DATA_HOME: "/data" }, "/home/u"); // "/data/opencode/auth.json"
 * defaultAuthFile({}, "/home/u"); // "/home/u/.local/share/opencode/auth.json"
 * ```
 */
export function defaultAuthFile(env: Readonly<Record<string, string | undefined>>, home: string = env.HOME || os.homedir()): string {
  const data = env.XDG_DATA_HOME || path.join(home, ".local", "share");
  return path.join(data, "opencode", "auth.json");
}

/**
 * One entry, as OpenCode 1.18 writes them (its `Auth.Info`: `oauth`, `api`, `wellknown`). The known
 * types are checked field by field (OpenCode drops an entry that does not decode, and so do we); any other
 * type passes as the open `StoredAuth` variant, since a plugin may store its own.
 */
export const OAuthEntry = z
  .object({
    type: z.literal("oauth"),
    access: z.string().optional(),
    refresh: z.string().optional(),
    expires: z.number().optional(),
    accountId: z.string().optional(),
    enterpriseUrl: z.string().optional(),
  })
  .loose();
const ApiEntry = z.object({ type: z.literal("api"), key: z.string() }).loose();
const OtherEntry = z
  .object({ type: z.string().refine((t) => t !== "oauth" && t !== "api") })
  .loose();
const StoredAuthEntry = z.union([OAuthEntry, ApiEntry, OtherEntry]);

/** What {@link readAuthStore} found. Total: a store that cannot be used is an empty record and a reason. */
export type AuthStoreRead =
  | {
      readonly ok: true;
      readonly auth: Readonly<Record<string, StoredAuth>>;
      /** Provider IDs whose entry did not decode and was left out. */
      readonly skipped: readonly string[];
    }
  | {
      readonly ok: false;
      readonly auth: Readonly<Record<string, StoredAuth>>;
      readonly kind: "missing" | "unreadable" | "corrupt";
      /** Names the file and what is wrong; never any of its content. */
      readonly reason: string;
    };

/**
 * Decodes the text of `auth.json` (or of `OPENCODE_AUTH_CONTENT`, which OpenCode 1.18 reads instead of the
 * file when it is set). `origin` names the text in the reason. The reason never quotes the text: a
 * `JSON.parse` message shows a slice of its input, and the input is full of tokens.
 */
export function parseAuthStore(text: string, origin: string): AuthStoreRead {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, auth: {}, kind: "corrupt", reason: `${origin} is not valid JSON; usage sources that need a login answer without one` };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { ok: false, auth: {}, kind: "corrupt", reason: `${origin} is not a JSON object of provider logins; usage sources that need a login answer without one` };
  }
  const auth: Record<string, StoredAuth> = {};
  const skipped: string[] = [];
  for (const [providerID, entry] of Object.entries(json)) {
    const parsed = StoredAuthEntry.safeParse(entry);
    if (parsed.success) auth[providerID] = parsed.data as StoredAuth;
    else skipped.push(providerID);
  }
  return { ok: true, auth, skipped };
}

/**
 * Reads OpenCode's credential store. Total: a missing file, one that cannot be read, or one that is not
 * JSON gives an empty record and a reason naming the file (and never a byte of its content). Entries are
 * validated one by one; an entry that does not decode is skipped and its provider ID listed.
 *
 * @example
 * ```ts
 * const read = await readAuthStore(defaultAuthFile(process.env));
 * if (!read.ok) log(read.reason);
 * const source = anthropicUsageSource({ auth: () => read.auth, http });
 * ```
 */
export async function readAuthStore(file: string, readFile: (file: string) => Promise<string> = (f) => fsReadFile(f, "utf8")): Promise<AuthStoreRead> {
  let text: string;
  try {
    text = await readFile(file);
  } catch (error) {
    const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
    if (code === "ENOENT") return { ok: false, auth: {}, kind: "missing", reason: `no credential store at ${file} (no provider is logged in to OpenCode)` };
    const why = typeof code === "string" && /^[A-Z]+$/.test(code) ? code : "read error";
    return { ok: false, auth: {}, kind: "unreadable", reason: `the credential store ${file} could not be read (${why})` };
  }
  return parseAuthStore(text, `the credential store ${file}`);
}

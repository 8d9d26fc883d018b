import { z } from "zod";
import { redactSecrets } from "../../support/redact";
import type { StoredAuth } from "../usage-types";
import { OAuthEntry } from "./auth-store";

/**
 * An OAuth login as the usage sources read it. OpenCode 1.18 writes `{ type: "oauth", refresh, access,
 * expires, accountId?, enterpriseUrl? }` (its `Auth.Oauth` schema); every field is optional here, and each
 * source says which one it is missing.
 */
const OAuthLoginSchema = OAuthEntry;

/** The fields of an OAuth login a usage source may use. */
export type OAuthLogin = z.infer<typeof OAuthLoginSchema>;

/** What the credential store holds for one provider, as far as a usage source cares. */
export type Login =
  | { readonly kind: "missing" }
  | { readonly kind: "unreadable"; readonly reason: string }
  | { readonly kind: "api"; readonly secrets: readonly string[] }
  | { readonly kind: "oauth"; readonly oauth: OAuthLogin; readonly secrets: readonly string[] }
  /** `what`: `a "wellknown" credential`, or `a credential of another type`. */
  | { readonly kind: "other"; readonly what: string; readonly secrets: readonly string[] };

/** Every string in the entry, one level deep: whatever the entry holds may be a credential. */
function stringsOf(entry: unknown, depth = 0): string[] {
  if (typeof entry === "string") return [entry];
  if (typeof entry !== "object" || entry === null || depth > 2) return [];
  return Object.values(entry).flatMap((v) => stringsOf(v, depth + 1));
}

/** Credential types OpenCode 1.18 writes besides `oauth` and `api`; the only other ones a message names. */
const KNOWN_TYPES: ReadonlySet<string> = new Set(["wellknown"]);

/** The credential as a message may name it: `a "wellknown" credential`; an unknown type is not quoted (it is free text). */
function describeCredential(type: unknown): string {
  return typeof type === "string" && KNOWN_TYPES.has(type) ? `a "${type}" credential` : "a credential of another type";
}

/**
 * Looks up `providerID` in the credential store the plugin hands to the sources. Total: a store callback
 * that throws, or an entry that is not an object, is an answer with a reason (free of the entry's values).
 */
export function findLogin(auth: () => Readonly<Record<string, StoredAuth>>, providerID: string): Login {
  let store: unknown;
  try {
    store = auth();
  } catch (error) {
    const what = error instanceof Error ? redactSecrets(`${error.name}: ${error.message}`).slice(0, 200) : "a non-Error";
    return { kind: "unreadable", reason: `the credential store could not be read (${what})` };
  }
  if (typeof store !== "object" || store === null || !Object.hasOwn(store, providerID)) return { kind: "missing" };
  const entry = (store as Record<string, unknown>)[providerID];
  if (entry === undefined || entry === null) return { kind: "missing" };
  if (typeof entry !== "object") return { kind: "unreadable", reason: `the ${providerID} entry of the credential store is not an object` };
  // The type and the enterprise host name the login (and appear in reasons); anything else may be a credential.
  const { type: _type, enterpriseUrl: _host, ...rest } = entry as Record<string, unknown>;
  const secrets = stringsOf(rest);
  const type = (entry as { type?: unknown }).type;
  if (type === "api") return { kind: "api", secrets };
  if (type === "oauth") {
    const parsed = OAuthLoginSchema.safeParse(entry);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.map(String).join(".") ?? "entry";
      return { kind: "unreadable", reason: `the ${providerID} OAuth login in the credential store is malformed (${field} has the wrong type)` };
    }
    return { kind: "oauth", oauth: parsed.data, secrets };
  }
  return { kind: "other", what: describeCredential(type), secrets };
}

/**
 * Whether an OAuth access token has expired at `now`. `expires` is epoch ms; 0 or absent means the login
 * does not say (OpenCode's Copilot login stores 0), which is not expired.
 */
export function accessExpired(oauth: OAuthLogin, now: number): boolean {
  return typeof oauth.expires === "number" && oauth.expires > 0 && oauth.expires <= now;
}

/** A usable OAuth access token for a usage request, or why there is none. */
export type OAuthAccess =
  | { readonly ok: true; readonly access: string; readonly oauth: OAuthLogin; readonly secrets: readonly string[] }
  | { readonly ok: false; readonly reason: string; readonly secrets: readonly string[] };

/**
 * The gate the token-bearing sources share: the provider's login must be OAuth, carry an access token,
 * and not have expired (the sources never refresh; OpenCode does on its next request). `needs` words
 * what kind of login is required (`"an OAuth (Claude subscription) login"`); `apiKey` is the reason for
 * an API-key login.
 */
export function oauthAccess(
  auth: () => Readonly<Record<string, StoredAuth>>,
  providerID: string,
  now: number,
  wording: { readonly needs: string; readonly apiKey: string },
): OAuthAccess {
  const login = findLogin(auth, providerID);
  if (login.kind === "missing") return { ok: false, reason: `no ${providerID} login in OpenCode's auth.json`, secrets: [] };
  if (login.kind === "unreadable") return { ok: false, reason: login.reason, secrets: [] };
  const secrets = login.secrets;
  if (login.kind === "api") return { ok: false, reason: wording.apiKey, secrets };
  if (login.kind === "other") return { ok: false, reason: `${providerID} usage needs ${wording.needs}, not ${login.what}`, secrets };
  const { oauth } = login;
  const access = oauth.access?.trim();
  if (!access) return { ok: false, reason: `the ${providerID} OAuth login has no access token`, secrets };
  if (accessExpired(oauth, now)) {
    return { ok: false, reason: `the ${providerID} OAuth access token expired at ${new Date(oauth.expires ?? 0).toISOString()}; it is refreshed on the next ${providerID} request`, secrets };
  }
  return { ok: true, access, oauth, secrets };
}

import { z } from "zod";

/**
 * The value formats of the plugin's settings, as zod schemas that accept both an environment variable's
 * text and a plugin option's JSON value, and turn either into the internal type.
 */

/** Kinds a setting may name as falling back. */
export const FALLBACK_KINDS = ["quota", "auth-pool", "auth", "rate-limit", "overload"] as const;

/** `true/false`, `1/0`, `yes/no`, `on/off` (any case), or a JSON boolean. */
export const booleanText = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(["1", "true", "yes", "on", "0", "false", "no", "off"]))
    .transform((v) => v === "1" || v === "true" || v === "yes" || v === "on"),
]);

/** An integer in `[min, max]`, as digits or a JSON number. */
export const integerText = (min: number, max: number) =>
  z.union([
    z.number().int().min(min).max(max),
    z
      .string()
      .trim()
      .regex(/^\d+$/)
      .transform(Number)
      .pipe(z.number().int().min(min).max(max)),
  ]);

/** A comma-separated list (or array) of at least one fallback kind. */
export const kindList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim().toLowerCase()).filter(Boolean))
  .pipe(z.array(z.enum(FALLBACK_KINDS)).min(1, "name at least one kind"));

/** A file path: not empty, at most 4096 characters. */
export const nonEmptyPath = z.string().trim().min(1).max(4096);

const poolMember = z.string().trim().regex(/^[^\s/=;,]+(\/[^\s=;,]+)?$/, "provider or provider/model");
const poolName = z.string().trim().regex(/^[\w.-]+$/, "letters, digits, _ . -");
/** Pools: `name=provider,provider/model;name2=…`, or an object `{ name: ["provider", "provider/model"] }`. */
export const poolList = z
  .union([
    z.string().transform((text, ctx) => {
      const pools: Record<string, string[]> = {};
      for (const chunk of text.split(";").map((c) => c.trim()).filter(Boolean)) {
        const [name, members, ...rest] = chunk.split("=");
        if (!name || members === undefined || rest.length > 0) {
          ctx.addIssue({ code: "custom", message: `"${chunk}" is not name=member,member` });
          return z.NEVER;
        }
        pools[name.trim()] = members.split(",").map((m) => m.trim()).filter(Boolean);
      }
      return pools;
    }),
    z.record(z.string(), z.array(z.string())),
  ])
  .pipe(z.record(poolName, z.array(poolMember).min(1)));

/** Routes: `name=provider/model,provider/model;…` or `{ name: [...] }`, at least two lanes each. */
export const routeList = z
  .union([
    z.string().transform((text, ctx) => {
      const routes: Record<string, string[]> = {};
      for (const chunk of text.split(";").map((c) => c.trim()).filter(Boolean)) {
        const [name, members, ...rest] = chunk.split("=");
        if (!name || members === undefined || rest.length > 0) {
          ctx.addIssue({ code: "custom", message: `"${chunk}" is not name=provider/model,provider/model` });
          return z.NEVER;
        }
        routes[name.trim()] = members.split(",").map((m) => m.trim()).filter(Boolean);
      }
      return routes;
    }),
    z.record(z.string(), z.array(z.string())),
  ])
  .pipe(z.record(poolName, z.array(z.string().regex(/^[^\s/]+\/\S+$/, "provider/model")).min(2)));

/** `provider=5h:2000000,7d:20000000;provider2=…` or `{ provider: { "5h": 2000000 } }`: token budgets. */
export const budgetList = z
  .union([
    z.string().transform((text, ctx) => {
      const budgets: Record<string, Record<string, number>> = {};
      for (const chunk of text.split(";").map((c) => c.trim()).filter(Boolean)) {
        const [provider, windows, ...rest] = chunk.split("=");
        if (!provider || windows === undefined || rest.length > 0) {
          ctx.addIssue({ code: "custom", message: `"${chunk}" is not provider=window:tokens,…` });
          return z.NEVER;
        }
        const perWindow: Record<string, number> = {};
        for (const item of windows.split(",").map((w) => w.trim()).filter(Boolean)) {
          const [window, tokens] = item.split(":");
          if (!window || !tokens || !/^\d+$/.test(tokens.trim())) {
            ctx.addIssue({ code: "custom", message: `"${item}" is not window:tokens` });
            return z.NEVER;
          }
          perWindow[window.trim()] = Number(tokens.trim());
        }
        budgets[provider.trim()] = perWindow;
      }
      return budgets;
    }),
    z.record(z.string(), z.record(z.string(), z.number())),
  ])
  .pipe(z.record(z.string().min(1), z.record(z.string().regex(/^\d+[hdm]$/, "a window like 5h, 7d or 30m"), z.number().int().positive())));

/** A number of points from -100 to 100, as text or JSON. */
export const signedNumber = z.union([z.number(), z.string().trim().regex(/^[+-]?\d+(\.\d+)?$/).transform(Number)]).pipe(z.number().min(-100).max(100));
/** An http(s) URL. */
export const httpUrl = z.string().trim().url().refine((u) => /^https?:\/\//.test(u), "an http(s) URL");

#!/usr/bin/env node
// Adds package-lock.json entries for platform-specific optional packages that the npm registry this
// project is developed against does not serve (e.g. opencode-darwin-arm64): `npm install` drops them
// from the lock when it cannot fetch their metadata, and `npm ci` then refuses the lock ("Missing: … from
// lock file"). Each entry carries the os/cpu/libc of its name, so `npm ci` skips it on every other
// platform without fetching anything, exactly as it skips a foreign platform package it knows.
// Run after `npm install` changes the lock: `node scripts/lock-add-foreign-platforms.mjs`.
import { readFileSync, writeFileSync } from "node:fs";

const OS = [["darwin", "darwin"], ["linux", "linux"], ["win32", "win32"], ["windows", "win32"], ["android", "android"], ["freebsd", "freebsd"], ["openbsd", "openbsd"], ["openharmony", "openharmony"], ["sunos", "sunos"], ["aix", "aix"], ["netbsd", "netbsd"]];
const CPU = [["arm64", "arm64"], ["x64", "x64"], ["ia32", "ia32"], ["loong64", "loong64"], ["ppc64", "ppc64"], ["riscv64", "riscv64"], ["s390x", "s390x"], ["arm", "arm"]];

function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = OS.find(([token]) => parts.includes(token))?.[1];
  const cpu = CPU.find(([token]) => parts.includes(token))?.[1];
  const libc = parts.includes("musl") || parts.includes("musleabihf") ? "musl" : parts.includes("gnu") || parts.includes("gnueabihf") ? "glibc" : undefined;
  return os && cpu ? { os, cpu, libc } : undefined;
}

const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(file, "utf8"));
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `${path ? `${path}/` : ""}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (lock.packages[key] || lock.packages[hoisted]) continue;
    const platform = platformOf(name);
    if (!platform) continue;
    lock.packages[hoisted] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      os: [platform.os],
      cpu: [platform.cpu],
      ...(platform.libc ? { libc: [platform.libc] } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} foreign-platform entries added`);

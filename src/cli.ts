#!/usr/bin/env node
import { runCli } from "./cli/run-cli";

process.exitCode = runCli(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  env: process.env,
  cwd: process.cwd(),
  now: Date.now(),
});

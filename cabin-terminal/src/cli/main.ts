#!/usr/bin/env node
/** The cabinpay-terminal executable: a thin shell over runTerminalCli (see run.ts). */
import { runTerminalCli } from "./run.js";

process.exitCode = await runTerminalCli(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});

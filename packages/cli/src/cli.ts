#!/usr/bin/env node
/**
 * The `oauth-store` executable. Subcommands live in ./commands; this file only wires the process: arguments,
 * SIGINT/SIGTERM (abort, let the command stop what it started, then exit 130) and the exit code.
 */
import { main, processIo } from './main';

const controller = new AbortController();
let interrupts = 0;
const onSignal = () => {
  interrupts += 1;
  // A second Ctrl-C while cleaning up means "now": the exit hooks still kill child processes.
  if (interrupts > 1) process.exit(130);
  controller.abort(new Error('interrupted'));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await main(process.argv.slice(2), processIo(controller.signal));
process.exitCode = code;
// Give stdout a chance to drain, then leave even if a library left a handle open.
setTimeout(() => process.exit(code), 100).unref();

#!/usr/bin/env node
/**
 * The `payhook` command. `serve` and `migrate` run payhook itself; the other commands are thin clients
 * of the HTTP API for a person at a terminal (they read PAYHOOK_URL and PAYHOOK_API_KEY).
 *
 * With serve.ts and default-modules.ts, this is the composition root: the one place besides them that
 * names a module (the payment module's commands).
 *
 * Exit statuses: 0 done; 1 payhook refused or could not be reached (the error's code is printed);
 * 2 a usage mistake (an unknown flag, a missing argument, a malformed value), nothing sent.
 */
import { Command, CommanderError } from 'commander';
import { registerPaymentCommands } from '../payments/cli.js';
import { registerTriggerCommand } from '../payments/trigger.js';
import { VERSION } from '../version.js';
import { registerServe } from './serve.js';
import { registerApiCommands } from './commands/index.js';

const program = new Command()
  .name('payhook')
  .description('Signed, retried webhooks for a payment module')
  .version(VERSION)
  .showHelpAfterError()
  // Commander's own errors (an unknown option, a missing argument) are usage mistakes: exit 2, like ours.
  .exitOverride();

registerServe(program);
registerApiCommands(program, [registerPaymentCommands, registerTriggerCommand]);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // Commander printed the message (and the help) already; --help and --version are not errors.
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  const e = err as { message?: string; code?: string };
  process.stderr.write(`payhook: ${e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}\n`);
  process.exit(1);
});

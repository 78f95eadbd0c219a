#!/usr/bin/env node
/**
 * The `payhook` command. `serve` and `migrate` run payhook itself; the other commands are thin clients
 * of the HTTP API for a person at a terminal (they read PAYHOOK_URL and PAYHOOK_API_KEY).
 *
 * With serve.ts and default-modules.ts, this is the composition root: the one place besides them that
 * names a module (the payment module's commands).
 */
import { Command } from 'commander';
import { registerPaymentCommands } from '../payments/cli.js';
import { VERSION } from '../version.js';
import { registerServe } from './serve.js';
import { registerApiCommands } from './commands/index.js';

const program = new Command()
  .name('payhook')
  .description('Signed, retried webhooks for a payment module')
  .version(VERSION)
  .showHelpAfterError();

registerServe(program);
registerApiCommands(program, [registerPaymentCommands]);

program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as { message?: string; code?: string };
  process.stderr.write(`payhook: ${e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}\n`);
  process.exit(1);
});

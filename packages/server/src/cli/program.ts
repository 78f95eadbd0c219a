/**
 * The `payhook` command tree: serve, migrate and rotate-master-key, the API commands, and the payment
 * module's commands. With serve.ts and default-modules.ts, this is the composition root: the one place
 * besides them that names a module. main.ts runs it; the CLI's docs test walks it.
 */
import { Command } from 'commander';
import { registerPaymentCommands } from '../payments/cli.js';
import { registerTriggerCommand } from '../payments/trigger.js';
import { VERSION } from '../version.js';
import { registerApiCommands } from './commands/index.js';
import { registerServe } from './serve.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('payhook')
    .description('Signed, retried webhooks for a payment module')
    .version(VERSION)
    .showHelpAfterError()
    // Commander's own errors (an unknown option, a missing argument) are usage mistakes: exit 2, like ours.
    .exitOverride();
  registerServe(program);
  registerApiCommands(program, [registerPaymentCommands, registerTriggerCommand]);
  return program;
}

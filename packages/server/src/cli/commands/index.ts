/**
 * The thin API commands of `payhook` (one file a resource, like the API itself). Each reads its
 * connection from --url/PAYHOOK_URL and --api-key/PAYHOOK_API_KEY, prints a summary for people or,
 * with --json, the API's JSON, and exits non-zero with the error's code on failure.
 */
import type { Command } from 'commander';
import { registerDeliveryCommands } from './deliveries.js';
import { registerEndpointCommands } from './endpoints.js';
import { registerEventCommands } from './events.js';
import { registerListenCommand } from './listen.js';
import { registerMerchantCommands } from './merchants.js';
import { registerTriggerCommand } from './trigger.js';
import { registerPaymentCommands } from './payments.js';

export function registerApiCommands(program: Command): void {
  registerMerchantCommands(program);
  registerEndpointCommands(program);
  registerEventCommands(program);
  registerDeliveryCommands(program);
  registerPaymentCommands(program);
  registerListenCommand(program);
  registerTriggerCommand(program);
}

/**
 * The thin API commands of `payhook` (one file a resource, like the API itself). Each reads its
 * connection from --url/PAYHOOK_URL and --api-key/PAYHOOK_API_KEY, prints a summary for people or,
 * with --json, the API's JSON, and exits non-zero with the error's code on failure.
 */
import type { Command } from 'commander';
import { registerApiKeyCommands } from './api-keys.js';
import { registerDeliveryCommands } from './deliveries.js';
import { registerEndpointCommands } from './endpoints.js';
import { registerErasureCommands } from './erasures.js';
import { registerEventCommands } from './events.js';
import { registerListenCommand } from './listen.js';
import { registerMerchantCommands } from './merchants.js';

/**
 * The core's commands, with the modules' (`moduleCommands`, from the composition root: the payment
 * module's `orders`, `pay` and `trigger`) after the core's resources and before `listen`.
 */
export function registerApiCommands(
  program: Command,
  moduleCommands: readonly ((program: Command) => void)[] = [],
): void {
  registerMerchantCommands(program);
  registerEndpointCommands(program);
  registerEventCommands(program);
  registerDeliveryCommands(program);
  registerApiKeyCommands(program);
  registerErasureCommands(program);
  for (const register of moduleCommands) register(program);
  registerListenCommand(program);
}

/** docs/configuration.md as the settings tables render it (the core's, then the payment module's). */
import { fileURLToPath } from 'node:url';
import { renderConfigDoc } from '../../src/config/doc.js';
import { CONFIG_SCHEMA } from '../../src/config/schema.js';
import { PAYMENT_SETTINGS } from '../../src/payments/config.js';

export const CONFIG_DOC_PATH = fileURLToPath(new URL('../../../../docs/configuration.md', import.meta.url));

export function renderedConfigDoc(): string {
  return renderConfigDoc([CONFIG_SCHEMA, PAYMENT_SETTINGS]);
}

/**
 * `npm start` in examples/shop: the shop on its own, against a payhook somewhere.
 *
 *   PAYHOOK_URL      payhook's API (default http://127.0.0.1:8080)
 *   PAYHOOK_API_KEY  the merchant's key (sk_…)
 *   WEBHOOK_SECRET   the endpoint's signing secret (whsec_…; comma-separated during a rotation),
 *                    or the one `payhook listen` prints
 *   PORT             where the shop listens (default 3000)
 *   SHOP_DB          its SQLite file (default ./shop.db)
 */
import { PayhookClient } from '@payhook/sdk';
import { createShop } from './app.js';
import { ShopDb } from './db.js';

function required(name: string): string {
  const v = process.env[name];
  if (!v) {
    process.stderr.write(`shop: set ${name} (see examples/shop/README.md)\n`);
    process.exit(2);
  }
  return v;
}

const payhook = new PayhookClient({
  baseUrl: process.env.PAYHOOK_URL || 'http://127.0.0.1:8080',
  apiKey: required('PAYHOOK_API_KEY'),
});
const secrets = required('WEBHOOK_SECRET')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const db = new ShopDb(process.env.SHOP_DB || './shop.db');
const port = Number(process.env.PORT || 3000);

const server = createShop({ payhook, webhookSecrets: secrets, db }).listen(port, () => {
  process.stdout.write(`shop: http://localhost:${port} (webhooks at http://localhost:${port}/webhooks)\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => {
      db.close();
      process.exit(0);
    });
    server.closeAllConnections();
  });
}

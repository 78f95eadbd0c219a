/**
 * `npm start -- --demo` in payhook's root: payhook and this shop in one process, wired together, so a new
 * user sees a whole payment go round: open the shop, buy something with a test card, and watch the order
 * turn paid (or cancelled, or paid back) as payhook's webhooks arrive.
 *
 * The first run creates a demo merchant and an endpoint pointing at the shop, and keeps the merchant's
 * key and the endpoint's secret in `demo.json` next to payhook's database (./data by default, readable by
 * the user only); later runs reuse them. If that database was reset, the demo merchant is made again.
 *
 * Settings: PAYHOOK_DB (default ./data/payhook.db), PAYHOOK_PORT (8080), PORT for the shop (3000),
 * SHOP_DB (next to PAYHOOK_DB), and every other PAYHOOK_* setting of `payhook serve`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { PayhookApiError, PayhookClient, SDK_API_VERSION } from '@payhook/sdk';
import { createMerchant, createPayhook, defaultModules, loadConfig, type Payhook } from 'payhook';
import { createShop } from './app.js';
import { ShopDb } from './db.js';

interface DemoState {
  merchant_id: string;
  api_key: string;
  endpoint_id: string;
  webhook_secret: string;
}

const say = (line = '') => process.stdout.write(`${line}\n`);

/** The demo merchant and its endpoint to `webhookUrl`: the saved ones if payhook still has them, else new ones. */
async function demoMerchant(
  payhook: Payhook,
  statePath: string,
  webhookUrl: string,
): Promise<DemoState & { created: boolean }> {
  let saved: DemoState | null = null;
  try {
    saved = JSON.parse(readFileSync(statePath, 'utf8')) as DemoState;
  } catch {
    /* first run */
  }
  if (saved) {
    const client = new PayhookClient({ baseUrl: payhook.url!, apiKey: saved.api_key });
    try {
      const endpoint = await client.endpoints.get(saved.endpoint_id);
      // The shop may listen elsewhere this time (PORT), or the endpoint was disabled by hand.
      if (endpoint.url !== webhookUrl || endpoint.disabled)
        await client.endpoints.update(endpoint.id, { url: webhookUrl, disabled: false });
      const { secret, previous_secrets } = await client.endpoints.getSecret(endpoint.id);
      return { ...saved, webhook_secret: [secret, ...previous_secrets.map((p) => p.secret)].join(','), created: false };
    } catch (err) {
      // 401: payhook's database was reset, the key is unknown; 404: the endpoint was deleted. Start over.
      if (!(err instanceof PayhookApiError) || (err.status !== 401 && err.status !== 404)) throw err;
    }
  }
  const { merchant, apiKey } = await createMerchant(payhook.store, 'Demo shop');
  const client = new PayhookClient({ baseUrl: payhook.url!, apiKey });
  const endpoint = await client.endpoints.create({
    url: webhookUrl,
    event_types: ['order.*', 'transaction.*'],
    // The shop reads events with the SDK's typed helpers: its endpoint receives the version they read.
    api_version: SDK_API_VERSION,
    description: 'the example shop (npm start -- --demo)',
  });
  const state: DemoState = {
    merchant_id: merchant.id,
    api_key: apiKey,
    endpoint_id: endpoint.id,
    webhook_secret: endpoint.secret,
  };
  writeFileSync(statePath, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return { ...state, created: true };
}

async function main(): Promise<void> {
  // payhook's own log lines are for operators; the demo prints what a visitor needs instead.
  // The shop listens on loopback, which payhook refuses by default: the demo opens loopback only.
  const env = {
    ...process.env,
    PAYHOOK_LOG_LEVEL: process.env.PAYHOOK_LOG_LEVEL || 'warn',
    PAYHOOK_ALLOW_NETWORKS: process.env.PAYHOOK_ALLOW_NETWORKS ?? '127.0.0.0/8,::1/128',
  };
  const config = loadConfig(env);
  const dataDir = dirname(config.store.dbPath);
  mkdirSync(dataDir, { recursive: true });
  // The payment module, as `payhook serve` runs it: the shop takes card payments through it.
  const payhook = await createPayhook(config, { modules: defaultModules(env) });
  await payhook.start();

  // The shop's port first, so the endpoint points at the right place even with PORT=0.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT || 3000), '127.0.0.1', resolve));
  const shopUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const statePath = join(dataDir, 'demo.json');
  const demo = await demoMerchant(payhook, statePath, `${shopUrl}/webhooks`);
  const db = new ShopDb(process.env.SHOP_DB || join(dataDir, 'shop.db'));
  const client = new PayhookClient({ baseUrl: payhook.url!, apiKey: demo.api_key });
  server.on('request', createShop({ payhook: client, webhookSecrets: demo.webhook_secret.split(','), db }));

  const where = relative(process.cwd(), statePath) || statePath;
  say();
  say('payhook demo');
  say(
    `  payhook   ${payhook.url}   (${demo.created ? 'created' : 'reusing'} demo merchant ${demo.merchant_id}; its key and endpoint secret are in ${where})`,
  );
  say(`  shop      ${shopUrl}   <- open it and buy something with a test card`);
  say(`  webhooks  payhook -> ${shopUrl}/webhooks (endpoint ${demo.endpoint_id})`);
  say(`  API docs  ${payhook.url}/docs`);
  if (payhook.createdAdminKey)
    say(`\n  admin key (shown once; keep it, or set PAYHOOK_ADMIN_KEY): ${payhook.createdAdminKey}`);
  say(
    `\n  From another terminal: npx payhook trigger order.success --url ${payhook.url} --api-key <api_key in ${where}>`,
  );
  say('  Ctrl-C stops both.\n');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await payhook.stop();
    db.close();
    say('demo stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`demo: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});

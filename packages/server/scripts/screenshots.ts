/**
 * `npm run screenshots`: the dashboard's pictures in docs/images/ (dashboard-overview.png,
 * dashboard-endpoint.png, dashboard-delivery.png), taken by Debian's Chromium from a throwaway payhook
 * with two merchants, paid orders, a delivery to a receiver that answers 500 (its first attempt's
 * request headers open), and a finished replay on that endpoint's page. Run it after
 * changing how the dashboard looks and commit the pictures with the change.
 */
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { Harness, Receiver, eventually, world } from '../test/api-harness.js';

const out = new URL('../../../docs/images/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
const h = await Harness.start();
const receiver = await new Receiver().start();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const { a } = await world(h, receiver);
  receiver.on('/broken', { kind: 'status', status: 500, body: 'upstream timeout' });
  const broken = await h.call('POST', '/v1/endpoints', {
    key: a.key,
    body: { url: `${receiver.url}/broken`, event_types: ['order.*'], description: 'Order service (staging)' },
  });
  for (let i = 0; i < 6; i++) {
    const order = await h.call('POST', '/v1/orders', {
      key: a.key,
      body: { reference: `INV-10${i}`, amount: 1500 + i * 250, currency: 'AED' },
    });
    await h.call('POST', `/v1/orders/${order.body.id}/transactions`, {
      key: a.key,
      body: { card: { number: i === 3 ? '4000000000000002' : '4111111111111111', expiry: '12/30', cvc: '123' } },
    });
  }
  const failed = async () =>
    (await h.call('GET', `/v1/deliveries?endpoint_id=${broken.body.id}`, { key: a.key })).body.data.find(
      (d: { attempt_count: number }) => d.attempt_count > 0,
    );
  await eventually(async () => Boolean(await failed()), 10_000, 'a failed attempt');
  const delivery = await failed();
  // A replay of the endpoint's last hour, finished, for the endpoint's picture.
  const replay = await h.call('POST', `/v1/endpoints/${broken.body.id}/replay`, {
    key: a.key,
    body: { since: new Date(Date.now() - 3_600_000).toISOString(), status: 'all' },
  });
  await eventually(
    async () => (await h.call('GET', `/v1/replays/${replay.body.id}`, { key: a.key })).body.state === 'completed',
    20_000,
    'the replay completed',
  );

  for (const scheme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ viewport: { width: 1200, height: 860 }, colorScheme: scheme });
    const page = await context.newPage();
    await page.goto(`${h.url}/dashboard/sign-in`);
    await page.getByLabel('API key').fill(a.key);
    await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/sign-in')), page.keyboard.press('Enter')]);
    const suffix = scheme === 'dark' ? '-dark' : '';
    await page.screenshot({ path: `${out}dashboard-overview${suffix}.png`, fullPage: false });
    if (scheme === 'light') {
      await page.goto(`${h.url}/dashboard/endpoints/${broken.body.id}?replay=${replay.body.id}`);
      await page.screenshot({ path: `${out}dashboard-endpoint.png`, fullPage: false });
      await page.goto(`${h.url}/dashboard/deliveries/${delivery.id}`);
      await page.getByText('Request headers').first().click();
      await page.screenshot({ path: `${out}dashboard-delivery.png`, fullPage: false });
    }
    await context.close();
  }
  console.log(`wrote ${out}dashboard-{overview,overview-dark,endpoint,delivery}.png`);
} finally {
  await browser.close();
  await h.close();
  await receiver.close();
}

/**
 * The example shop against a real payhook started in-process (SQLite in a temp dir, port 0) and the real
 * shop on port 0: a whole payment goes round; a declined-after-debit payment is shown paid back; the same
 * webhook twice is applied once; a late older event does not undo "paid"; bad signatures get 400; an
 * event for an order the shop never saved creates it, and the page escapes what it shows; the page is
 * pushed every change (`GET /updates`) and updates itself in a real browser, without a reload.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PayhookClient, SDK_API_VERSION, sign, type PaymentEventData } from '@payhook/sdk';
import { createMerchant, createPayhook, defaultModules, loadConfig, type Payhook } from 'payhook';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { createShop } from './src/app.js';
import { ShopDb } from './src/db.js';

// The payment module reads these when payhook starts: pay-backs settle within the test.
Object.assign(process.env, {
  PAYHOOK_PAYMENT_CHECK_INTERVAL: '50ms',
  PAYHOOK_PAYMENT_POLL_INTERVAL: '20ms',
  PAYHOOK_PAYBACK_SCHEDULE: '50ms',
});

const CHROMIUM = '/usr/bin/chromium';
const browserSkip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium)`;

type Maybe<T> = T | null | undefined | false;
async function eventually<T>(fn: () => Promise<Maybe<T>> | Maybe<T>, what: string, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('example shop', () => {
  let dir: string;
  let payhook: Payhook;
  let client: PayhookClient;
  let server: Server;
  let shopUrl: string;
  let db: ShopDb;
  let secret: string;
  const log: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'payhook-shop-'));
    // The shop listens on loopback, which payhook refuses by default.
    const config = loadConfig(
      {},
      {
        server: { port: 0, adminKey: 'ak_shop_test_admin', logLevel: 'silent' },
        store: { dbPath: join(dir, 'payhook.db') },
        delivery: { pollIntervalMs: 50, allowNetworks: ['127.0.0.0/8', '::1/128'] },
      },
    );
    payhook = await createPayhook(config, { modules: defaultModules({}) });
    await payhook.start();
    const { apiKey } = await createMerchant(payhook.store, 'Corner Shop');
    client = new PayhookClient({ baseUrl: payhook.url!, apiKey });
    // The shop's port first, so the endpoint can point at it; the app is attached once the secret is known.
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    shopUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const endpoint = await client.endpoints.create({
      url: `${shopUrl}/webhooks`,
      event_types: ['order.*', 'transaction.*'],
      api_version: SDK_API_VERSION,
    });
    secret = endpoint.secret;
    db = new ShopDb(join(dir, 'shop.db'));
    server.on('request', createShop({ payhook: client, webhookSecrets: secret, db, log: (line) => log.push(line) }));
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await payhook?.stop();
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Submits the Buy form; returns the order id the checkout redirected to. */
  async function buy(product: string, card: string): Promise<{ orderId: string; outcome: string }> {
    const res = await fetch(`${shopUrl}/buy`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ product, card, email: 'customer@example.com' }),
    });
    assert.equal(res.status, 303, await res.text());
    const location = new URL(res.headers.get('location')!, shopUrl);
    return { orderId: location.searchParams.get('placed')!, outcome: location.searchParams.get('outcome')! };
  }
  const page = async () => (await fetch(shopUrl)).text();
  /** The row of an order on the page: its status, payment status and the label people see. */
  function row(html: string, orderId: string): { status: string; payment: string; label: string } | null {
    const m = new RegExp(
      `<tr data-order="${orderId}" data-status="([^"]*)" data-payment="([^"]*)">[\\s\\S]*?<span class="status [^"]*">([^<]*)</span>`,
    ).exec(html);
    return m ? { status: m[1], payment: m[2], label: m[3] } : null;
  }
  /** Posts a webhook to the shop as payhook would, signed with `key`. */
  async function post(body: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
    const res = await fetch(`${shopUrl}/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: res.status, body: await res.json() };
  }
  function signed(
    id: string,
    body: string,
    key = secret,
    timestamp = Math.floor(Date.now() / 1000),
  ): Record<string, string> {
    return {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign({ secret: key, id, timestamp, payload: body }),
    };
  }
  /** The envelope of a stored event, byte for byte as payhook built it (from the API's fields). */
  async function envelopeOf(eventId: string): Promise<{ body: string; data: PaymentEventData }> {
    const e = await client.events.get(eventId);
    return {
      body: JSON.stringify({ id: e.id, type: e.type, timestamp: e.created_at, data: e.data }),
      data: e.data as unknown as PaymentEventData,
    };
  }

  let paidOrder = '';

  test('a whole payment goes round: created through payhook, paid, webhooks arrive, the page shows it paid', async () => {
    const { orderId, outcome } = await buy('dates', '4111111111111111');
    paidOrder = orderId;
    assert.equal(outcome, 'success');
    const remote = await client.orders.get(orderId);
    assert.deepEqual(
      [remote.status, remote.amount, remote.currency, remote.optional1],
      ['paid', 4500, 'AED', 'Box of Medjool dates'],
    );
    assert.ok(db.order(orderId), "saved in the shop's own database at checkout");

    const shown = await eventually(async () => {
      const r = row(await page(), orderId);
      return r?.status === 'paid' ? r : null;
    }, 'the page to show it paid');
    assert.deepEqual(shown, { status: 'paid', payment: 'success', label: 'Paid' });
    // The page may show it paid from the first webhook; the second is its own delivery, waited for.
    const received = await eventually(() => {
      const w = db.webhooks(orderId);
      return w.length >= 2 ? w : null;
    }, 'both webhooks to arrive');
    assert.deepEqual(
      received.map((w) => [w.type, w.sequence, w.outcome]),
      [
        ['transaction.success', 1, 'applied'],
        ['order.success', 2, 'applied'],
      ],
    );
    const confirmation = await (await fetch(`${shopUrl}/?placed=${orderId}&outcome=success`)).text();
    assert.match(confirmation, /the bank answered &quot;success&quot;/);
  });

  test('declined after the issuer debited: cancelled, then shown paid back', async () => {
    const { orderId, outcome } = await buy('karak', '4000000000003006');
    assert.equal(outcome, 'failed');
    const shown = await eventually(async () => {
      const r = row(await page(), orderId);
      return r?.payment === 'paid_back' ? r : null;
    }, 'the pay-back to show');
    assert.deepEqual(shown, { status: 'cancelled', payment: 'paid_back', label: 'Cancelled, paid back' });
    assert.deepEqual(
      db.webhooks(orderId).map((w) => w.type),
      ['transaction.failed', 'order.cancel', 'transaction.paid_back'],
    );
  });

  test('the same webhook delivered twice is applied once (a manual retry, and a replay of the request)', async () => {
    const success = db.webhooks(paidOrder).find((w) => w.type === 'order.success')!;
    const before = db.order(paidOrder)!;
    const {
      data: [delivery],
    } = await client.deliveries.list({ event_id: success.event_id });
    await client.deliveries.retry(delivery.id);
    const retried = await eventually(async () => {
      const d = await client.deliveries.get(delivery.id);
      return d.attempts && d.attempts.length === 2 && d.status === 'succeeded' ? d : null;
    }, 'the retried delivery');
    assert.equal(retried.attempts![1].status_code, 200);
    assert.deepEqual(JSON.parse(retried.attempts![1].response_body!), { received: true, duplicate: true });

    const { body } = await envelopeOf(success.event_id);
    const replay = await post(body, signed(success.event_id, body));
    assert.deepEqual(replay, { status: 200, body: { received: true, duplicate: true } });

    assert.equal(db.webhooks(paidOrder).filter((w) => w.event_id === success.event_id).length, 1, 'logged once');
    assert.deepEqual(db.order(paidOrder), before, 'the order did not change');
  });

  test('reordering: a late transaction.delayed after order.success does not undo paid', async () => {
    const success = db.webhooks(paidOrder).find((w) => w.type === 'order.success')!;
    const { data } = await envelopeOf(success.event_id);
    // What a delayed card's first event looks like, arriving after the order was paid (sequence 1 < 2).
    const id = `evt_late_${Date.now()}`;
    const late = {
      ...data,
      status: 'delayed',
      order_status: 'open',
      bank_message: 'awaiting issuer clearance',
      sequence: 1,
    };
    const body = JSON.stringify({ id, type: 'transaction.delayed', timestamp: new Date().toISOString(), data: late });
    const r = await post(body, signed(id, body));
    assert.deepEqual(r, { status: 200, body: { received: true } }, 'acknowledged: it is not an error, just old');
    assert.deepEqual(row(await page(), paidOrder), { status: 'paid', payment: 'success', label: 'Paid' });
    const entry = db.webhooks(paidOrder).find((w) => w.event_id === id)!;
    assert.deepEqual([entry.type, entry.sequence, entry.outcome], ['transaction.delayed', 1, 'stale']);
    assert.equal(db.order(paidOrder)!.sequence, 2);
  });

  test('bad signatures get 400 and change nothing', async () => {
    const success = db.webhooks(paidOrder).find((w) => w.type === 'order.success')!;
    const { body, data } = await envelopeOf(success.event_id);
    const id = `evt_forged_${Date.now()}`;
    const forged = JSON.stringify({
      id,
      type: 'order.cancel',
      timestamp: new Date().toISOString(),
      data: { ...data, order_status: 'cancelled', status: 'failed', sequence: 99 },
    });
    const before = db.order(paidOrder);
    const cases: [string, string, Record<string, string>, string][] = [
      [
        'signed with another secret',
        forged,
        signed(id, forged, `whsec_${Buffer.alloc(32, 7).toString('base64')}`),
        'webhook_signature',
      ],
      ['a body other than the one signed', forged, signed(id, body), 'webhook_signature'],
      ['no signature headers', forged, {}, 'webhook_headers'],
      [
        'a timestamp an hour old',
        forged,
        signed(id, forged, secret, Math.floor(Date.now() / 1000) - 3600),
        'webhook_timestamp',
      ],
    ];
    for (const [name, payload, headers, code] of cases) {
      const r = await post(payload, headers);
      assert.equal(r.status, 400, name);
      assert.equal(r.body.error.code, code, name);
    }
    assert.deepEqual(db.order(paidOrder), before);
    assert.equal(
      db.webhooks(paidOrder).some((w) => w.event_id === id),
      false,
    );
  });

  test('an order the shop never saved arrives by webhook and is shown, escaped', async () => {
    const order = await client.orders.create({
      reference: '<script>alert(1)</script>',
      amount: 1000,
      currency: 'AED',
      optional1: '"Tea" & <b>biscuits</b>',
    });
    const paid = await client.orders.pay(order.id, { number: '4111111111111111', expiry: '12/40', cvc: '123' });
    assert.equal(paid.outcome, 'success');
    const html = await eventually(async () => {
      const h = await page();
      return row(h, order.id)?.status === 'paid' ? h : null;
    }, 'the order on the page');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(html.includes('&quot;Tea&quot; &amp; &lt;b&gt;biscuits&lt;/b&gt;'));
    assert.equal(html.includes('<script>alert'), false);
    assert.equal(html.match(/<script>/g)?.length, 1, "the page's own script only");
  });

  test('bad form input is answered on the page, not with a crash', async () => {
    const res = await fetch(`${shopUrl}/buy`, {
      method: 'POST',
      body: new URLSearchParams({ product: 'nothing', card: '4111111111111111' }),
    });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /Choose a product and a card/);
    const badCard = await fetch(`${shopUrl}/buy`, {
      method: 'POST',
      body: new URLSearchParams({ product: 'oud', card: '4111111111111112' }),
    });
    assert.equal(badCard.status, 400);
    assert.match(await badCard.text(), /\(card_invalid\)/);
  });

  test('GET /updates pushes the rows at once and after every change the webhooks make', async () => {
    const ac = new AbortController();
    const res = await fetch(`${shopUrl}/updates`, { signal: ac.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const messages: string[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (!/^event: orders$/m.test(block)) continue;
            messages.push(
              block
                .split('\n')
                .filter((l) => l.startsWith('data: '))
                .map((l) => l.slice(6))
                .join('\n'),
            );
          }
        }
      } catch {
        /* closed by the test */
      }
    })();
    try {
      await eventually(() => messages.length >= 1, 'the rows as they are');
      assert.ok(row(messages[0], paidOrder), 'the first message is the table as it stands');
      const { orderId } = await buy('oud', '4000000000001000'); // delayed, then approved by the bank
      const states = await eventually(() => {
        const seen = messages.map((m) => row(m, orderId)?.payment ?? null);
        return seen.includes('success') ? seen : null;
      }, 'the order to be pushed paid');
      // Pushed at checkout (no webhook yet), then as the delayed payment settles: each state in turn.
      assert.ok(states.includes(''), `saved at checkout: ${states.join(', ')}`);
      assert.ok(states.includes('delayed'), `delayed: ${states.join(', ')}`);
      assert.ok(states.indexOf('delayed') < states.indexOf('success'));
    } finally {
      ac.abort();
      await reading;
    }
  });

  test('in a browser, the page updates itself as the webhooks arrive, without a reload', {
    skip: browserSkip,
  }, async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const tab = await browser.newPage();
      await tab.goto(shopUrl);
      // The page's own code runs in the browser: given as text (this file is type-checked without the DOM).
      await tab.waitForFunction("document.getElementById('live').textContent.startsWith('Updated')");
      // A mark on this very document: a reload would lose it.
      await tab.evaluate('window.mark = 42');
      const { orderId } = await buy('karak', '4111111111111111'); // bought elsewhere: this tab does nothing
      const row = tab.locator(`tr[data-order="${orderId}"]`);
      await row.waitFor({ timeout: 15_000 });
      await tab.waitForFunction(
        `document.querySelector('tr[data-order="${orderId}"]').getAttribute('data-status') === 'paid'`,
        undefined,
        { timeout: 15_000 },
      );
      assert.equal(await row.locator('.status').textContent(), 'Paid');
      assert.equal(await tab.evaluate('window.mark'), 42, 'the same document, not reloaded');
    } finally {
      await browser.close();
    }
  });
});

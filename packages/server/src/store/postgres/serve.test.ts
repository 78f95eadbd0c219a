/**
 * Scale-out end to end: `payhook serve --database-url postgres://… --role api` and `--role dispatcher`
 * as two processes on one schema. Events go in through the API process's HTTP API and come out of the
 * dispatcher process, signed, at a real receiver. The dispatcher polls only every 30 s and the waits
 * here are 20 s, so what arrives was woken by the API process's NOTIFY.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { eventually, Receiver } from '../../../test/helpers/receiver.js';
import { runPayhook, waitForOutput, type Running } from '../../../test/helpers/spawn.js';
import { randomSchema, TestSchemas, TEST_DATABASE_URL, TEST_MASTER_KEY } from '../../../test/helpers/test-db.js';

const schemas = new TestSchemas();
const ADMIN = 'ak_serve_test_admin_key';
let rx: Receiver;
const running: Running[] = [];
before(async () => {
  rx = await new Receiver().start();
});
after(async () => {
  for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  await rx.close();
  await schemas.dropAll();
});

async function call(base: string, key: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/**
 * Runs a wait; if it fails, the error says what each process printed (warnings and errors: a lost
 * LISTEN, a failing claim) and where each delivery stands, so a failure on a CI machine explains itself.
 */
async function explained<T>(wait: Promise<T>, base: string, key: string, procs: Record<string, Running>): Promise<T> {
  try {
    return await wait;
  } catch (err) {
    let deliveries = '';
    try {
      const page = await call(base, key, 'GET', '/v1/deliveries?limit=100');
      deliveries = page.data
        .map(
          (d: Record<string, unknown>) =>
            `${d.id} ${d.event_id} ${d.status} attempts=${d.attempt_count} next=${d.next_attempt_at} last=${d.last_status_code ?? d.last_error}`,
        )
        .join('\n');
    } catch (e) {
      deliveries = `(could not list deliveries: ${(e as Error).message})`;
    }
    const printed = Object.entries(procs)
      .map(([name, p]) => `--- ${name} printed:\n${p.output()}`)
      .join('\n');
    throw new Error(`${(err as Error).message}\n--- deliveries:\n${deliveries}\n${printed}`);
  }
}

test('an API process and a dispatcher process on one PostgreSQL: every event delivered, signed, woken by NOTIFY, payments included', {
  timeout: 90_000,
}, async () => {
  const schema = randomSchema();
  const migrated = schemas.store({ schema });
  await migrated.migrate();
  await migrated.close();
  const env = { PAYHOOK_DATABASE_SCHEMA: schema, PAYHOOK_MASTER_KEY: TEST_MASTER_KEY, PAYHOOK_ADMIN_KEY: ADMIN };
  const api = runPayhook(['serve', '--database-url', TEST_DATABASE_URL, '--role', 'api', '--port', '0'], env);
  const dispatcher = runPayhook(['serve', '--database-url', TEST_DATABASE_URL, '--role', 'dispatcher'], {
    ...env,
    PAYHOOK_POLL_INTERVAL: '30s',
  });
  running.push(api, dispatcher);
  const [, base] = await waitForOutput(api, /listening on (http:\/\/\S+) \(role api, store PostgreSQL\)/);
  await waitForOutput(dispatcher, /dispatching \(role dispatcher, store PostgreSQL\)/);

  const merchant = await call(base, ADMIN, 'POST', '/v1/merchants', { name: 'Scale-out shop' });
  const endpoint = await call(base, merchant.api_key, 'POST', '/v1/endpoints', {
    url: `${rx.url}/serve`,
    event_types: ['order.*', 'shop.*'],
  });
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const e = await call(base, merchant.api_key, 'POST', '/v1/events', {
      type: i % 2 ? 'shop.order_paid' : 'shop.order_cancelled',
      data: { n: i },
    });
    ids.push(e.id);
  }
  await call(base, merchant.api_key, 'POST', '/v1/events', { type: 'refund.done', data: {} });
  const procs = { api, dispatcher };
  await explained(
    rx.waitFor(
      () => ids.every((id) => rx.for('/serve').some((r) => r.headers['webhook-id'] === id)),
      20_000,
      'every event at the receiver',
    ),
    base,
    merchant.api_key,
    procs,
  );
  assert.equal(rx.for('/serve').length, 20, 'the filtered-out event was not sent');

  const wh = new Webhook(endpoint.secret);
  for (const r of rx.for('/serve')) {
    const verified = wh.verify(r.body, {
      'webhook-id': String(r.headers['webhook-id']),
      'webhook-timestamp': String(r.headers['webhook-timestamp']),
      'webhook-signature': String(r.headers['webhook-signature']),
    }) as { id: string };
    assert.equal(verified.id, r.headers['webhook-id']);
  }
  // The receiver answers before the dispatcher writes the result: wait for the 20 results.
  const page = await eventually(
    async () => {
      const p = await call(base, merchant.api_key, 'GET', `/v1/deliveries?endpoint_id=${endpoint.id}&limit=50`);
      return p.data.length === 20 && p.data.every((d: { status: string }) => d.status === 'succeeded') ? p : null;
    },
    20_000,
    'the 20 deliveries recorded as succeeded',
  );
  assert.equal(page.data.length, 20);

  // The payment module on the same database: a payment's events go out through the same outbox.
  await call(base, merchant.api_key, 'POST', '/v1/endpoints', {
    url: `${rx.url}/serve-pay`,
    event_types: ['transaction.*'],
  });
  const order = await call(base, merchant.api_key, 'POST', '/v1/orders', {
    reference: 'INV-PG-1',
    amount: 10000,
    currency: 'AED',
  });
  const paid = await call(base, merchant.api_key, 'POST', `/v1/orders/${order.id}/transactions`, {
    card: { number: '4111111111111111', expiry: '12/30', cvc: '123' },
  });
  assert.equal(paid.outcome, 'success');
  await explained(
    rx.waitFor(() => rx.for('/serve-pay').length === 1, 20_000, 'transaction.success at the receiver'),
    base,
    merchant.api_key,
    procs,
  );
  assert.equal(JSON.parse(rx.for('/serve-pay')[0].body).type, 'transaction.success');
  await explained(
    rx.waitFor(() => rx.for('/serve').length === 21, 20_000, 'order.success at the order.*, shop.* endpoint'),
    base,
    merchant.api_key,
    procs,
  );

  api.child.kill('SIGTERM');
  dispatcher.child.kill('SIGTERM');
  assert.equal((await api.exited).code, 0);
  assert.equal((await dispatcher.exited).code, 0);
});

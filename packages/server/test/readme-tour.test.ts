/**
 * The README's five-minute tour, as written: every `curl` of its section is read from README.md and run
 * against a real payhook (the placeholders `ep_…`, `ord_…`, `del_…`, `txn_…` filled from the answers before
 * them, the tour's receiver on :4000 replaced by a real one). What a reader sees must hold: one
 * endpoint, and every event, the shop's and the payment's, arriving once, in the endpoint's version.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ADMIN_KEY, Harness, Receiver } from './api-harness.js';

interface Curl {
  method: string;
  path: string;
  key: '$ADMIN' | '$KEY';
  body?: string;
}

/** The tour's curl commands, in order. */
function tourCommands(): Curl[] {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('## A five-minute tour');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const lines = section.replace(/\\\n\s*/g, ' ').split('\n');
  return lines
    .filter((l) => l.startsWith('curl '))
    .map((l) => {
      const url = /"?\$PAYHOOK_URL([^\s"]*)"?/.exec(l)![1];
      const body = /-d '([^']*)'/.exec(l)?.[1];
      const method = /-X (\w+)/.exec(l)?.[1] ?? (body !== undefined ? 'POST' : 'GET');
      const key = /Bearer (\$\w+)/.exec(l)![1] as Curl['key'];
      return { method, path: url, key, body };
    });
}

describe('the README tour', () => {
  let h: Harness;
  let receiver: Receiver;

  before(async () => {
    receiver = await new Receiver().start();
    h = await Harness.start({ delivery: { pollIntervalMs: 50 } });
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  test('runs as written; with step 6, every event arrives once at the one endpoint', async () => {
    const commands = tourCommands();
    assert.ok(commands.length >= 8, `found ${commands.length} curl commands`);
    const ids: Record<string, string> = {};
    let key = '';
    const answers: { status: number; body: any }[] = [];
    for (const c of commands) {
      const fill = (text: string) =>
        text
          .replace(/(ep|ord|del|txn)_…/g, (placeholder, kind: string) => {
            assert.ok(ids[kind], `${placeholder} before any ${kind}_ id was answered`);
            return ids[kind];
          })
          .replaceAll('http://127.0.0.1:4000', receiver.url);
      const r = await h.call(c.method, fill(c.path), {
        key: c.key === '$ADMIN' ? ADMIN_KEY : key,
        raw: c.body === undefined ? undefined : fill(c.body),
      });
      assert.ok(r.status >= 200 && r.status < 300, `${c.method} ${c.path}: ${r.status} ${r.text}`);
      answers.push(r);
      const body = r.body;
      if (c.path === '/v1/merchants') key = body.api_key;
      for (const id of [body?.id, body?.order?.id, body?.transaction?.id, body?.data?.[0]?.id].filter(
        (x) => typeof x === 'string',
      ))
        ids[id.split('_')[0]] ??= id;
      if (c.path.startsWith('/v1/deliveries?')) {
        // Step 5 looks at the shop event's delivery once it is there.
        await receiver.waitFor(() => receiver.received.length >= 1, 10_000, 'the shop event');
      }
    }
    const paid = answers.find((a) => a.body?.outcome !== undefined)!.body;
    assert.equal(paid.outcome, 'success');
    const refund = answers.find((a) => String(a.body?.id).startsWith('re_'))!.body;
    assert.equal(refund.status, 'succeeded');
    // Step 7: the test webhook in the new version before the switch, then the switch in place.
    const tried = answers.find((a) => a.body?.type === 'payhook.test')!.body;
    assert.equal(tried.succeeded, true);
    assert.equal(answers.at(-1)!.body.api_version, '2026-12-05');

    await receiver.waitFor(
      () => receiver.received.length >= 6,
      10_000,
      'the shop event, the payment events and the refund events',
    );
    const got = receiver.received.map((r) => ({
      path: r.path,
      id: String(r.headers['webhook-id']),
      type: JSON.parse(r.body).type,
    }));
    assert.deepEqual(got.map((g) => g.type).sort(), [
      'order.success',
      'payhook.test',
      'refund.created',
      'refund.succeeded',
      'shop.order_shipped',
      'transaction.success',
    ]);
    assert.deepEqual(new Set(got.map((g) => g.path)), new Set(['/webhooks']), 'one endpoint');
    // The payment events came in the version the endpoint was made with; the test webhook in the one tried.
    const body = (type: string) => JSON.parse(receiver.received.find((r) => JSON.parse(r.body).type === type)!.body);
    assert.equal(body('transaction.success').data.amount, 10000);
    assert.deepEqual(body('payhook.test').data.amount, { value: '100.00', minor: 10000, currency: 'AED' });
    // And none will come twice: each event has exactly one delivery (a test webhook is not an event).
    for (const g of got.filter((x) => x.type !== 'payhook.test')) {
      const d = await h.call('GET', `/v1/deliveries?event_id=${g.id}`, { key });
      assert.equal(d.body.data.length, 1, `${g.type} is delivered once`);
    }
    const endpoints = await h.call('GET', '/v1/endpoints', { key });
    assert.equal(endpoints.body.data.length, 1);
  });
});

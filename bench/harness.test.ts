// The bench receiver is the referee of every benchmark: it must count each webhook id once and refuse
// a delivery whose signature does not verify, or a system could win by dropping or forging work.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { Receiver } from './receiver/receiver.js';
import { WebhookSender, type DeliveryError } from './lib/webhook.js';
import { makeEvent, makeSecret } from './lib/workload.js';

const receiver = new Receiver(1); // check every signature
after(() => receiver.close());

test('the receiver counts distinct webhook ids and rejects bad signatures', async () => {
  const secret = makeSecret();
  const [url] = await receiver.configure([{ secret }]);
  const good = new WebhookSender([{ index: 0, url, secret, hangs: false }], { connections: 2, timeoutMs: 5000 });
  const forged = new WebhookSender([{ index: 0, url, secret: makeSecret(), hangs: false }], {
    connections: 2,
    timeoutMs: 5000,
  });
  try {
    const a = makeEvent('test', 1, 1),
      b = makeEvent('test', 2, 1);
    await good.deliver(a);
    await good.deliver(b);
    await good.deliver(a); // a retry of the same event: counted once
    await assert.rejects(forged.deliver(makeEvent('test', 3, 1)), (e: DeliveryError) => e.statusCode === 401);
    const stats = receiver.stats();
    assert.equal(stats.unique, 2);
    assert.equal(stats.duplicates, 1);
    assert.equal(stats.badSignatures, 1);
    assert.deepEqual(stats.perEndpoint, [2]);
    assert.equal(await receiver.waitFor(2, 1000), true);
    assert.equal(receiver.latency().count, 2, 'accept times in the bodies are read');
  } finally {
    await good.close();
    await forged.close();
  }
});

test('a request without webhook-id is refused and not counted', async () => {
  const [url] = await receiver.configure([{ secret: makeSecret() }]);
  const res = await request(url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  await res.body.dump();
  assert.equal(res.statusCode, 400);
  assert.equal(receiver.stats().unique, 0);
  assert.equal(receiver.stats().rejected, 1);
});

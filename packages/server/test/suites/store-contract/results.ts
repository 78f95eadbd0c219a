/** Contract cases: recording attempt results, leases taken over, 410 Gone, manual retry, recovery, counts. */
import assert from 'node:assert/strict';
import { newId } from '../../../src/ids.js';
import type { Case } from './fixtures.js';
import { claimAll, newEndpoint, newEvent, newMerchant, resultFor } from './fixtures.js';

export function resultCases(test: Case): void {
  test('recordResults: succeeded, retry and failed, each with its attempt logged', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    await newEndpoint(store, a);
    await store.appendEvents([newEvent(a, 'x.y', t0), newEvent(a, 'x.y', t0 + 1), newEvent(a, 'x.y', t0 + 2)]);
    const [ok, again, dead] = await store.claimDue({ now: t0 + 10, limit: 3, leaseMs: 60_000, owner: 'w' });
    const retryAt = t0 + 20_000;
    const results = [
      resultFor(ok, 'w', 'succeeded', { startedAt: t0 + 11, durationMs: 40, responseBody: 'thanks' }),
      resultFor(again, 'w', 'retry', {
        startedAt: t0 + 12,
        statusCode: null,
        responseBody: null,
        errorClass: 'timeout',
        errorMessage: 'timed out after 15000 ms',
        nextAttemptAt: retryAt,
      }),
      resultFor(dead, 'w', 'failed', {
        startedAt: t0 + 13,
        statusCode: 302,
        responseBody: '',
        errorClass: 'redirect',
        errorMessage: 'redirects are not followed',
      }),
    ];
    await store.recordResults(results);
    await store.recordResults([]);
    const s = await store.getDelivery(a, ok.id);
    assert.equal(s?.status, 'succeeded');
    assert.equal(s?.attempts, 1);
    assert.equal(s?.nextAttemptAt, null);
    assert.equal(s?.lastStatusCode, 200);
    assert.equal(s?.lastError, null);
    const r = await store.getDelivery(a, again.id);
    assert.equal(r?.status, 'pending');
    assert.equal(r?.attempts, 1);
    assert.equal(r?.nextAttemptAt, retryAt);
    assert.equal(r?.lastStatusCode, null);
    assert.equal(r?.lastError, 'timed out after 15000 ms');
    const f = await store.getDelivery(a, dead.id);
    assert.equal(f?.status, 'failed');
    assert.equal(f?.nextAttemptAt, null);
    assert.equal(f?.lastStatusCode, 302);
    assert.deepEqual(await store.listAttempts(a, ok.id), [
      {
        id: results[0].attemptId,
        deliveryId: ok.id,
        attemptNo: 1,
        startedAt: t0 + 11,
        durationMs: 40,
        statusCode: 200,
        responseBody: 'thanks',
        errorClass: null,
        errorMessage: null,
        nextRetryAt: null,
      },
    ]);
    const [att] = await store.listAttempts(a, again.id);
    assert.equal(att.errorClass, 'timeout');
    assert.equal(att.statusCode, null);
    assert.equal(att.responseBody, null);
    assert.equal(att.nextRetryAt, retryAt);
    assert.equal((await store.listAttempts(a, dead.id))[0].nextRetryAt, null);
    assert.deepEqual(
      await store.claimDue({ now: retryAt - 1, limit: 10, leaseMs: 1000, owner: 'w' }),
      [],
      'the retry is not due before its time',
    );
    const [next] = await store.claimDue({ now: retryAt, limit: 10, leaseMs: 1000, owner: 'w' });
    assert.equal(next.id, again.id);
    assert.equal(next.attempts, 1);
    await store.recordResults([resultFor(next, 'w', 'succeeded', { startedAt: retryAt + 1 })]);
    assert.deepEqual(
      (await store.listAttempts(a, again.id)).map((x) => x.attemptNo),
      [1, 2],
      'attempts oldest first',
    );
    assert.equal((await store.getDelivery(a, again.id))?.attempts, 2);
  });

  test('recordResults: a result from an owner whose lease was taken over is logged but changes nothing', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    await newEndpoint(store, a);
    await store.appendEvents([newEvent(a, 'x.y', t0)]);
    const [c] = await store.claimDue({ now: t0, limit: 1, leaseMs: 1000, owner: 'slow' });
    const [taken] = await store.claimDue({ now: t0 + 1000, limit: 1, leaseMs: 60_000, owner: 'fast' });
    assert.equal(taken.id, c.id);
    await store.recordResults([resultFor(c, 'slow', 'succeeded', { startedAt: t0 + 1 })]);
    const d = await store.getDelivery(a, c.id);
    assert.equal(d?.status, 'pending', 'the new owner still holds it');
    assert.equal(d?.attempts, 0);
    assert.deepEqual(
      await store.claimDue({ now: t0 + 2000, limit: 1, leaseMs: 1000, owner: 'other' }),
      [],
      'still leased',
    );
    await store.recordResults([resultFor(taken, 'fast', 'failed', { startedAt: t0 + 1001 })]);
    const after = await store.getDelivery(a, c.id);
    assert.equal(after?.status, 'failed');
    assert.equal(after?.attempts, 1);
    assert.equal((await store.listAttempts(a, c.id)).length, 2, 'both attempts are in the log');
  });

  test('recordResults: 410 Gone disables the endpoint; its deliveries wait for it to be enabled', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const gone = await newEndpoint(store, a);
    const fine = await newEndpoint(store, a);
    await store.appendEvents([newEvent(a, 'x.y', t0), newEvent(a, 'x.y', t0 + 1), newEvent(a, 'x.y', t0 + 2)]);
    const [c] = await store.claimDue({
      now: t0 + 10,
      limit: 1,
      leaseMs: 60_000,
      owner: 'w',
      excludeEndpoints: [fine.id],
    });
    const transitions = await store.recordResults([
      resultFor(c, 'w', 'retry', {
        statusCode: 410,
        errorMessage: 'HTTP 410',
        disableEndpoint: true,
        nextAttemptAt: null,
        endpointId: gone.id,
      }),
    ]);
    assert.deepEqual(
      transitions.map((t) => [t.kind, t.reason, t.endpointId, t.merchantId]),
      [['disabled', 'gone', gone.id, a]],
    );
    const ep = await store.getEndpoint(a, gone.id);
    assert.equal(ep?.disabled, true);
    assert.equal(ep?.disabledReason, 'gone');
    const ds = (await store.listDeliveries({ merchantId: a, endpointId: gone.id, limit: 10 })).items;
    assert.deepEqual(
      ds.map((d) => [d.status, d.nextAttemptAt]),
      [
        ['pending', null],
        ['pending', null],
        ['pending', null],
      ],
    );
    assert.equal((await store.listAttempts(a, c.id))[0].statusCode, 410);
    const rest = await claimAll(store, t0 + 10);
    assert.equal(rest.length, 3);
    assert.ok(rest.every((d) => d.endpointId === fine.id));
    const [late] = await store.appendEvents([newEvent(a, 'x.y', t0 + 15)]);
    assert.equal(late.deliveries, 2, 'a gone endpoint takes new deliveries, which wait');
    await store.updateEndpoint(a, gone.id, { disabled: false }, t0 + 20);
    const back = (await claimAll(store, t0 + 30)).filter((d) => d.endpointId === gone.id);
    assert.equal(back.length, 4, 'enabled: every one that waited goes, once');
    assert.ok(ds.every((d) => back.some((b) => b.id === d.id)));
  });

  test('retryDelivery: makes a finished delivery due now; leaves a claimed one alone; scoped to the merchant', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const t0 = Date.now();
    await newEndpoint(store, a);
    await store.appendEvents([newEvent(a, 'x.y', t0), newEvent(a, 'x.y', t0 + 1)]);
    const [done, held] = await store.claimDue({ now: t0 + 10, limit: 2, leaseMs: 60_000, owner: 'w' });
    await store.recordResults([resultFor(done, 'w', 'failed')]);
    assert.equal(await store.retryDelivery(b, done.id, t0 + 20), null);
    assert.equal(await store.retryDelivery(a, newId('del'), t0 + 20), null);
    const retried = await store.retryDelivery(a, done.id, t0 + 20);
    assert.equal(retried?.id, done.id);
    assert.equal(retried?.status, 'pending');
    assert.equal(retried?.nextAttemptAt, t0 + 20);
    assert.equal(retried?.attempts, 1, 'the attempt count carries on');
    const still = await store.retryDelivery(a, held.id, t0 + 20);
    assert.equal(still?.status, 'pending');
    assert.equal(still?.nextAttemptAt, null, 'a delivery in flight keeps its claim');
    const claimed = await store.claimDue({ now: t0 + 20, limit: 10, leaseMs: 1000, owner: 'x' });
    assert.deepEqual(
      claimed.map((c) => c.id),
      [done.id],
    );
    assert.equal(claimed[0].attempts, 1);
    await store.recordResults([resultFor(claimed[0], 'x', 'succeeded')]);
    const again = await store.retryDelivery(a, done.id, t0 + 30);
    assert.equal(again?.status, 'pending', 'a succeeded delivery can be sent again on request');
  });

  test('recoverEndpoint: every failed delivery created since a time is due now', async (store) => {
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const t0 = Date.now();
    const ep = await newEndpoint(store, a);
    const other = await newEndpoint(store, a);
    await store.appendEvents([0, 100, 200, 300].map((dt) => newEvent(a, 'x.y', t0 + dt)));
    const claimed = await claimAll(store, t0 + 1000, 'w');
    assert.equal(claimed.length, 8);
    const [ok] = claimed.filter((c) => c.endpointId === ep.id && c.eventCreatedAt === t0 + 300);
    await store.recordResults(claimed.map((c) => resultFor(c, 'w', c === ok ? 'succeeded' : 'failed')));
    assert.equal(await store.recoverEndpoint(b, ep.id, t0, t0 + 2000), 0, "another merchant's endpoint");
    assert.equal(
      await store.recoverEndpoint(a, ep.id, t0 + 100, t0 + 2000),
      2,
      'failed ones since the time; not the succeeded one',
    );
    const due = await store.claimDue({ now: t0 + 2000, limit: 10, leaseMs: 1000, owner: 'r' });
    assert.deepEqual(due.map((c) => c.eventCreatedAt).sort(), [t0 + 100, t0 + 200]);
    assert.ok(due.every((c) => c.endpointId === ep.id && c.attempts === 1));
    assert.equal((await store.countDeliveries(a)).failed, 5, "the other endpoint's and older failures stay failed");
    assert.equal(await store.recoverEndpoint(a, other.id, t0 + 10_000, t0 + 3000), 0);
  });

  test('countDeliveries: by status, for one merchant or all', async (store) => {
    assert.deepEqual(await store.countDeliveries(), { pending: 0, succeeded: 0, failed: 0, cancelled: 0 });
    const a = await newMerchant(store);
    const b = await newMerchant(store);
    const t0 = Date.now();
    const ea = await newEndpoint(store, a);
    await newEndpoint(store, b);
    await store.appendEvents([
      newEvent(a, 'x.y', t0),
      newEvent(a, 'x.y', t0 + 1),
      newEvent(a, 'x.y', t0 + 2),
      newEvent(b, 'x.y', t0 + 5),
    ]);
    const [s, f] = await store.claimDue({ now: t0 + 10, limit: 2, leaseMs: 1000, owner: 'w' });
    await store.recordResults([resultFor(s, 'w', 'succeeded'), resultFor(f, 'w', 'failed')]);
    await store.deleteEndpoint(a, ea.id, t0 + 20);
    assert.deepEqual(await store.countDeliveries(a), { pending: 0, succeeded: 1, failed: 1, cancelled: 1 });
    assert.deepEqual(await store.countDeliveries(b), { pending: 1, succeeded: 0, failed: 0, cancelled: 0 });
    assert.deepEqual(await store.countDeliveries(), { pending: 1, succeeded: 1, failed: 1, cancelled: 1 });
  });
}

// Ordering: an event is applied only if its sequence is newer than the last applied for its order.
// One suite for both stores, with reordering (every permutation), concurrency and failures.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  createIdempotency,
  createOrdering,
  memoryIdempotencyStore,
  memorySequenceStore,
  sqliteSequenceStore,
  type PaymentEvent,
  type SequenceStore,
} from '@payhook/sdk';
import { paymentEvent } from './helpers.js';

let dir: string;
const dbs: Database.Database[] = [];
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'payhook-order-'));
});
after(() => {
  for (const db of dbs) db.close();
  rmSync(dir, { recursive: true, force: true });
});
const openDb = (name: string) => {
  const db = new Database(join(dir, name));
  dbs.push(db);
  return db;
};

/** One order's life: a delayed payment that then succeeds. */
function lifecycle(orderId: string): PaymentEvent[] {
  return [
    paymentEvent('transaction.delayed', { order_id: orderId, sequence: 1, status: 'delayed', order_status: 'open' }),
    paymentEvent('transaction.success', { order_id: orderId, sequence: 2, status: 'success', order_status: 'open' }),
    paymentEvent('order.success', { order_id: orderId, sequence: 3, status: 'success', order_status: 'paid' }),
  ] as PaymentEvent[];
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

let files = 0;
const backends: [string, () => SequenceStore][] = [
  ['memory', () => memorySequenceStore()],
  ['sqlite', () => sqliteSequenceStore(openDb(`seq-${++files}.db`))],
];

for (const [name, newStore] of backends) {
  describe(`ordering: ${name}`, () => {
    test('a late transaction.delayed does not overwrite order.success', async () => {
      const ordering = createOrdering({ store: newStore() });
      const orders = new Map<string, string>();
      const save = (e: PaymentEvent) => {
        orders.set(e.data.order_id, e.data.order_status);
      };
      const [delayed, , success] = lifecycle('ord_late');
      assert.deepEqual(await ordering.apply(success, save), { status: 'applied', sequence: 3, result: undefined });
      assert.deepEqual(await ordering.apply(delayed, save), { status: 'stale', sequence: 1, lastSequence: 3 });
      assert.equal(orders.get('ord_late'), 'paid');
      assert.equal(await ordering.lastSequence('ord_late'), 3);
    });

    test('every arrival order ends in the newest state, applying only increasing sequences', async () => {
      const events = [
        ...lifecycle('ord_perm'),
        paymentEvent('transaction.paid_back', {
          order_id: 'ord_perm',
          sequence: 4,
          status: 'paid_back',
          order_status: 'paid',
        }) as PaymentEvent,
      ];
      for (const arrival of permutations(events)) {
        const ordering = createOrdering({ store: newStore() });
        const applied: number[] = [];
        let state: PaymentEvent | undefined;
        for (const e of arrival)
          await ordering.apply(e, (ev) => {
            applied.push(ev.data.sequence);
            state = ev;
          });
        assert.equal(state?.data.sequence, 4, arrival.map((e) => e.data.sequence).join(','));
        assert.equal(state?.type, 'transaction.paid_back');
        assert.deepEqual(
          applied,
          [...applied].sort((a, b) => a - b),
        );
        assert.equal(new Set(applied).size, applied.length);
      }
    });

    test('a redelivery of the same sequence is stale; other orders are independent', async () => {
      const ordering = createOrdering({ store: newStore() });
      const a = lifecycle('ord_a');
      const b = lifecycle('ord_b');
      assert.equal((await ordering.apply(a[1], () => {})).status, 'applied');
      assert.equal((await ordering.apply(a[1], () => {})).status, 'stale');
      assert.equal((await ordering.apply(b[0], () => {})).status, 'applied');
      assert.equal(await ordering.lastSequence('ord_b'), 1);
      assert.equal(await ordering.lastSequence('ord_none'), undefined);
    });

    test('a failed handler records nothing, so the retry applies', async () => {
      const ordering = createOrdering({ store: newStore() });
      const [, , success] = lifecycle('ord_fail');
      await assert.rejects(
        ordering.apply(success, () => {
          throw new Error('write failed');
        }),
        /write failed/,
      );
      assert.equal(await ordering.lastSequence('ord_fail'), undefined);
      assert.equal((await ordering.apply(success, () => 'saved')).status, 'applied');
    });

    test('concurrent events of one order run one at a time and end in the newest state', async () => {
      const ordering = createOrdering({ store: newStore() });
      let active = 0;
      let maxActive = 0;
      let state = 0;
      const events = lifecycle('ord_conc').reverse(); // newest first, all at once
      const results = await Promise.all(
        events.map((e) =>
          ordering.apply(e, async (ev) => {
            active++;
            maxActive = Math.max(maxActive, active);
            for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
            state = ev.data.sequence;
            active--;
          }),
        ),
      );
      assert.equal(maxActive, 1);
      assert.equal(state, 3);
      assert.deepEqual(
        results.map((r) => r.status),
        ['applied', 'stale', 'stale'],
      );
    });

    test('events without order_id and sequence are refused', async () => {
      const ordering = createOrdering({ store: newStore() });
      await assert.rejects(
        ordering.apply({ data: { order_id: 'ord_1' } } as never, () => {}),
        TypeError,
      );
      await assert.rejects(
        ordering.apply({ data: { order_id: '', sequence: 1 } }, () => {}),
        TypeError,
      );
    });
  });
}

test('sqlite: the last sequence survives a restart and never goes backwards', async () => {
  const db = openDb('restart.db');
  const store = sqliteSequenceStore(db);
  assert.equal(store.advance('ord_r', 5), true);
  assert.equal(store.advance('ord_r', 3), false);
  assert.equal(store.advance('ord_r', 5), false);
  db.close();
  dbs.splice(dbs.indexOf(db), 1);
  const ordering = createOrdering({ store: sqliteSequenceStore(openDb('restart.db')) });
  assert.equal(await ordering.lastSequence('ord_r'), 5);
  const [, , success] = lifecycle('ord_r');
  assert.equal((await ordering.apply(success, () => {})).status, 'stale');
});

test('with idempotency: duplicates and reordering together, as a receiver wires them', async () => {
  const idempotency = createIdempotency({ store: memoryIdempotencyStore() });
  const ordering = createOrdering({ store: memorySequenceStore() });
  const status = new Map<string, string>();
  let writes = 0;
  const receive = (e: PaymentEvent) =>
    idempotency.run(e.id, () =>
      ordering.apply(e, (ev) => {
        writes++;
        status.set(ev.data.order_id, ev.data.order_status);
      }),
    );
  const [delayed, txn, success] = lifecycle('ord_both');
  // order.success first, a duplicate of it, then the older two late, then a redelivery of a late one.
  for (const e of [success, success, txn, delayed, delayed]) await receive(e);
  assert.equal(status.get('ord_both'), 'paid');
  assert.equal(writes, 1);
});

// The idempotency contract, run against both provided stores (one suite, as the Store contract does in
// the server), then what only SQLite adds: several connections (processes) sharing one file, and restarts.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  createIdempotency,
  DuplicateInFlightError,
  memoryIdempotencyStore,
  sqliteIdempotencyStore,
  type IdempotencyStore,
} from '@payhook/sdk';

let dir: string;
const dbs: Database.Database[] = [];
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'payhook-idem-'));
});
after(() => {
  for (const db of dbs) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function openDb(name: string): Database.Database {
  const db = new Database(join(dir, name));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  dbs.push(db);
  return db;
}

/** A promise the test opens when it chooses, and a signal that the handler is waiting on it. */
function gate() {
  let open!: () => void;
  let entered!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  const inside = new Promise<void>((r) => {
    entered = r;
  });
  return {
    open,
    inside,
    wait: async () => {
      entered();
      await opened;
    },
  };
}

let files = 0;
const backends: [string, () => IdempotencyStore][] = [
  ['memory', () => memoryIdempotencyStore()],
  ['sqlite', () => sqliteIdempotencyStore(openDb(`contract-${++files}.db`))],
];

for (const [name, newStore] of backends) {
  describe(`idempotency contract: ${name}`, () => {
    test('runs the handler once; later calls report duplicate without running it', async () => {
      const idem = createIdempotency({ store: newStore() });
      let runs = 0;
      assert.deepEqual(
        await idem.run('evt_1', () => {
          runs++;
          return 'done';
        }),
        { status: 'processed', result: 'done' },
      );
      assert.deepEqual(
        await idem.run('evt_1', () => {
          runs++;
          return 'again';
        }),
        { status: 'duplicate' },
      );
      assert.deepEqual(
        await idem.run('evt_2', () => {
          runs++;
          return 2;
        }),
        { status: 'processed', result: 2 },
      );
      assert.equal(runs, 2);
    });

    test('a concurrent duplicate gets DuplicateInFlightError at once; after completion, duplicate', async () => {
      const idem = createIdempotency({ store: newStore() });
      const g = gate();
      const first = idem.run('evt_c', async () => {
        await g.wait();
        return 'first';
      });
      await g.inside;
      await assert.rejects(
        idem.run('evt_c', () => 'second'),
        (e: unknown) => {
          assert.ok(e instanceof DuplicateInFlightError);
          assert.equal(e.webhookId, 'evt_c');
          assert.equal(e.status, 409);
          return true;
        },
      );
      g.open();
      assert.deepEqual(await first, { status: 'processed', result: 'first' });
      assert.deepEqual(await idem.run('evt_c', () => 'third'), { status: 'duplicate' });
    });

    test('of many simultaneous calls for one id exactly one runs the handler', async () => {
      const idem = createIdempotency({ store: newStore() });
      let runs = 0;
      const results = await Promise.allSettled(
        Array.from({ length: 25 }, () =>
          idem.run('evt_many', async () => {
            runs++;
            await new Promise((r) => setImmediate(r));
          }),
        ),
      );
      assert.equal(runs, 1);
      assert.equal(results.filter((r) => r.status === 'fulfilled' && r.value.status === 'processed').length, 1);
      for (const r of results) {
        if (r.status === 'rejected') assert.ok(r.reason instanceof DuplicateInFlightError);
      }
    });

    test('a handler that throws releases the id: the error propagates and a retry runs it again', async () => {
      const idem = createIdempotency({ store: newStore() });
      let attempts = 0;
      await assert.rejects(
        idem.run('evt_f', () => {
          attempts++;
          throw new Error('db down');
        }),
        /db down/,
      );
      await assert.rejects(
        idem.run('evt_f', async () => {
          attempts++;
          throw new Error('still down');
        }),
        /still down/,
      );
      assert.deepEqual(
        await idem.run('evt_f', () => {
          attempts++;
          return 'ok';
        }),
        { status: 'processed', result: 'ok' },
      );
      assert.deepEqual(
        await idem.run('evt_f', () => {
          attempts++;
        }),
        { status: 'duplicate' },
      );
      assert.equal(attempts, 3);
    });

    test('a handled id is forgotten after ttlMs', async () => {
      let now = 1_000_000;
      const idem = createIdempotency({ store: newStore(), ttlMs: 60_000, now: () => now });
      let runs = 0;
      await idem.run('evt_t', () => {
        runs++;
      });
      now += 59_999;
      assert.equal(
        (
          await idem.run('evt_t', () => {
            runs++;
          })
        ).status,
        'duplicate',
      );
      now += 2;
      assert.equal(
        (
          await idem.run('evt_t', () => {
            runs++;
          })
        ).status,
        'processed',
      );
      assert.equal(runs, 2);
    });

    test('a claim whose holder died is taken over after leaseMs; the late holder cannot complete it', async () => {
      const store = newStore();
      let now = 5_000_000;
      const idem = createIdempotency({ store, leaseMs: 30_000, now: () => now });
      // The holder claimed and then "died": nothing completes or releases its claim.
      assert.equal(await store.claim('evt_l', 'dead-token', now + 30_000, now), 'claimed');
      await assert.rejects(
        idem.run('evt_l', () => 'x'),
        DuplicateInFlightError,
      );
      now += 30_000;
      assert.deepEqual(await idem.run('evt_l', () => 'taken over'), { status: 'processed', result: 'taken over' });
      assert.equal(await store.complete('evt_l', 'dead-token', now + 1), false);
      await store.release('evt_l', 'dead-token');
      assert.equal((await idem.run('evt_l', () => 'x')).status, 'duplicate');
    });

    test('release only drops a claim held by the same token', async () => {
      const store = newStore();
      const now = 1000;
      assert.equal(await store.claim('evt_r', 'a', now + 100, now), 'claimed');
      await store.release('evt_r', 'b');
      assert.equal(await store.claim('evt_r', 'c', now + 100, now), 'in_flight');
      assert.equal(await store.complete('evt_r', 'a', now + 1000), true);
      assert.equal(await store.claim('evt_r', 'c', now + 100, now), 'done');
      await store.release('evt_r', 'a'); // a done record is not released
      assert.equal(await store.claim('evt_r', 'c', now + 100, now), 'done');
    });

    test('bad arguments fail early', async () => {
      assert.throws(() => createIdempotency({ store: undefined as never }), TypeError);
      assert.throws(() => createIdempotency({ store: newStore(), ttlMs: 0 }), TypeError);
      await assert.rejects(
        createIdempotency({ store: newStore() }).run('', () => 1),
        TypeError,
      );
    });
  });
}

describe('sqlite store only', () => {
  test('two connections to one file (two processes) never both run a handler', async () => {
    const path = 'shared.db';
    const a = createIdempotency({ store: sqliteIdempotencyStore(openDb(path)) });
    const b = createIdempotency({ store: sqliteIdempotencyStore(openDb(path)) });
    const g = gate();
    const first = a.run('evt_x', async () => {
      await g.wait();
      return 'a';
    });
    await g.inside;
    await assert.rejects(
      b.run('evt_x', () => 'b'),
      DuplicateInFlightError,
    );
    g.open();
    await first;
    assert.deepEqual(await b.run('evt_x', () => 'b'), { status: 'duplicate' });
  });

  test('handled ids survive a restart (the database is reopened)', async () => {
    const first = openDb('restart.db');
    await createIdempotency({ store: sqliteIdempotencyStore(first) }).run('evt_keep', () => 1);
    first.close();
    dbs.splice(dbs.indexOf(first), 1);
    const reopened = createIdempotency({ store: sqliteIdempotencyStore(openDb('restart.db')) });
    assert.deepEqual(await reopened.run('evt_keep', () => 2), { status: 'duplicate' });
  });

  test('prune removes expired rows only; a custom table name is used and checked', () => {
    const db = openDb('prune.db');
    const store = sqliteIdempotencyStore(db, { table: 'my_webhooks' });
    store.claim('old', 't1', 100, 0);
    store.complete('old', 't1', 200);
    store.claim('new', 't2', 10_000, 0);
    assert.equal(store.prune(500), 1);
    assert.deepEqual(db.prepare('SELECT id FROM my_webhooks').all(), [{ id: 'new' }]);
    assert.throws(() => sqliteIdempotencyStore(db, { table: 'x; DROP TABLE y' }), TypeError);
  });
});

describe('memory store only', () => {
  test('maxEntries bounds memory, forgetting the least recently touched ids first', async () => {
    const store = memoryIdempotencyStore({ maxEntries: 3 });
    const idem = createIdempotency({ store });
    for (const id of ['a', 'b', 'c', 'd']) await idem.run(id, () => {});
    assert.equal(store.size, 3);
    assert.equal((await idem.run('d', () => {})).status, 'duplicate');
    assert.equal((await idem.run('a', () => {})).status, 'processed');
  });
});

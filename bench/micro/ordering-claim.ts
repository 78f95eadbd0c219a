/**
 * What ordered delivery costs the claim (docs/performance.md, "Ordered delivery"): 100,000 pending
 * deliveries to one ordered endpoint across 1,000 ordering keys (100 a key, interleaved), on SQLite and,
 * when the local server answers, PostgreSQL. Timed, each the median of 5:
 *
 *   heads      a claim of 500 when the 1,000 heads are due (the rest parked behind them)
 *   blocked    a claim that finds nothing: every head leased, 99,000 parked
 *   unordered  a claim of 500 at 100,000 pending to an endpoint that is not ordered (the baseline)
 *   unparked   a claim that finds nothing when the 99,000 waiting deliveries are due instead of parked
 *              (what the claim would cost without parking: it walks them all)
 *
 * PostgreSQL tables are analysed after filling, as autovacuum would have done on a live queue (on a fresh
 * table without statistics the planner sorts every due row: ~400 ms, ordered or not).
 *
 *   node --conditions=development --import tsx bench/micro/ordering-claim.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { newId, type MerchantId } from '../../packages/server/src/ids.js';
import { buildEnvelope } from '../../packages/server/src/store/envelope.js';
import { PostgresStore } from '../../packages/server/src/store/postgres/store.js';
import { SqliteStore } from '../../packages/server/src/store/sqlite/store.js';
import type { NewEvent, Store } from '../../packages/server/src/store/types.js';
import { decodeMasterKey, Keyring } from '../../packages/server/src/secrets/keyring.js';
import { DEFAULT_POSTGRES_URL } from '../lib/postgres.js';

const PENDING = 100_000;
const KEYS = 1_000;

async function fill(store: Store, ordered: boolean): Promise<MerchantId> {
  const merchantId = newId('mer');
  await store.createMerchant(
    { id: merchantId, name: 'bench', createdAt: Date.now() },
    { id: newId('key'), hash: newId('key'), prefix: 'sk' },
  );
  await store.createEndpoint({
    id: newId('ep'),
    merchantId,
    url: 'https://r.test/',
    description: '',
    eventTypes: null,
    disabled: false,
    headers: {},
    format: 'standard',
    timeoutMs: null,
    ordered,
    secret: 'whsec_x',
    now: Date.now(),
  });
  const t0 = Date.now() - 60_000;
  for (let b = 0; b < PENDING / 1000; b++) {
    const events: NewEvent[] = [];
    for (let i = 0; i < 1000; i++) {
      const n = b * 1000 + i;
      const id = newId('evt', t0 + b);
      events.push({
        id,
        merchantId,
        type: 'order.success',
        data: '{}',
        body: buildEnvelope(id, 'order.success', t0 + b, '{}', false),
        idempotencyKey: null,
        createdAt: t0 + b,
        orderingKey: `k${n % KEYS}`,
      });
    }
    await store.appendEvents(events);
  }
  return merchantId;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await fn();
    runs.push(performance.now() - t);
  }
  return runs.sort((a, b) => a - b)[2];
}

interface Opened {
  store: Store;
  /** Makes the parked deliveries due (what the claim would walk without parking). */
  unpark: () => Promise<void>;
  /** Fresh statistics, as autovacuum keeps them on a live queue (PostgreSQL; a fresh schema has none). */
  analyze: () => Promise<void>;
}

async function measure(name: string, open: () => Promise<Opened>) {
  const out: Record<string, string> = {};
  {
    const { store, unpark, analyze } = await open();
    await fill(store, true);
    await analyze();
    const now = Date.now();
    let owner = 0;
    // Each run claims with a lease of 0 ms, so the same heads are due again for the next run.
    out.heads = (await timed(() => store.claimDue({ now, limit: 500, leaseMs: 0, owner: `o${owner++}` }))).toFixed(1);
    for (;;) {
      const got = await store.claimDue({ now, limit: 500, leaseMs: 3_600_000, owner: 'hold' });
      if (got.length === 0) break;
    }
    out.blocked = (await timed(() => store.claimDue({ now, limit: 500, leaseMs: 0, owner: 'x' }))).toFixed(1);
    await unpark();
    out.unparked = (await timed(() => store.claimDue({ now, limit: 500, leaseMs: 0, owner: 'x' }))).toFixed(1);
    await store.close();
  }
  {
    const { store, analyze } = await open();
    await fill(store, false);
    await analyze();
    const now = Date.now();
    out.unordered = (await timed(() => store.claimDue({ now, limit: 500, leaseMs: 0, owner: 'u' }))).toFixed(1);
    await store.close();
  }
  console.log(name, JSON.stringify(out));
}

const dir = mkdtempSync(join(tmpdir(), 'payhook-ordering-'));
let n = 0;
await measure('sqlite', async () => {
  const store = new SqliteStore({ path: join(dir, `b${n++}.db`) });
  await store.migrate();
  return {
    store,
    unpark: async () => {
      store.db.prepare('UPDATE deliveries SET next_attempt_at = 0 WHERE next_attempt_at IS NULL').run();
    },
    analyze: async () => {},
  };
});
rmSync(dir, { recursive: true, force: true });

const keyring = new Keyring(decodeMasterKey(Buffer.alloc(32, 7).toString('base64')));
const schemas: string[] = [];
try {
  await measure('postgres', async () => {
    const schema = `bench_ordering_${Date.now()}_${n++}`;
    schemas.push(schema);
    const store = new PostgresStore({ connectionString: DEFAULT_POSTGRES_URL, schema, keyring, onError: () => {} });
    await store.migrate();
    const sql = async (text: string) => {
      const c = new pg.Client({ connectionString: DEFAULT_POSTGRES_URL });
      await c.connect();
      await c.query(text);
      await c.end();
    };
    return {
      store,
      unpark: async () => {
        await sql(`UPDATE "${schema}".deliveries SET next_attempt_at = 0 WHERE next_attempt_at IS NULL`);
        await sql(`ANALYZE "${schema}".deliveries`);
      },
      analyze: () => sql(`ANALYZE "${schema}".deliveries`),
    };
  });
} finally {
  const c = new pg.Client({ connectionString: DEFAULT_POSTGRES_URL });
  await c.connect();
  for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await c.end();
}

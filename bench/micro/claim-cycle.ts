/**
 * What a delivery costs PostgreSQL in a dispatcher's steady state (docs/performance.md, "A lease that
 * leaves the indexes alone"): 30,000 pending deliveries to 10 endpoints, claimed 70 at a time while
 * 200 are in flight (as the throughput scenario's dispatcher holds them), each claim followed, once more
 * than 200 are held, by the results of the oldest 70 (succeeded). Timed on the dispatcher's side, round
 * trips included; then PostgreSQL's own count of the deliveries' row versions written as HOT updates.
 * Three rounds, each on a fresh schema. With a number of days (30: PAYHOOK_RETENTION_DAYS' default), the
 * day partitions of that many days before today are made first, as a store in production has them.
 *
 *   node --conditions=development --import tsx bench/micro/claim-cycle.ts [days kept]
 */
import pg from 'pg';
import { newId, type MerchantId } from '../../packages/server/src/ids.js';
import { buildEnvelope } from '../../packages/server/src/store/envelope.js';
import { PostgresStore } from '../../packages/server/src/store/postgres/store.js';
import type { ClaimedDelivery, NewEvent } from '../../packages/server/src/store/types.js';
import { decodeMasterKey, Keyring } from '../../packages/server/src/secrets/keyring.js';
import { DEFAULT_POSTGRES_URL } from '../lib/postgres.js';

const EVENTS = 3_000;
const ENDPOINTS = 10;
const CLAIM = 70;
const IN_FLIGHT = 200;
const OWNER = 'bench-dispatcher-7d9f8b6c5d-x2k4q:123456:0a1b2c3d';
const DAYS_KEPT = Number(process.argv[2] ?? 0);

async function fill(store: PostgresStore): Promise<void> {
  const merchantId: MerchantId = newId('mer');
  await store.createMerchant(
    { id: merchantId, name: 'bench', createdAt: Date.now() },
    { id: newId('key'), hash: newId('key'), prefix: 'sk' },
  );
  for (let e = 0; e < ENDPOINTS; e++)
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
      ordered: false,
      secret: 'whsec_x',
      now: Date.now(),
    });
  const t0 = Date.now() - 60_000;
  for (let b = 0; b < EVENTS / 1000; b++) {
    const events: NewEvent[] = [];
    for (let i = 0; i < 1000; i++) {
      const at = t0 + b * 1000 + i;
      const id = newId('evt', at);
      events.push({
        id,
        merchantId,
        type: 'order.success',
        data: '{}',
        body: buildEnvelope(id, 'order.success', at, '{}', false),
        idempotencyKey: null,
        createdAt: at,
        orderingKey: null,
      });
    }
    await store.appendEvents(events);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function round(url: string, keyring: Keyring): Promise<Record<string, string>> {
  const schema = `bench_claim_${process.pid}_${Date.now()}`;
  const store = new PostgresStore({ connectionString: url, schema, keyring, poolSize: 2, onError: () => {} });
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await store.migrate();
    if (DAYS_KEPT > 0) await store.preparePartitions(Date.now() - DAYS_KEPT * 86_400_000, Date.now());
    await fill(store);
    await admin.query(`ANALYZE "${schema}".deliveries`);
    const before = await versions(admin, schema);
    const held: ClaimedDelivery[] = [];
    const claims: number[] = [];
    const results: number[] = [];
    let delivered = 0;
    let claimTotal = 0;
    let resultTotal = 0;
    for (;;) {
      let t = performance.now();
      const got = await store.claimDue({ now: Date.now(), limit: CLAIM, leaseMs: 60_000, owner: OWNER });
      const c = performance.now() - t;
      claimTotal += c;
      if (got.length > 0) claims.push(c);
      held.push(...got);
      if (held.length > IN_FLIGHT || (got.length === 0 && held.length > 0)) {
        const done = held.splice(0, Math.min(CLAIM, held.length));
        t = performance.now();
        await store.recordResults(
          done.map((d) => ({
            attemptId: newId('att'),
            deliveryId: d.id,
            owner: OWNER,
            attemptNo: d.attempts + 1,
            startedAt: Date.now(),
            durationMs: 3,
            statusCode: 200,
            responseBody: 'ok',
            errorClass: null,
            errorMessage: null,
            outcome: 'succeeded' as const,
            nextAttemptAt: null,
          })),
        );
        const r = performance.now() - t;
        resultTotal += r;
        results.push(r);
        delivered += done.length;
      } else if (got.length === 0) break;
    }
    await store.close();
    // The store's connections are closed, so their statistics have reached the server's.
    let after = await versions(admin, schema);
    for (let i = 0; i < 50 && after.updated - before.updated < delivered * 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await versions(admin, schema);
    }
    return {
      delivered: String(delivered),
      'claim p50 ms': median(claims).toFixed(2),
      'claim µs/delivery': ((claimTotal / delivered) * 1000).toFixed(0),
      'results p50 ms': median(results).toFixed(2),
      'results µs/delivery': ((resultTotal / delivered) * 1000).toFixed(0),
      'row versions': String(after.updated - before.updated),
      'of them HOT': String(after.hot - before.hot),
    };
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await admin.end();
  }
}

/** Updates of the deliveries' partitions, and how many were HOT, as the server has counted them. */
async function versions(admin: pg.Client, schema: string): Promise<{ updated: number; hot: number }> {
  const { rows } = await admin.query<{ updated: string; hot: string }>(
    `SELECT coalesce(sum(n_tup_upd), 0) AS updated, coalesce(sum(n_tup_hot_upd), 0) AS hot
     FROM pg_stat_user_tables WHERE schemaname = $1 AND relname LIKE 'deliveries%'`,
    [schema],
  );
  return { updated: Number(rows[0].updated), hot: Number(rows[0].hot) };
}

const url = process.env.PAYHOOK_DATABASE_URL ?? DEFAULT_POSTGRES_URL;
const keyring = new Keyring(decodeMasterKey(Buffer.alloc(32, 7).toString('base64')));
for (let r = 0; r < 3; r++) console.log(JSON.stringify(await round(url, keyring)));

/**
 * The plans PostgreSQL keeps for the statements that name deliveries by id. A prepared statement keeps
 * its generic plan for its connection's life, and the plan is made when a day's partition is still
 * small: in that state the result write once found its rows through the partial due index (id is its
 * second column), which read the whole index on every write later and capped throughput near 400
 * deliveries/s (docs/performance.md, "PostgreSQL throughput restored"); the claim found its rows and
 * their events through the merchants' indexes (docs/performance.md, "One plan for the claim"). These
 * tests put a fresh schema in that state, ask for the generic plan, and check that only the primary
 * key finds the rows.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { CORE_MIGRATIONS, migrate } from '../src/store/postgres/migrate.js';
import { loadStatements, valuesFor } from '../src/store/postgres/statements.js';
import { type NestedPlan, scansOf, withNestedPlans } from './helpers/nested-plans.js';
import type { PostgresStore } from '../src/store/postgres/store.js';
import { admin, TEST_DATABASE_URL, TestSchemas } from './helpers/test-db.js';
import { newEndpoint, newEvent, newMerchant, resultFor } from './suites/store-contract/fixtures.js';

const schemas = new TestSchemas();
after(() => schemas.dropAll());

const STATEMENTS = loadStatements(new URL('../src/store/postgres/sql/', import.meta.url));

/** The index names in a plan, as EXPLAIN (FORMAT JSON) gives it. */
function indexesOf(plan: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'Index Name' && typeof v === 'string') out.push(v);
        else walk(v);
      }
    }
  };
  walk(plan);
  return out;
}

/** The index conditions of every scan of a table whose name matches `table` (partitions by their own names). */
function indexCondsOf(plan: unknown, table: RegExp): string[] {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const n = node as Record<string, unknown>;
      if (
        typeof n['Relation Name'] === 'string' &&
        table.test(n['Relation Name']) &&
        typeof n['Index Cond'] === 'string'
      )
        out.push(n['Index Cond']);
      Object.values(n).forEach(walk);
    }
  };
  walk(plan);
  return out;
}

/**
 * The generic plan of statement `name`, prepared as db.ts prepares it. A sequential scan is ruled out
 * here so that the question is only which index the plan takes (on a schema of a few rows, any
 * sequential scan would win).
 */
async function genericPlan(schema: string, name: string, args: Record<string, string>): Promise<unknown> {
  const statement = STATEMENTS.get(name);
  assert.ok(statement, name);
  const values = statement.params.map((p) => {
    assert.ok(p in args, `${name} takes @${p}`);
    return args[p];
  });
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    for (const setting of ['plan_cache_mode = force_generic_plan', 'enable_seqscan = off'])
      await client.query(`SET ${setting}`);
    await client.query(`PREPARE s AS ${statement.text}`);
    const { rows } = await client.query(`EXPLAIN (FORMAT JSON) EXECUTE s(${values.join(', ')})`);
    return rows[0]['QUERY PLAN'];
  } finally {
    await client.end();
  }
}

/**
 * The claim as the store runs it (the `claim` statement, prepared), `times` times on one connection, with
 * the plans PostgreSQL ran inside claim_deliveries (migration 0022), and the connection's planner
 * settings after.
 */
async function claimPlans(
  schema: string,
  times: number,
  args: { now: number; limit: number },
): Promise<{ plans: NestedPlan[]; claimed: number; after: Record<string, string> }> {
  const statement = STATEMENTS.get('claim');
  assert.ok(statement);
  const named: Record<string, unknown> = {
    now: args.now,
    limit: args.limit,
    owner: 'w1',
    until: args.now + 30_000,
    exclude: [],
    burst: 0,
    floor: 'del_0',
  };
  const { result, plans } = await withNestedPlans(schema, /WITH due AS MATERIALIZED/, async (client) => {
    let claimed = 0;
    for (let i = 0; i < times; i++) {
      const r = await client.query({ name: 'claim', text: statement.text, values: valuesFor(statement, named) });
      claimed += r.rows.filter((x) => x.id !== null).length;
    }
    const { rows } = await client.query(
      "SELECT current_setting('plan_cache_mode') AS plan_cache_mode, current_setting('enable_seqscan') AS enable_seqscan",
    );
    return { claimed, after: rows[0] };
  });
  return { plans, ...result };
}

/**
 * A new store (migrated, one merchant with one endpoint) holding `events` events created from `now` on,
 * for `fn`; closed after.
 */
async function withEvents(events: number, fn: (store: PostgresStore, now: number) => Promise<void>): Promise<void> {
  const store = schemas.store();
  try {
    await store.migrate();
    const m = await newMerchant(store);
    await newEndpoint(store, m);
    const now = Date.now();
    await store.appendEvents(Array.from({ length: events }, (_, i) => newEvent(m, 'order.success', now + i)));
    await fn(store, now);
  } finally {
    await store.close();
  }
}

describe('PostgreSQL plans', () => {
  test('the claim release finds deliveries by primary key, not through the due index', async () => {
    await withEvents(20, async (store, now) => {
      await store.claimDue({ owner: 'w1', now: now + 100, limit: 5, leaseMs: 30_000 });
      // Literals of no type: each takes the type the statement gives its parameter. A generic plan does
      // not depend on the values.
      const plan = await genericPlan(store.schema, 'claims_release', {
        owner: "'w1'",
        ids: "'{}'",
        now: String(now),
        channel: 'NULL',
      });
      const used = indexesOf(plan);
      assert.ok(
        used.some((i) => i.endsWith('_pkey')),
        `claims_release uses a primary key: ${used.join(', ')}`,
      );
      assert.deepEqual(
        used.filter((i) => i.includes('next_attempt_at')),
        [],
        'claims_release must not walk the due index',
      );
    });
  });

  test('the result write keeps one generic plan that finds its deliveries by primary key, in the days its ids span, by hash join', async () => {
    // Planned before the day has rows (a new store), as a connection's first result write may be.
    await withEvents(20, async (store, now) => {
      const statement = STATEMENTS.get('results_record');
      assert.ok(statement);
      const { result, plans } = await withNestedPlans(store.schema, /WITH input AS/, async (client) => {
        let applied = 0;
        for (let round = 0; round < 3; round++) {
          const claimed = await store.claimDue({ owner: 'w1', now: now + 100, limit: 5, leaseMs: 30_000 });
          const rs = claimed.map((d) => resultFor(d, 'w1', 'succeeded'));
          const args = {
            attempt_ids: rs.map((r) => r.attemptId),
            delivery_ids: rs.map((r) => r.deliveryId),
            owners: rs.map((r) => r.owner),
            attempt_nos: rs.map((r) => r.attemptNo),
            started_ats: rs.map((r) => r.startedAt),
            durations: rs.map((r) => r.durationMs),
            status_codes: rs.map((r) => r.statusCode),
            response_bodies: rs.map((r) => r.responseBody),
            error_classes: rs.map((r) => r.errorClass),
            error_messages: rs.map((r) => r.errorMessage),
            statuses: rs.map(() => 'succeeded'),
            next_attempt_ats: rs.map(() => null),
            now,
          };
          const r = await client.query({
            name: 'results_record',
            text: statement.text,
            values: valuesFor(statement, args),
          });
          applied += r.rows[0].applied;
        }
        return applied;
      });
      assert.equal(result, 15);
      assert.equal(plans.length, 3);
      for (const p of plans) {
        // Generic: the plan names the ids as a parameter, not this call's values.
        assert.doesNotMatch(JSON.stringify(p.plan), /del_[0-9A-Z]{20,}/, 'no delivery id in the plan');
        const scans = scansOf(p.plan).filter((x) => /^deliveries_/.test(x.table));
        // Both the log's and the update's reads of deliveries, each pruned to the day the ids are in.
        assert.equal(scans.length, 2, JSON.stringify(scans));
        const indexes = indexesOf(p.plan);
        assert.ok(
          indexes.length >= 2 && indexes.every((i) => /^deliveries_.*_pkey$/.test(i)),
          `by primary key: ${indexes}`,
        );
        assert.doesNotMatch(JSON.stringify(p.plan), /Nested Loop/, 'no loop probing the partitions once a row');
      }
    });
  });

  test('the claim, planned once for a new store before its first event, walks the due index and finds rows and events by primary key, the events in one scan', async () => {
    const store = schemas.store();
    try {
      await store.migrate();
      const now = Date.now();
      const { plans } = await claimPlans(store.schema, 1, { now, limit: 70 });
      assert.equal(plans.length, 1);
      // Generic: the plan names the function's parameters ($1 is a_now), not this call's values.
      assert.match(plans[0].text, /\$1\b/);
      assert.doesNotMatch(plans[0].text, new RegExp(String(now)));
      const scans = scansOf(plans[0].plan).filter((x) => /^(deliveries|events)_/.test(x.table));
      assert.ok(scans.length > 0);
      assert.deepEqual(
        scans.filter((x) => x.index === null || /merchant/.test(x.index)),
        [],
        'no sequential scan and no merchant index: on a full day each would read the whole partition',
      );
      for (const table of ['deliveries', 'events'])
        assert.ok(
          scans.some((x) => x.table.startsWith(`${table}_`) && x.index?.endsWith('_pkey')),
          `${table} found by primary key`,
        );
      assert.ok(
        scans.some((x) => x.index?.includes('next_attempt_at')),
        'the due index walked',
      );
      // The claimed rows' events are read together, by the array of their ids (migration 0024), not by
      // a scan for each claimed row: such a scan, over the partitions of events, pruned them again for
      // every row.
      const eventConds = indexCondsOf(plans[0].plan, /^events_/);
      assert.ok(eventConds.length > 0);
      for (const cond of eventConds)
        assert.doesNotMatch(
          cond,
          /event_id/,
          `events found once for the whole claim, not a claimed row at a time: ${cond}`,
        );
    } finally {
      await store.close();
    }
  });

  test('the claim keeps one generic plan on a connection, and leaves its settings to no other statement', async () => {
    await withEvents(8, async (store, now) => {
      await admin(`ANALYZE "${store.schema}".deliveries, "${store.schema}".events`);
      const { plans, claimed, after } = await claimPlans(store.schema, 8, { now: now + 100, limit: 1 });
      assert.equal(claimed, 8);
      assert.equal(plans.length, 8);
      // With statistics PostgreSQL would plan each call for its values (plan_cache_mode auto).
      for (const p of plans) assert.doesNotMatch(p.text, new RegExp(String(now + 100)));
      assert.deepEqual(after, { plan_cache_mode: 'auto', enable_seqscan: 'on' });
    });
  });

  test('an upgrade leaves the empty days an earlier payhook analysed unanalysed, and keeps the days with rows', async () => {
    const store = schemas.store();
    try {
      // The store as payhook left it before 0021, with its empty days analysed (as 0007 did them).
      await migrate(
        store.db.pool,
        store.schema,
        CORE_MIGRATIONS.filter((x) => x.version < 21),
      );
      const m = await newMerchant(store);
      await newEndpoint(store, m);
      await store.appendEvents([newEvent(m, 'order.success', Date.now())]);
      const s = `"${store.schema}"`;
      await admin(`ANALYZE ${s}.events, ${s}.deliveries`);
      const analysed = async () =>
        admin<{ relname: string; reltuples: number }>(
          `SELECT c.relname, c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname ~ '^(deliveries|events)_' ORDER BY 1`,
          [store.schema],
        );
      const before = await analysed();
      assert.ok(before.every((r) => r.reltuples >= 0));
      await store.migrate();
      const after = new Map((await analysed()).map((r) => [r.relname, r.reltuples]));
      for (const r of before) assert.equal(after.get(r.relname), r.reltuples > 0 ? r.reltuples : -1, r.relname);
      assert.equal(before.filter((r) => r.reltuples > 0).length, 2, 'the day with the event and its delivery');
      const rows = await admin<{ n: number }>(
        `SELECT (SELECT count(*) FROM ${s}.events)::int + (SELECT count(*) FROM ${s}.deliveries)::int AS n`,
      );
      assert.equal(rows[0].n, 2);
    } finally {
      await store.close();
    }
  });
});

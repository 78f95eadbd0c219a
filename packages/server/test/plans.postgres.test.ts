/**
 * The plans PostgreSQL keeps for the statements that name deliveries by id. A prepared statement keeps
 * its generic plan for its connection's life, and the plan is made when a day's partition is still
 * small: in that state the result write once found its rows through the partial due index (id is its
 * second column), which read the whole index on every write later and capped throughput near 400
 * deliveries/s (docs/performance.md, "PostgreSQL throughput restored"). These tests put a fresh
 * schema in that state, ask for the generic plan, and check that only the primary key finds the rows.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { loadStatements } from '../src/store/postgres/statements.js';
import { TEST_DATABASE_URL, TestSchemas } from './helpers/test-db.js';
import { newEndpoint, newEvent, newMerchant } from './suites/store-contract/fixtures.js';

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

/** The generic plan of statement `name`, prepared as db.ts prepares it, on a schema of a few rows. */
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
    await client.query('SET plan_cache_mode = force_generic_plan');
    // A few rows read faster sequentially than through any index; at the sizes that matter no scan
    // of a whole partition is chosen, so the question is only which index the plan takes.
    await client.query('SET enable_seqscan = off');
    await client.query(`PREPARE s AS ${statement.text}`);
    const { rows } = await client.query(`EXPLAIN (FORMAT JSON) EXECUTE s(${values.join(', ')})`);
    return rows[0]['QUERY PLAN'];
  } finally {
    await client.end();
  }
}

describe('PostgreSQL plans', () => {
  test('the result write and the claim release find deliveries by primary key, not through the due index', async () => {
    const store = schemas.store();
    try {
      await store.migrate();
      const m = await newMerchant(store);
      await newEndpoint(store, m);
      const now = Date.now();
      await store.appendEvents(Array.from({ length: 20 }, (_, i) => newEvent(m, 'order.success', now + i)));
      await store.claimDue({ owner: 'w1', now: now + 100, limit: 5, leaseMs: 30_000 });

      // Literals of no type: each takes the type the statement gives its parameter. A generic plan does
      // not depend on the values.
      const empty = "'{}'";
      const arrays = ['attempt_ids', 'delivery_ids', 'owners', 'attempt_nos', 'started_ats', 'durations'];
      arrays.push('status_codes', 'response_bodies', 'error_classes', 'error_messages', 'statuses', 'next_attempt_ats');
      const results = await genericPlan(store.schema, 'results_record', {
        ...Object.fromEntries(arrays.map((a) => [a, empty])),
        now: String(now),
      });
      const release = await genericPlan(store.schema, 'claims_release', {
        owner: "'w1'",
        ids: empty,
        now: String(now),
        channel: 'NULL',
      });
      for (const [name, plan] of [
        ['results_record', results],
        ['claims_release', release],
      ] as const) {
        const used = indexesOf(plan);
        assert.ok(
          used.some((i) => i.endsWith('_pkey')),
          `${name} uses a primary key: ${used.join(', ')}`,
        );
        assert.deepEqual(
          used.filter((i) => i.includes('next_attempt_at')),
          [],
          `${name} must not walk the due index`,
        );
      }
    } finally {
      await store.close();
    }
  });
});

/**
 * A circuit's moves on PostgreSQL (`endpoints_circuit_set`, sql/endpoints.sql): holding, releasing or
 * disabling an endpoint moves its whole backlog in one statement, and that statement must lock the rows
 * it moves in one pass. Written with a sub-select that referred to the statement's input, PostgreSQL ran
 * the sub-select again for each of the endpoint's rows (a SubPlan), a time growing with the square of the
 * backlog: minutes for 72,000 waiting deliveries, the results' transaction and the endpoint's row held
 * all along. Checked here on the plan itself (no timing), and on what the moves do to a backlog.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointId } from '../../ids.js';
import { valuesFor } from './statements.js';
import type { PostgresStore } from './store.js';
import { newEndpoint, newEvent, newMerchant } from '../../../test/suites/store-contract/fixtures.js';
import { TestSchemas } from '../../../test/helpers/test-db.js';

const BACKLOG = 1_500;
const schemas = new TestSchemas();
let store: PostgresStore;
let endpointId: EndpointId;
let other: EndpointId;

before(async () => {
  store = schemas.store({ poolSize: 2 });
  await store.migrate();
  const m = await newMerchant(store);
  endpointId = (await newEndpoint(store, m)).id;
  other = (await newEndpoint(store, m)).id;
  const t0 = Date.now() - 60_000;
  // Both endpoints take every event: their deliveries lie interleaved, as on a live system.
  for (let i = 0; i < BACKLOG; i += 500)
    await store.appendEvents(Array.from({ length: 500 }, (_, k) => newEvent(m, 'order.success', t0 + i + k)));
});
after(async () => {
  await store.close();
  await schemas.dropAll();
});

/** The statement's arguments for one endpoint's move. */
function move(kind: 'hold' | 'release' | 'disable', now: number, probeAt: number | null): Record<string, unknown> {
  return {
    ids: [endpointId],
    states: [kind === 'hold' ? 'open' : 'closed'],
    failures: [kind === 'hold' ? 5 : 0],
    opens: [1],
    next_probe_ats: [probeAt],
    failing_sinces: [kind === 'release' ? null : now - 1_000],
    holds: [kind === 'hold'],
    releases: [kind === 'release'],
    disables: [kind === 'disable'],
    now,
  };
}

/** Every node of an EXPLAIN (FORMAT JSON) plan. */
function nodes(plan: Record<string, unknown>): Record<string, unknown>[] {
  const children = (plan.Plans as Record<string, unknown>[] | undefined) ?? [];
  return [plan, ...children.flatMap(nodes)];
}

test('the move locks the endpoint’s rows in one pass: no sub-select run again per row', async () => {
  const s = store.db.statement('endpoints_circuit_set');
  const now = Date.now();
  const client = await store.db.pool.connect();
  try {
    await client.query('BEGIN');
    const explained = await client.query(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${s.text}`,
      valuesFor(s, move('hold', now, now + 30_000)),
    );
    await client.query('ROLLBACK');
    const plan = (explained.rows[0]['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0].Plan;
    const perRow = nodes(plan).filter((n) => n['Parent Relationship'] === 'SubPlan');
    assert.deepEqual(
      perRow.map((n) => `${n['Node Type']} ${n['Subplan Name']} (loops ${n['Actual Loops']})`),
      [],
      'a sub-select of the move runs as a SubPlan',
    );
  } finally {
    client.release();
  }
});

test('a hold moves the whole backlog to the probe, a release makes it due, a disable parks it; the other endpoint is untouched', async () => {
  const s = store.db.statement('endpoints_circuit_set');
  const exec = async (args: Record<string, unknown>) =>
    (await store.db.pool.query<{ released: number }>(s.text, valuesFor(s, args))).rows[0];
  const count = async (where: string, id: EndpointId = endpointId) =>
    (
      await store.db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM deliveries WHERE endpoint_id = $1 AND status = 'pending' AND ${where}`,
        [id],
      )
    ).rows[0].n;
  const now = Date.now();
  const probe = now + 30_000;
  await exec(move('hold', now, probe));
  assert.equal(await count(`next_attempt_at = ${probe}`), BACKLOG, 'held at the probe');
  assert.equal(await count(`next_attempt_at < ${now}`, other), BACKLOG, 'the other endpoint’s still due');

  const released = await exec(move('release', now + 1, null));
  assert.equal(released.released, BACKLOG);
  assert.equal(await count(`next_attempt_at = ${now + 1}`), BACKLOG, 'due at once');

  await exec(move('disable', now + 2, null));
  assert.equal(await count('next_attempt_at IS NULL'), BACKLOG, 'parked');
  assert.equal(await count(`next_attempt_at < ${now}`, other), BACKLOG);
});

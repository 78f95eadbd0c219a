/**
 * What turning a batch's array parameters into PostgreSQL array literals costs the event loop
 * (docs/performance.md, "Array parameters written by JSON.stringify"): node-postgres's own conversion
 * against payhook's (`store/postgres/arrays.ts`, applied by `valuesFor`), for an append of 1,000 payment
 * events (the bench's payment data in payhook's envelope) and for a batch of 100 attempt results. No
 * database: only the conversion, which runs on the thread that serves the API. Each round converts the
 * same batches both ways, alternately.
 *
 *   node --conditions=development --import tsx bench/micro/array-params.ts [--rounds 5]
 */
import { createRequire } from 'node:module';
import { buildEnvelope } from '../../packages/server/src/store/envelope.js';
import { loadStatements, valuesFor } from '../../packages/server/src/store/postgres/statements.js';
import { makeEvent, makeRunId } from '../lib/workload.js';

const require = createRequire(import.meta.url);
const { prepareValue } = require('pg/lib/utils.js') as { prepareValue: (v: unknown) => unknown };

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg('--rounds', 5);
const statements = loadStatements(new URL('../../packages/server/src/store/postgres/sql/', import.meta.url));

function appendArgs(n: number): Record<string, unknown> {
  const runId = makeRunId();
  const events = Array.from({ length: n }, (_, i) => {
    const e = makeEvent(runId, i, 1);
    return { id: e.id, type: e.type, body: buildEnvelope(e.id, e.type, Date.now(), JSON.stringify(e.data), false) };
  });
  return {
    lock_space: 1,
    lock_keys: [7],
    ids: events.map((e) => e.id),
    merchant_ids: events.map(() => 'mer_01JDBENCH00000000000000000'),
    types: events.map((e) => e.type),
    bodies: events.map((e) => e.body),
    idempotency_keys: events.map(() => null),
    created_ats: events.map(() => Date.now()),
    traceparents: events.map(() => null),
    delivery_prefixes: events.map(() => 'del_01JDBENCH00'),
    ordering_keys: events.map(() => null),
    about_endpoints: events.map(() => null),
    channel: 'payhook_due',
    offer_owner: null,
    offer_until: null,
    offer_room: null,
    offer_endpoints: [],
    offer_endpoint_rooms: [],
    offer_other_room: null,
  };
}

function resultArgs(n: number): Record<string, unknown> {
  const ids = (p: string) => Array.from({ length: n }, (_, i) => `${p}_01JDBENCH${String(i).padStart(17, '0')}`);
  return {
    attempt_ids: ids('att'),
    delivery_ids: ids('del'),
    owners: Array(n).fill('vm:15614:79e87d5b'),
    attempt_nos: Array(n).fill(1),
    started_ats: Array(n).fill(Date.now()),
    durations: Array(n).fill(31),
    status_codes: Array(n).fill(200),
    response_bodies: Array(n).fill(null),
    error_classes: Array(n).fill(null),
    error_messages: Array(n).fill(null),
    statuses: Array(n).fill('succeeded'),
    next_attempt_ats: Array(n).fill(null),
    now: Date.now(),
  };
}

/** µs a call, each way ending in what node-postgres writes to the socket (its `prepareValue`, then bytes). */
function time(statement: string, args: Record<string, unknown>, calls: number): { pg: number; payhook: number } {
  const s = statements.get(statement)!;
  const run = (values: () => unknown[]) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) {
      for (const v of values()) {
        const sent = prepareValue(v);
        if (typeof sent === 'string') Buffer.byteLength(sent);
      }
    }
    return Number(process.hrtime.bigint() - t0) / 1000 / calls;
  };
  const pg = run(() => s.params.map((p) => args[p]));
  const payhook = run(() => valuesFor(s, args));
  return { pg, payhook };
}

const append = appendArgs(1_000);
const results = resultArgs(100);
console.log(
  `envelope body: ${(append.bodies as string[])[0].length} bytes; µs a call, node-postgres's conversion → payhook's`,
);
for (let r = 1; r <= rounds; r++) {
  const a = time('events_append', append, 20);
  const b = time('results_record', results, 2_000);
  console.log(
    `round ${r}: append of 1,000 events ${a.pg.toFixed(0)} → ${a.payhook.toFixed(0)} µs; ` +
      `100 results ${b.pg.toFixed(1)} → ${b.payhook.toFixed(1)} µs`,
  );
}

// The bench receiver is the referee of every benchmark: it must count each webhook id once and refuse
// a delivery whose signature does not verify, or a system could win by dropping or forging work. And
// the scenarios that only payhook runs (isolation with dripping endpoints, payments, scale-out, the
// backlog at two sizes) must run end to end: here in tiny sizes, their rows complete. No timing is
// asserted: figures depend on the machine.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { Receiver } from './receiver/receiver.js';
import { WebhookSender, type DeliveryError } from './lib/webhook.js';
import { makeEvent, makeSecret } from './lib/workload.js';
import { ChildRpc } from './lib/rpc.js';
import { makeSettings, type Settings } from './lib/settings.js';
import { stopSpareHost } from './lib/session.js';
import { loadSystems } from './lib/systems.js';
import type { ScenarioOutcome } from './lib/report.js';
import { SCENARIOS } from './scenarios/index.js';
import { isolationLayout } from './scenarios/isolation.js';
import type { ScenarioName } from './systems/types.js';

const receiver = new Receiver(1); // check every signature
after(() => receiver.close());

test('the receiver counts distinct webhook ids and rejects bad signatures', async () => {
  const secret = makeSecret();
  const [url] = await receiver.configure([{ secret }]);
  const good = new WebhookSender([{ index: 0, url, secret, hangs: false, drips: false }], {
    connections: 2,
    timeoutMs: 5000,
  });
  const forged = new WebhookSender([{ index: 0, url, secret: makeSecret(), hangs: false, drips: false }], {
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

test('a dripping endpoint answers 200 at once and then a byte a second; a total deadline ends the attempt', async () => {
  const secret = makeSecret();
  const [url] = await receiver.configure([{ drip: true, secret }]);
  const sender = new WebhookSender([{ index: 0, url, secret, hangs: false, drips: true }], {
    connections: 1,
    timeoutMs: 300,
  });
  try {
    // The status line comes at once, so it stands (as payhook and svix count it); the deadline ends the
    // body, which never would.
    const result = await sender.deliver(makeEvent('drip', 1, 1));
    assert.equal(result.statusCode, 200);
    const stats = receiver.stats();
    assert.equal(stats.dripped, 1);
    assert.equal(stats.unique, 0, 'a dripping answer never counts as delivered');
  } finally {
    await sender.close();
  }
});

test('the receiver joins a bench_key in a body with its arrival (the payment scenario)', async () => {
  const secret = makeSecret();
  const [url] = await receiver.configure([{ secret }]);
  const sender = new WebhookSender([{ index: 0, url, secret, hangs: false, drips: false }], {
    connections: 1,
    timeoutMs: 5000,
  });
  try {
    const event = makeEvent('key', 1, 1);
    event.data.optional1 = 'bench_key=42'; // as payhook copies an order's optional1 into its events
    await sender.deliver(event);
    assert.deepEqual(
      receiver.keyedArrivals().map(([k]) => k),
      [42],
    );
  } finally {
    await sender.close();
  }
});

test('isolation layouts spread the hanging and dripping endpoints and keep the rest healthy', () => {
  const layout = isolationLayout(50, 10, 10);
  assert.equal(layout.filter((k) => k === 'hang').length, 10);
  assert.equal(layout.filter((k) => k === 'drip').length, 10);
  assert.equal(layout.filter((k) => k === 'healthy').length, 30);
  assert.deepEqual(isolationLayout(5, 0, 0), Array(5).fill('healthy'));
});

describeScenarios();

/** The new scenarios end to end on payhook, in tiny sizes: every row complete, the figures present. */
function describeScenarios(): void {
  const RECEIVER_ENTRY = new URL('./receiver/main.ts', import.meta.url).pathname;
  let process: ChildRpc | null = null;
  const tiny: Settings = {
    ...makeSettings(true, {}),
    isolation: { events: 200, endpoints: 6, hanging: 1, dripping: 1, timeoutMs: 1000 }, // payhook's shortest timeout
    backlog: { events: 300, reference: 100, endpoints: 1, ingestRate: 20, idleMs: 300, warmupMs: 100 },
    payment: { workers: 2, saturateMs: 500, rate: 20, durationMs: 1000, warmupMs: 200 },
    scaleOut: { dispatchers: [1, 2], events: 200, endpoints: 2 },
  };
  after(async () => {
    await stopSpareHost();
    await process?.stop(5000);
  });
  const run = async (scenario: ScenarioName, ids: string[]): Promise<ScenarioOutcome> => {
    process ??= await ChildRpc.start(RECEIVER_ENTRY, 'receiver');
    const systems = (await loadSystems(() => {})).filter((l) => ids.includes(l.system.id));
    assert.equal(systems.length, ids.length, `systems ${ids.join(', ')} load`);
    return SCENARIOS[scenario]({ settings: tiny, receiver: process, systems, log: () => {} });
  };
  const complete = (outcome: ScenarioOutcome, keys: string[]) => {
    for (const row of outcome.rows) {
      assert.equal(row.valid, true, `${row.system} ${row.variant}: ${row.problems.join('; ')}`);
      for (const key of keys) assert.equal(typeof row.values[key], 'number', `${row.system} ${row.variant}: ${key}`);
    }
  };

  test('isolation runs a variant with hanging and dripping endpoints', { timeout: 120_000 }, async () => {
    const outcome = await run('isolation', ['payhook-sqlite']);
    assert.deepEqual(
      outcome.rows.map((r) => r.variant),
      ['hanging', 'hanging + dripping'],
    );
    complete(outcome, ['share_pct']);
    assert.ok((outcome.rows[1].values.dripped_requests ?? 0) > 0, 'the dripping endpoints were tried');
  });

  test('payment: orders paid on both backends, pay → order.success measured', { timeout: 120_000 }, async () => {
    const outcome = await run('payment', ['payhook-sqlite', 'payhook-postgres']);
    assert.equal(outcome.rows.length, 2);
    complete(outcome, ['payments_per_s', 'p50_ms', 'p99_ms']);
  });

  test('scale-out: 1 and 2 dispatcher processes on one PostgreSQL, claims counted', { timeout: 120_000 }, async () => {
    const outcome = await run('scale-out', ['payhook-postgres']);
    assert.deepEqual(
      outcome.rows.map((r) => r.variant),
      ['1 dispatcher', '2 dispatchers'],
    );
    complete(outcome, ['deliveries_per_s', 'vs_one', 'claims']);
    for (const row of outcome.rows) assert.ok((row.values.claims ?? 0) > 0);
  });

  test('backlog: drained at the reference size and at the large one, compared', { timeout: 120_000 }, async () => {
    const outcome = await run('backlog', ['payhook-sqlite']);
    assert.deepEqual(
      outcome.rows.map((r) => r.variant),
      ['100 queued', '300 queued'],
    );
    complete(outcome, ['drain_per_s']);
    assert.equal(typeof outcome.rows[1].values.drain_vs_reference, 'number');
  });
}

/**
 * Contract cases: the per-endpoint delivery controls in the claim and in recording results (a rate
 * limit's slots, the circuit breaker's open, probe and close), the same on both backends.
 */
import assert from 'node:assert/strict';
import type { EndpointId } from '../../../src/ids.js';
import type { CircuitPolicy, Store } from '../../../src/store/types.js';
import type { Case } from './fixtures.js';
import { newEndpoint, newEvent, newMerchant, nextDue, resultFor } from './fixtures.js';

const policy = { failures: 2, cooldownMs: 1000, cooldownMaxMs: 4000, disableAfterMs: 86_400_000 };

/** Claims and fails the endpoint's oldest due deliveries, one at a time, until its circuit opens. */
async function failUntilOpen(store: Store, endpointId: EndpointId, p: CircuitPolicy): Promise<void> {
  for (let i = 0; i < p.failures; i++) {
    const [c] = await store.claimDue({ now: Date.now(), limit: 1, leaseMs: 60_000, owner: 'w' });
    assert.equal(c.endpointId, endpointId);
    await store.recordResults(
      [resultFor(c, 'w', 'retry', { nextAttemptAt: Date.now(), endpointId, circuit: 'failure' })],
      p,
    );
  }
}

export function controlCases(test: Case): void {
  test('claimDue: a rate limit grants its slots and burst; the rest wait at their slot, attempts unchanged', async (store) => {
    const a = await newMerchant(store);
    const t0 = Date.now();
    const limited = await newEndpoint(store, a, { rateLimit: 2 });
    const free = await newEndpoint(store, a);
    await store.appendEvents(Array.from({ length: 6 }, (_, i) => newEvent(a, 'x.y', t0 + i)));
    let held = 0;
    const claim = (now: number) =>
      store.claimDue({
        now,
        limit: 100,
        leaseMs: 60_000,
        owner: 'w',
        rateBurst: 2, // a tolerance of one slot (store/claimed.ts)
        onRateLimited: (n) => {
          held += n;
        },
      });
    const now = t0 + 10;
    const first = await claim(now);
    assert.equal(first.filter((d) => d.endpointId === free.id).length, 6, 'an endpoint without a limit is not held');
    assert.equal(first.filter((d) => d.endpointId === limited.id).length, 2, 'one slot and the tolerance of one');
    assert.equal(held, 4);
    assert.deepEqual(await claim(now), [], 'no slot left now');
    const waiting = (await store.listDeliveries({ merchantId: a, endpointId: limited.id, limit: 10 })).items.filter(
      (d) => d.nextAttemptAt !== null,
    );
    assert.equal(waiting.length, 4);
    assert.ok(waiting.every((d) => d.attempts === 0 && d.status === 'pending'));
    assert.deepEqual(
      waiting.map((d) => d.nextAttemptAt! - now).sort((x, y) => x - y),
      [500, 1000, 1500, 2000],
    );
    assert.equal((await claim(now + 500)).length, 1, 'half a second later: one slot at 2 a second');
    assert.equal((await claim(now + 2000)).length, 2, 'idle long enough for the burst again: a slot and the burst');
    assert.equal((await claim(now + 2000)).length, 0);
    assert.equal((await claim(now + 2500)).length, 1, 'the last one at its new slot');
    assert.equal(held, 5);
  });

  test('recordResults: failures open the circuit; one probe after the cool-down; a success closes it', async (store) => {
    const a = await newMerchant(store);
    const ep = await newEndpoint(store, a);
    const t0 = Date.now() - 10;
    await store.appendEvents(Array.from({ length: 4 }, (_, i) => newEvent(a, 'x.y', t0 + i)));
    const claim = (now: number, limit = 1) => store.claimDue({ now, limit, leaseMs: 60_000, owner: 'w' });
    const fail = async (now: number) => {
      const [c] = await claim(now);
      return store.recordResults(
        [resultFor(c, 'w', 'retry', { nextAttemptAt: now, endpointId: ep.id, circuit: 'failure', startedAt: now })],
        policy,
      );
    };
    assert.deepEqual(await fail(Date.now()), [], 'one failure: still closed');
    const opened = await fail(Date.now());
    assert.deepEqual(
      opened.map((t) => [t.kind, t.endpointId, t.merchantId]),
      [['circuit_opened', ep.id, a]],
    );
    const open = (await store.getEndpoint(a, ep.id))!.circuit;
    assert.equal(open.state, 'open');
    assert.ok(open.failingSince !== null && open.nextProbeAt !== null);
    assert.deepEqual(await claim(Date.now(), 10), [], 'open: nothing is claimed');
    const waiting = (await store.listDeliveries({ merchantId: a, endpointId: ep.id, limit: 10 })).items;
    assert.ok(
      waiting.every((d) => d.nextAttemptAt === null || d.nextAttemptAt >= open.nextProbeAt!),
      'held to the probe',
    );
    const probeAt = open.nextProbeAt! + 1;
    const probe = await claim(probeAt, 10);
    assert.equal(probe.length, 1, 'one probe');
    assert.equal((await store.getEndpoint(a, ep.id))!.circuit.state, 'half_open');
    assert.deepEqual(await claim(probeAt, 10), [], 'while the probe is out, nothing else');
    assert.ok(probe[0].circuitDirty, 'the probe must report its success');
    const closed = await store.recordResults(
      [resultFor(probe[0], 'w', 'succeeded', { endpointId: ep.id, circuit: 'success' })],
      policy,
    );
    assert.deepEqual(
      closed.map((t) => t.kind),
      ['circuit_closed'],
    );
    assert.deepEqual((await store.getEndpoint(a, ep.id))!.circuit, {
      state: 'closed',
      failingSince: null,
      nextProbeAt: null,
    });
    const rest = await claim(Date.now() + 1, 10);
    assert.equal(rest.length, 3, 'what waited is due again; attempts kept');
    assert.ok(rest.every((d) => !d.circuitDirty));
  });

  test('appendEvents: while the circuit is open its new deliveries wait for the probe; its close makes them due', async (store) => {
    const a = await newMerchant(store);
    const ep = await newEndpoint(store, a);
    const t0 = Date.now() - 10;
    await store.appendEvents(Array.from({ length: policy.failures }, (_, i) => newEvent(a, 'x.y', t0 + i)));
    await failUntilOpen(store, ep.id, policy);
    const probeAt = (await store.getEndpoint(a, ep.id))!.circuit.nextProbeAt!;
    const during = Array.from({ length: 3 }, (_, i) => newEvent(a, 'x.y', Date.now() + i));
    await store.appendEvents(during);
    const times = new Map(
      (await store.listDeliveries({ merchantId: a, endpointId: ep.id, limit: 10 })).items.map((d) => [
        d.eventId,
        d.nextAttemptAt,
      ]),
    );
    assert.deepEqual(
      during.map((e) => times.get(e.id)),
      [probeAt, probeAt, probeAt],
      'at the probe, as the hold put those already waiting',
    );
    const probe = await store.claimDue({ now: probeAt, limit: 10, leaseMs: 60_000, owner: 'w' });
    assert.equal(probe.length, 1, 'one probe');
    await store.recordResults(
      [resultFor(probe[0], 'w', 'succeeded', { endpointId: ep.id, circuit: 'success' })],
      policy,
    );
    const due = await store.claimDue({ now: Date.now() + 1, limit: 10, leaseMs: 60_000, owner: 'w' });
    assert.equal(due.length, policy.failures + during.length - 1, 'all the rest due once it closed');
  });

  test('appendEvents: a new delivery waits for the later of a pace\u2019s horizon and the probe; a circuit that closes ends both waits', async (store) => {
    const a = await newMerchant(store);
    const ep = await newEndpoint(store, a);
    const t0 = Date.now() - 10;
    await store.appendEvents(Array.from({ length: policy.failures }, (_, i) => newEvent(a, 'x.y', t0 + i)));
    // Paced one a minute, a step of one: all of them at the horizon, which the endpoint's new ones share.
    const horizon = t0 + 5 + 60_000;
    assert.equal(
      await store.deferEndpoint(ep.id, { now: t0 + 5, stepMs: 60_000, perStep: 1, steps: 1 }),
      policy.failures,
    );
    for (let i = 0; i < policy.failures; i++) {
      const [c] = await store.claimDue({ now: horizon, limit: 1, leaseMs: 60_000, owner: 'w' });
      await store.recordResults(
        [resultFor(c, 'w', 'retry', { nextAttemptAt: Date.now(), endpointId: ep.id, circuit: 'failure' })],
        policy,
      );
    }
    const probeAt = (await store.getEndpoint(a, ep.id))!.circuit.nextProbeAt!;
    assert.ok(probeAt < horizon);
    const during = newEvent(a, 'x.y', Date.now());
    await store.appendEvents([during]);
    const timeOf = async (eventId: string) =>
      (await store.listDeliveries({ merchantId: a, endpointId: ep.id, limit: 20 })).items.find(
        (d) => d.eventId === eventId,
      )?.nextAttemptAt;
    assert.equal(await timeOf(during.id), horizon, 'the pace\u2019s horizon, later than the probe');

    const [probe] = await store.claimDue({ now: probeAt, limit: 1, leaseMs: 60_000, owner: 'w' });
    await store.recordResults([resultFor(probe, 'w', 'succeeded', { endpointId: ep.id, circuit: 'success' })], policy);
    const after = newEvent(a, 'x.y', Date.now());
    await store.appendEvents([after]);
    assert.equal(await timeOf(after.id), after.createdAt, 'due at once: the close ended the pace\u2019s wait');
    const due = await store.claimDue({ now: Date.now() + 1, limit: 10, leaseMs: 60_000, owner: 'w' });
    assert.equal(due.length, policy.failures - 1 + 2, 'the rest, the one that waited and the new one');
  });

  test('undeferEndpoint: nothing moves while the endpoint\u2019s circuit is open, nor what its disabling parked', async (store) => {
    const a = await newMerchant(store);
    const ep = await newEndpoint(store, a);
    const t0 = Date.now() - 10;
    await store.appendEvents(Array.from({ length: 4 }, (_, i) => newEvent(a, 'x.y', t0 + i)));
    await failUntilOpen(store, ep.id, policy);
    const probeAt = (await store.getEndpoint(a, ep.id))!.circuit.nextProbeAt!;
    const waiting = async () =>
      (await store.listDeliveries({ merchantId: a, endpointId: ep.id, limit: 10 })).items.map((d) => d.nextAttemptAt);
    const held = await waiting();
    assert.ok(
      held.every((at) => at !== null && at >= probeAt),
      'held to the probe',
    );
    const now = Date.now();
    const until = probeAt + 60_000;
    assert.equal(await store.undeferEndpoint(ep.id, { now, until }), 0, 'open: the hold stands');
    assert.deepEqual(await waiting(), held);
    await store.updateEndpoint(a, ep.id, { disabled: true }, now);
    assert.equal(await store.undeferEndpoint(ep.id, { now, until }), 0, 'disabled');
    assert.ok(
      (await waiting()).every((at) => at === null),
      'parked deliveries stay parked',
    );
  });

  test('recordResults: a circuit that closes wakes the claimers, even with nothing of its endpoint to move', async (store) => {
    const a = await newMerchant(store);
    const ep = await newEndpoint(store, a);
    const quick = { ...policy, cooldownMs: 1, cooldownMaxMs: 1 };
    const t0 = Date.now() - 10;
    await store.appendEvents(Array.from({ length: quick.failures + 1 }, (_, i) => newEvent(a, 'x.y', t0 + i)));
    await failUntilOpen(store, ep.id, quick);
    // Held to a probe a millisecond out, then past it: everything of the endpoint is due, so when the
    // probe succeeds its close moves nothing. It must still wake the claimers: that due work is claimable
    // now, and a claimer that found it held back sleeps until woken.
    const probeAt = (await store.getEndpoint(a, ep.id))!.circuit.nextProbeAt!;
    while (Date.now() <= probeAt) await new Promise((r) => setImmediate(r));
    const probes = await store.claimDue({ now: Date.now(), limit: 10, leaseMs: 60_000, owner: 'w' });
    assert.equal(probes.length, 1, 'the probe alone');
    const woken = nextDue(store);
    const [t] = await store.recordResults(
      [resultFor(probes[0], 'w', 'succeeded', { endpointId: ep.id, circuit: 'success' })],
      quick,
    );
    assert.equal(t.kind, 'circuit_closed');
    await woken.fired;
    assert.equal(
      (await store.claimDue({ now: Date.now(), limit: 10, leaseMs: 60_000, owner: 'w' })).length,
      quick.failures,
    );
  });

  test('recordResults: failing with no success for disableAfterMs disables the endpoint; its deliveries wait', async (store) => {
    const a = await newMerchant(store);
    const ep = await newEndpoint(store, a);
    const t0 = Date.now() - 10;
    await store.appendEvents(Array.from({ length: 3 }, (_, i) => newEvent(a, 'x.y', t0 + i)));
    const [c] = await store.claimDue({ now: Date.now(), limit: 1, leaseMs: 60_000, owner: 'w' });
    const failingFor = { ...policy, failures: 100, disableAfterMs: 0 };
    const transitions = await store.recordResults(
      [resultFor(c, 'w', 'retry', { endpointId: ep.id, circuit: 'failure', startedAt: t0, nextAttemptAt: Date.now() })],
      failingFor,
    );
    assert.deepEqual(
      transitions.map((t) => [t.kind, t.reason, t.endpointId, t.failingSince]),
      [['disabled', 'failing', ep.id, t0]],
    );
    const after = (await store.getEndpoint(a, ep.id))!;
    assert.deepEqual([after.disabled, after.disabledReason], [true, 'failing']);
    const ds = (await store.listDeliveries({ merchantId: a, endpointId: ep.id, limit: 10 })).items;
    assert.equal(ds.filter((d) => d.id !== c.id && d.status === 'pending' && d.nextAttemptAt === null).length, 2);
    assert.deepEqual(await store.claimDue({ now: Date.now() + 60_000, limit: 10, leaseMs: 1000, owner: 'w' }), []);
    const enabled = (await store.updateEndpoint(a, ep.id, { disabled: false }, Date.now()))!;
    assert.deepEqual(
      enabled.circuit,
      { state: 'closed', failingSince: null, nextProbeAt: null },
      'enabling starts afresh',
    );
    assert.equal((await store.claimDue({ now: Date.now() + 60_000, limit: 10, leaseMs: 1000, owner: 'w' })).length, 3);
  });
}

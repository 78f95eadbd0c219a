/**
 * Deliveries claimed as their events are appended (Dispatcher.directClaim, Store.appendEvents'
 * DirectClaim), with a real receiver, on each backend: an idle dispatcher takes new deliveries in the
 * append's own transaction; a busy one leaves them to its claim loop, so new events pass no older work;
 * each endpoint's allowance and the dispatcher's room bound what it takes, asked per delivery (`take`,
 * SQLite) or at once (`budget`, PostgreSQL's one statement).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createEndpoint } from '../../src/endpoints/service.js';
import type { EndpointId } from '../../src/ids.js';
import type { Store } from '../../src/store/types.js';
import { parsePrometheus, sampleOf } from '../helpers/prometheus.js';
import { eventually, Receiver } from '../helpers/receiver.js';
import { startEngine, type Engine } from '../helpers/engine.js';

export function runClaimsAtAppendSuite(
  newStore: () => Promise<Store | undefined>,
  cleanup: () => Promise<void> = async () => {},
): void {
  let engine: Engine;
  let rx: Receiver;

  before(async () => {
    engine = await startEngine({ maxInFlight: 4, maxInFlightPerEndpoint: 2 }, await newStore());
    rx = await new Receiver().start();
  });
  after(async () => {
    await engine.close();
    await rx.close();
    await cleanup();
  });

  async function counters() {
    const m = parsePrometheus(await engine.metrics.render());
    return {
      claimed: sampleOf(m, 'payhook_dispatcher_claimed_deliveries_total'),
      atAppend: sampleOf(m, 'payhook_dispatcher_claimed_at_append_total'),
    };
  }

  const send = (i: number) =>
    engine.ingestor.send({ merchantId: engine.merchantId, type: 'order.success', data: { i } });

  async function idle() {
    await eventually(() => engine.dispatcher.directClaim() !== null, 5_000, 'the claim loop to sleep');
  }

  /** Waits until the dispatcher holds no claims (in flight or queued), as its gauge says. */
  async function noClaimsHeld(ms: number) {
    await eventually(
      async () => sampleOf(parsePrometheus(await engine.metrics.render()), 'payhook_dispatcher_claimed') === 0,
      ms,
      'the dispatcher to hold no claims',
    );
  }

  test('an idle dispatcher claims new deliveries in the append: each sent once, no claim of their own', async () => {
    const { endpoint } = await createEndpoint(engine.store, engine.merchantId, { url: `${rx.url}/idle` });
    const before = await counters();
    for (let i = 0; i < 10; i++) {
      await idle();
      await send(i);
      await rx.waitFor(() => rx.received.filter((r) => r.path === '/idle').length === i + 1, 5_000, `webhook ${i}`);
    }
    const after = await counters();
    assert.equal(after.atAppend - before.atAppend, 10, 'all ten were claimed as they were appended');
    assert.equal(after.claimed - before.claimed, 10, 'and none by a claim of the loop');
    const page = await eventually(
      async () => {
        const p = await engine.store.listDeliveries({
          merchantId: engine.merchantId,
          endpointId: endpoint.id,
          limit: 20,
        });
        return p.items.every((d) => d.status !== 'pending') ? p : null;
      },
      5_000,
      'the results to be recorded',
    );
    assert.equal(page.items.length, 10);
    assert.deepEqual(
      page.items.map((d) => [d.status, d.attempts]),
      Array.from({ length: 10 }, () => ['succeeded', 1]),
    );
    await engine.store.deleteEndpoint(engine.merchantId, endpoint.id, Date.now());
  });

  test("an endpoint heard from but holding nothing is offered its own allowance, not a new endpoint's", async () => {
    const { endpoint } = await createEndpoint(engine.store, engine.merchantId, { url: `${rx.url}/known` });
    const known = () => rx.received.filter((r) => r.path === '/known').length;
    await idle();
    await send(400);
    await rx.waitFor(() => known() === 1, 5_000, 'the first webhook');
    // Its answer came quickly: the endpoint may hold a claim batch now, and it holds nothing.
    await noClaimsHeld(5_000);
    await idle();
    const budget = engine.dispatcher.directClaim()?.budget();
    assert.ok(budget);
    const own = budget.endpointRooms.get(endpoint.id as EndpointId) ?? budget.otherRoom;
    assert.ok(own > budget.otherRoom, `its room (${own}) is more than a new endpoint's (${budget.otherRoom})`);
    // Five events in one append (one event-loop turn): all five go in the append's own transaction.
    const before = await counters();
    await Promise.all(Array.from({ length: 5 }, (_, i) => send(401 + i)));
    await rx.waitFor(() => known() === 6, 5_000, 'five more webhooks');
    const after = await counters();
    assert.equal(after.atAppend - before.atAppend, 5, 'all five were claimed as they were appended');
    assert.equal(after.claimed - before.claimed, 5, 'and none by a claim of the loop');
    await engine.store.deleteEndpoint(engine.merchantId, endpoint.id, Date.now());
  });

  test('a busy dispatcher makes no offer: new events wait behind the work already due', async () => {
    rx.on('/busy', { kind: 'hang' });
    const { endpoint } = await createEndpoint(engine.store, engine.merchantId, { url: `${rx.url}/busy` });
    await idle();
    // More than the endpoint may hold (a new endpoint starts at one request): the rest stay due, and the
    // loop waits for room instead of sleeping.
    await Promise.all(Array.from({ length: 12 }, (_, i) => send(100 + i)));
    await eventually(() => rx.openNow('/busy') > 0, 5_000, 'a request to hang');
    await eventually(() => engine.dispatcher.directClaim() === null, 5_000, 'the offer to stop');
    const before = await counters();
    await send(200);
    assert.equal((await counters()).atAppend, before.atAppend, 'the new event was left to the claim loop');
    // Letting the endpoint answer drains the rest in order; the dispatcher offers again once idle.
    rx.on('/busy', { kind: 'ok' });
    rx.cutHanging();
    await rx.waitFor(
      () => new Set(rx.received.filter((r) => r.path === '/busy').map((r) => r.headers['webhook-id'])).size === 13,
      10_000,
      'all thirteen webhooks',
    );
    await idle();
    await engine.store.deleteEndpoint(engine.merchantId, endpoint.id, Date.now());
  });

  test("an offer takes no more than an endpoint's allowance, nor more than the dispatcher's room", async () => {
    await idle();
    const offer = engine.dispatcher.directClaim();
    assert.ok(offer);
    let one = 0;
    while (offer.take('ep_one') && one < 1000) one++;
    assert.ok(one > 0, 'an idle dispatcher takes some');
    assert.ok(one < 1000, 'and stops at the allowance');
    assert.equal(offer.take('ep_one'), false, 'and keeps refusing that endpoint');
    // One each for a thousand endpoints: only the dispatcher's room can end that.
    let others = 0;
    for (let i = 0; i < 1000; i++) if (offer.take(`ep_${i}`)) others++;
    assert.ok(others > 0 && others < 1000, "the dispatcher's room ends the offer");
    const fresh = engine.dispatcher.directClaim();
    assert.ok(fresh?.take('ep_one'), 'an offer counts only what it took itself');
  });

  test("a budget is the same room at once: the dispatcher's, each held endpoint's, none for one in trouble", async () => {
    rx.on('/held', { kind: 'hang' });
    const { endpoint } = await createEndpoint(engine.store, engine.merchantId, { url: `${rx.url}/held` });
    // Nothing held from the tests before (a cut request's retry, a cancelled delivery's claim).
    await noClaimsHeld(10_000);
    await idle();
    const idleBudget = engine.dispatcher.directClaim()?.budget();
    assert.ok(idleBudget && idleBudget.room > 0, 'an idle dispatcher offers room');
    assert.equal(idleBudget.endpointRooms.has(endpoint.id as EndpointId), false, 'and holds nothing for the endpoint');
    assert.ok(idleBudget.otherRoom > 0, 'an endpoint not heard from gets some');
    // One delivery held (hanging): that endpoint's own room is what its allowance leaves.
    await send(300);
    await eventually(() => rx.openNow('/held') > 0, 5_000, 'the request to hang');
    const offer = engine.dispatcher.directClaim();
    assert.ok(offer, 'one request in flight leaves the dispatcher caught up');
    const budget = offer.budget();
    assert.equal(budget.room, idleBudget.room - 1, 'the held claim is out of the room');
    const held = budget.endpointRooms.get(endpoint.id as EndpointId);
    assert.equal(held, budget.otherRoom - 1, "the endpoint's room less the claim it holds");
    let taken = 0;
    while (offer.take(endpoint.id) && taken < 100) taken++;
    assert.equal(taken, held, 'take per delivery says the same');
    // A request that times out puts its endpoint in trouble: it gets no room until it answers well.
    rx.cutHanging();
    await eventually(
      () =>
        engine.dispatcher
          .directClaim()
          ?.budget()
          .endpointRooms.get(endpoint.id as EndpointId) === 0,
      10_000,
      'the endpoint in trouble to get none',
    );
    rx.on('/held', { kind: 'ok' });
    await engine.store.deleteEndpoint(engine.merchantId, endpoint.id, Date.now());
  });
}

/**
 * The bad-input suite of the api-validation*.test.ts files: `badInputSuite` starts one API (merchants A
 * and B with an endpoint, an event and its delivery, a spare API key, a replay and an erasure to name in
 * paths) and runs a file's table of cases against it, each with its expected status and error code.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRORS } from '../src/errors.js';
import { Harness, Receiver, world, ADMIN_KEY, type Tenant } from './api-harness.js';
import type { Case, Who } from './api-validation-routes.js';

export type { Case } from './api-validation-routes.js';

/** What a suite's own tests can reach once its `before` has run. */
export interface BadInputWorld {
  h: Harness;
  a: Tenant;
  b: Tenant;
}

/**
 * One `describe('bad input on every route')`: `first` adds tests that run before the cases, `last` after
 * them; every suite ends by checking that its bad input changed nothing.
 */
export function badInputSuite(
  cases: Case[],
  extra: { first?: (w: BadInputWorld) => void; last?: (w: BadInputWorld) => void } = {},
): void {
  describe('bad input on every route', () => {
    const w = {} as BadInputWorld;
    let receiver: Receiver;
    let spareKeyId: string;
    let replayId: string;
    let erasureId: string;

    before(async () => {
      receiver = await new Receiver().start();
      // Dozens of cases here send no key or a wrong one, all from 127.0.0.1: above the default limit
      // they would be held back (429 too_many_auth_failures, tested in api-limits.test.ts).
      w.h = await Harness.start({ limits: { authFailureLimit: 1000 } });
      const { h } = w;
      ({ a: w.a, b: w.b } = await world(h, receiver));
      const { a } = w;
      const spare = await h.call('POST', '/v1/api-keys', { key: a.key, body: { name: 'spare', scopes: ['read'] } });
      assert.equal(spare.status, 201, spare.text);
      spareKeyId = spare.body.id;
      const replay = await h.call('POST', `/v1/endpoints/${a.endpointId}/replay`, {
        key: a.key,
        body: { since: '2026-01-01T00:00:00Z' },
      });
      assert.equal(replay.status, 202, replay.text);
      replayId = replay.body.id;
      const erasure = await h.call('POST', '/v1/erasures', { key: a.key, body: { customer_email: 'x@example.com' } });
      assert.equal(erasure.status, 201, erasure.text);
      erasureId = erasure.body.id;
    });
    after(async () => {
      await w.h?.close();
      await receiver?.close();
    });

    extra.first?.(w);

    const keyOf = (who: Who): string | null =>
      ({ A: w.a.key, B: w.b.key, admin: ADMIN_KEY, none: null, wrong: 'sk_not_a_real_key' })[who];
    const fill = (path: string) =>
      path
        .replace('{ep}', w.a.endpointId)
        .replace('{evt}', w.a.eventId)
        .replace('{del}', w.a.deliveryId)
        .replace('{key}', spareKeyId)
        .replace('{rpl}', replayId)
        .replace('{era}', erasureId)
        .replace('{merB}', w.b.id)
        .replace('{name}', 'shop.never_registered');

    for (const c of cases) {
      test(`${c.method} ${c.path}: ${c.name} → ${c.status} ${c.code}`, async () => {
        const r = await w.h.call(c.method, fill(c.path), {
          key: keyOf(c.who),
          body: c.body,
          raw: c.raw,
          contentType: c.contentType,
        });
        assert.equal(r.status, c.status, r.text);
        assert.equal(r.body?.error?.code, c.code, r.text);
        assert.equal(ERRORS[c.code].status, c.status, 'the table and ERRORS agree');
        assert.equal(typeof r.body.error.message, 'string');
        assert.ok('details' in r.body.error, 'details is always present');
        if (c.field !== undefined) assert.equal(r.body.error.details?.field, c.field, r.text);
        assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      });
    }

    extra.last?.(w);

    test('bad input changed nothing: A still has exactly its one endpoint, with its first secret', async () => {
      const list = await w.h.call('GET', '/v1/endpoints', { key: w.a.key });
      assert.deepEqual(
        list.body.data.map((e: { id: string }) => e.id),
        [w.a.endpointId],
      );
      const secret = await w.h.call('GET', `/v1/endpoints/${w.a.endpointId}/secret`, { key: w.a.key });
      assert.deepEqual(secret.body.previous_secrets, []);
    });
  });
}

/**
 * Hostile input, drawn at random: fast-check sends requests to every route of the app's route table
 * (`payhookRoutes`), with the admin key, a merchant key, a wrong key or none; with JSON bodies of any
 * shape (deep nesting, strings up to the body limit, wrong types), malformed bodies, random query
 * strings, path ids and headers. Whatever it sends, payhook never answers 5xx, and every error is
 * `{"error": {"code", "message", "details"}}` with a code docs/errors.md lists. A fixed number of runs
 * and a fixed seed keep it bounded and repeatable; a failure prints the request that caused it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Harness, Receiver, world, type Tenant } from './api-harness.js';

const RUNS = Number(process.env.PAYHOOK_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.PAYHOOK_FUZZ_SEED ?? 20261204);

const DOCUMENTED = new Set(
  [
    ...readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8').matchAll(
      /^\|\s*`([a-z_]+)`\s*\|\s*\d{3}\s*\|/gm,
    ),
  ].map((m) => m[1]),
);

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json; charset=latin1',
  'multipart/form-data; boundary=x',
];
const printable = fc.string({
  unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~'.split('')),
  maxLength: 40,
});
const anyText = fc.string({ unit: 'binary', maxLength: 60 });

/** JSON values of random shapes, some nested far deeper than the limit, some huge strings. */
const jsonBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)) },
  {
    weight: 3,
    arbitrary: fc
      .dictionary(
        fc.constantFrom(
          'type',
          'data',
          'url',
          'event_types',
          'name',
          'scopes',
          'schema',
          'description',
          'amount',
          'currency',
          'card',
          'headers',
          'format',
          'timeout_ms',
          'disabled',
          'idempotency_key',
          '__proto__',
          'constructor',
        ),
        fc.jsonValue({ maxDepth: 4 }),
      )
      .map((v) => JSON.stringify(v)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map((n) => '['.repeat(n) + ']'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1_000, max: 300_000 })
      .map((n) => JSON.stringify({ type: 'shop.big', data: { s: 'x'.repeat(n) } })),
  },
  { weight: 1, arbitrary: anyText },
);

function pathFor(url: string, id: string): string {
  return url.replace(/:[a-z_]+/g, () => id);
}

describe('fuzzing every route', () => {
  let h: Harness;
  let receiver: Receiver;
  let a: Tenant;

  before(async () => {
    receiver = await new Receiver().start();
    // The per-address and per-key limits answer 429 quickly; raised so the routes themselves are reached.
    h = await Harness.start({
      limits: { authFailureLimit: 1_000_000, eventRatePerKey: 100_000, eventBurstPerKey: 100_000 },
    });
    ({ a } = await world(h, receiver));
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  test(`${RUNS} random requests: no 5xx, every error in the documented shape`, async () => {
    const routes = h.app.api!.payhookRoutes;
    assert.ok(routes.length > 20, 'the route table is read');
    const ids = fc.oneof(
      fc.constantFrom(
        a.endpointId,
        a.eventId,
        a.deliveryId,
        a.id,
        'ord_01JDQ3V4S0AKQ8W1N6B7R2T5YX',
        'txn_01JDQ3V4S0AKQ8W1N6B7R2T5YX',
        'key_01JDQ3V4S0AKQ8W1N6B7R2T5YX',
        'ep_00000000000000000000000000',
        'order.success',
        'shop.x',
      ),
      anyText.map((s) => encodeURIComponent(s)),
      fc.constantFrom('%', '%zz', '..', '%00', 'a%2Fb', ' '),
    );
    const query = fc
      .array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom(
              'merchant_id',
              'limit',
              'cursor',
              'type',
              'after',
              'before',
              'order',
              'status',
              'event_id',
              'endpoint_id',
            ),
            printable,
          ),
          fc.oneof(
            fc.constantFrom(a.id, 'mer_x', '-1', '0', '1e3', '101', 'desc', 'order.*', '*,a', 'evt_', '2026-13-45'),
            anyText,
          ),
        ),
        { maxLength: 4 },
      )
      .map((pairs) =>
        pairs.length ? `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : '',
      );
    const headers = fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,16}$/), printable, { maxKeys: 3 });
    const request = fc.record({
      route: fc.constantFrom(...routes),
      otherMethod: fc.option(fc.constantFrom(...METHODS), { freq: 6 }),
      key: fc.constantFrom<'admin' | 'merchant' | 'none' | 'wrong'>('admin', 'merchant', 'merchant', 'none', 'wrong'),
      id: ids,
      query,
      body: fc.option(jsonBody, { freq: 4 }),
      contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 5 }),
      headers,
    });

    const out = await fc.check(
      fc.asyncProperty(request, async (r) => {
        const method = r.otherMethod ?? r.route.method;
        const sent: Sent = { method, path: pathFor(r.route.url, r.id) + r.query, headers: { ...r.headers } };
        if (r.key === 'admin') sent.headers.authorization = 'Bearer ak_test_admin_key_for_api_tests';
        if (r.key === 'merchant') sent.headers.authorization = `Bearer ${a.key}`;
        if (r.key === 'wrong') sent.headers.authorization = 'Bearer sk_not_a_key';
        if (r.body !== null && method !== 'GET' && method !== 'OPTIONS') {
          sent.body = r.body;
          sent.headers['content-type'] = r.contentType ?? 'application/json';
        }
        const where = `${sent.method} ${sent.path.slice(0, 200)} (${r.key} key, body ${sent.body?.slice(0, 120) ?? 'none'})`;
        try {
          await check(sent, r.key, where);
        } catch (err) {
          throw new Error(`${where}: ${(err as Error).message}`);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // fc.check rather than fc.assert: node:test prints the message only, and this one names the request.
    if (out.failed)
      assert.fail(
        `after ${out.numRuns} runs (seed ${SEED}): ${(out.errorInstance as Error | undefined)?.message ?? 'failed'}`,
      );
  });

  async function check(sent: Sent, _key: string, where: string): Promise<void> {
    const res = await fetch(h.url + sent.path, { method: sent.method, headers: sent.headers, body: sent.body });
    if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      await res.body?.cancel();
      assert.equal(res.status, 200, where);
      return;
    }
    const text = await res.text();
    assert.ok(res.status < 500, `${where} answered ${res.status}: ${text.slice(0, 300)}`);
    if (res.status < 400) return;
    let body: { error?: { code?: unknown; message?: unknown; details?: unknown } };
    try {
      body = JSON.parse(text);
    } catch {
      assert.fail(`${where} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    assert.deepEqual(Object.keys(body), ['error'], `${where}: ${text.slice(0, 300)}`);
    assert.deepEqual(
      Object.keys(body.error!).sort(),
      ['code', 'details', 'message'],
      `${where}: ${text.slice(0, 300)}`,
    );
    assert.equal(typeof body.error!.message, 'string', where);
    assert.ok(
      typeof body.error!.code === 'string' && DOCUMENTED.has(body.error!.code),
      `${where}: code ${String(body.error!.code)} is not in docs/errors.md`,
    );
  }
});

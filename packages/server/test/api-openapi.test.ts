/**
 * `/openapi.json`: a valid OpenAPI 3.1 document (checked against the specification's own schema),
 * listing every route the API serves with a description, its request schemas and its responses; and
 * real responses match the schemas it publishes, field for field.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv } from 'ajv';
import { Harness, Receiver, world, type Tenant } from './api-harness.js';

type Op = {
  description?: string; security?: unknown[]; parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: unknown }> }; responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
};
type Doc = { openapi: string; paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, unknown> } };

describe('OpenAPI document', () => {
  let h: Harness;
  let receiver: Receiver;
  let doc: Doc;
  let a: Tenant;

  before(async () => {
    receiver = await new Receiver().start();
    h = await Harness.start();
    ({ a } = await world(h, receiver));
    const r = await h.call('GET', '/openapi.json', { key: null });
    assert.equal(r.status, 200);
    doc = r.body;
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  test('is valid OpenAPI 3.1', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Parameters<Validator['validate']>[0]);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.doesNotThrow(() => validator.resolveRefs(), 'every $ref resolves');
  });

  test('lists every route, each with a description, responses and (where it needs one) the bearer scheme', () => {
    const routes = h.app.api!.payhookRoutes;
    assert.ok(routes.length >= 19);
    for (const r of routes) {
      const path = r.url.replace(/:(\w+)/g, '{$1}');
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      assert.ok(op, `${r.method} ${path} is in the document`);
      assert.ok(op.description && op.description.length > 10, `${r.method} ${path} has a description`);
      const statuses = Object.keys(op.responses);
      assert.ok(statuses.some((s) => s.startsWith('2')), `${r.method} ${path} documents its success`);
      if (r.auth !== 'public') {
        assert.deepEqual(op.security, [{ bearerAuth: [] }], `${r.method} ${path} needs a key`);
        assert.ok(statuses.includes('401'), `${r.method} ${path} documents 401`);
      }
      for (const name of path.match(/\{(\w+)\}/g) ?? []) {
        assert.ok(op.parameters?.some((p) => p.in === 'path' && `{${p.name}}` === name && p.required), `${r.method} ${path} documents ${name}`);
      }
      if (['POST', 'PATCH'].includes(r.method) && path.startsWith('/v1/')) {
        assert.ok(op.requestBody?.content['application/json'], `${r.method} ${path} documents its body`);
      }
    }
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    const served = routes.map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`).sort();
    assert.deepEqual(documented, served, 'nothing documented that is not served');
  });

  test('merchant-scoped routes document merchant_id; lists document limit and cursor', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const names = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
        if (/^\/v1\/(endpoints|events|deliveries|api-keys)(\/|$)/.test(path)) assert.ok(names.includes('merchant_id'), `${method} ${path}`);
        if (method === 'get' && ['/v1/merchants', '/v1/endpoints', '/v1/events', '/v1/deliveries', '/v1/api-keys'].includes(path)) {
          assert.ok(names.includes('limit') && names.includes('cursor'), `${method} ${path}`);
        }
      }
    }
  });

  test('real responses match the published schemas, with no undocumented field', async () => {
    const validator = new Validator();
    await validator.validate(structuredClone(doc) as unknown as Parameters<Validator['validate']>[0]);
    const resolved = validator.resolveRefs() as unknown as Doc;
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    const check = async (method: string, path: string, docPath: string, status: string, body?: unknown) => {
      const r = await h.call(method, path, { key: a.key, body });
      assert.equal(String(r.status), status, r.text);
      const schema = resolved.paths[docPath][method.toLowerCase()].responses[status].content!['application/json'].schema;
      const closed = closeObjects(schema);
      const validate = ajv.compile(closed as object);
      assert.ok(validate(r.body), `${method} ${path}: ${JSON.stringify(validate.errors)}`);
    };
    await check('GET', `/v1/endpoints/${a.endpointId}`, '/v1/endpoints/{id}', '200');
    await check('GET', '/v1/endpoints', '/v1/endpoints', '200');
    await check('GET', `/v1/events/${a.eventId}`, '/v1/events/{id}', '200');
    await check('GET', '/v1/events', '/v1/events', '200');
    await check('GET', `/v1/deliveries/${a.deliveryId}`, '/v1/deliveries/{id}', '200');
    await check('GET', '/v1/deliveries', '/v1/deliveries', '200');
    await check('GET', `/v1/endpoints/${a.endpointId}/secret`, '/v1/endpoints/{id}/secret', '200');
    await check('GET', '/v1/endpoints/nonsense', '/v1/endpoints/{id}', '400');
    await check('POST', '/v1/api-keys', '/v1/api-keys', '201', { name: 'docs', scopes: ['read'] });
    await check('GET', '/v1/api-keys', '/v1/api-keys', '200');
  });
});

/** A copy of `schema` in which objects with listed properties allow no others, so extra fields fail. */
function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closeObjects(s)])) : closeObjects(v);
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

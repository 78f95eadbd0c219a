/**
 * `/openapi.json`: a valid OpenAPI 3.1 document (checked against the specification's own schema),
 * listing every route the API serves with a description, its request schemas and its responses; and
 * real responses match the schemas it publishes, field for field. What generated clients and doc tools
 * rely on: every operation has a unique `resource.verb` operationId, a summary and tags, says its
 * security (none on public routes), documents its 4xx with the shared error schema, and every body in
 * it has an example that matches its schema. Redocly's recommended ruleset runs on the same document
 * through `npm run lint:openapi`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv } from 'ajv';
import { ERRORS } from '../src/errors.js';
import { Harness, Receiver, world, type Tenant } from './api-harness.js';
import { PAYMENT_ERRORS } from '../src/payments/errors.js';

type Op = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  description?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
};
type Media = { schema: Record<string, unknown>; example?: unknown };
type Doc = {
  openapi: string;
  info: { license?: { name: string }; contact?: { name?: string } };
  servers?: { url: string }[];
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, Op>>;
  components: { schemas: Record<string, unknown> };
};
const operations = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

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
    assert.ok(routes.filter((r) => r.documented).length >= 27);
    for (const r of routes.filter((route) => route.documented)) {
      const path = r.url.replace(/:(\w+)/g, '{$1}');
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      assert.ok(op, `${r.method} ${path} is in the document`);
      assert.ok(op.description && op.description.length > 10, `${r.method} ${path} has a description`);
      const statuses = Object.keys(op.responses);
      assert.ok(
        statuses.some((s) => s.startsWith('2')),
        `${r.method} ${path} documents its success`,
      );
      if (r.auth === 'optional') {
        assert.deepEqual(op.security, [{}, { bearerAuth: [] }], `${r.method} ${path} takes a key or none`);
        assert.ok(statuses.includes('401'), `${r.method} ${path} documents 401`);
      } else if (r.auth !== 'public') {
        assert.deepEqual(op.security, [{ bearerAuth: [] }], `${r.method} ${path} needs a key`);
        assert.ok(statuses.includes('401'), `${r.method} ${path} documents 401`);
      }
      for (const name of path.match(/\{(\w+)\}/g) ?? []) {
        assert.ok(
          op.parameters?.some((p) => p.in === 'path' && `{${p.name}}` === name && p.required),
          `${r.method} ${path} documents ${name}`,
        );
      }
      if (['POST', 'PATCH'].includes(r.method) && path.startsWith('/v1/')) {
        assert.ok(op.requestBody?.content['application/json'], `${r.method} ${path} documents its body`);
      }
    }
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    const served = routes
      .filter((r) => r.documented)
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    assert.deepEqual(documented, served, 'nothing documented that is not served');
    // Only the reference page stays out of the document: it serves a web page, not the API.
    assert.deepEqual(
      routes.filter((r) => !r.documented).map((r) => `${r.method} ${r.url}`),
      ['GET /docs', 'GET /docs/redoc.standalone.js'],
    );
  });

  test('every operation has a unique resource.verb operationId, a summary and declared tags', () => {
    const ids = operations(doc).map(({ op }) => op.operationId);
    const tags = new Map(doc.tags.map((t) => [t.name, t.description]));
    for (const { path, method, op } of operations(doc)) {
      const name = `${method.toUpperCase()} ${path}`;
      assert.match(
        op.operationId ?? '',
        /^[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/,
        `${name}: operationId in resource.verb style`,
      );
      assert.ok(
        op.summary && op.summary.length >= 8 && op.summary.length <= 80 && !op.summary.endsWith('.'),
        `${name}: a short summary`,
      );
      assert.ok(op.tags && op.tags.length > 0, `${name}: tagged`);
      for (const t of op.tags) assert.ok(tags.get(t), `${name}: tag ${t} is declared with a description`);
    }
    assert.equal(new Set(ids).size, ids.length, `operationIds are unique: ${ids.join(', ')}`);
    for (const id of [
      'endpoints.create',
      'endpoints.list',
      'endpoints.get',
      'events.create',
      'deliveries.list',
      'deliveries.retry',
      'merchants.create',
      'orders.create',
      'orders.pay',
    ]) {
      assert.ok(ids.includes(id), `${id} exists`);
    }
  });

  test('security is explicit everywhere, 4xx use the error schema, and the document has servers, a licence and a contact', () => {
    const routes = h.app.api!.payhookRoutes;
    for (const { path, method, op } of operations(doc)) {
      const name = `${method.toUpperCase()} ${path}`;
      const route = routes.find((r) => r.method === method.toUpperCase() && r.url.replace(/:(\w+)/g, '{$1}') === path)!;
      assert.ok(Array.isArray(op.security), `${name}: says its security`);
      if (route.auth === 'public') assert.deepEqual(op.security, [], `${name}: public, so explicitly no key`);
      const errors = Object.entries(op.responses).filter(([s]) => /^4\d\d$/.test(s));
      assert.ok(
        errors.some(([s]) => s === '400'),
        `${name}: documents 400`,
      );
      for (const [status, response] of errors) {
        assert.deepEqual(
          response.content?.['application/json'].schema,
          { $ref: '#/components/schemas/Error' },
          `${name} ${status}: the error schema`,
        );
        const codes = [...response.description.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
        assert.ok(codes.length > 0, `${name} ${status}: names its codes`);
        for (const c of codes)
          assert.equal(
            String(
              (ERRORS as Record<string, { status: number }>)[c]?.status ??
                (PAYMENT_ERRORS as Record<string, { status: number }>)[c]?.status,
            ),
            status,
            `${name} ${status}: ${c} has that status`,
          );
      }
    }
    assert.ok(doc.servers && doc.servers.length > 0, 'servers');
    assert.equal(doc.info.license?.name, 'MIT');
    assert.ok(doc.info.contact?.name, 'contact');
  });

  test('every request and response body has an example, and each matches its schema with no undocumented field', async () => {
    const validator = new Validator();
    await validator.validate(structuredClone(doc) as unknown as Parameters<Validator['validate']>[0]);
    const resolved = validator.resolveRefs() as unknown as Doc;
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    let checked = 0;
    for (const { path, method, op } of operations(resolved)) {
      const bodies = [
        ...Object.entries(op.requestBody?.content ?? {}).map(([type, media]) => [`request ${type}`, media] as const),
        ...Object.entries(op.responses).flatMap(([status, r]) =>
          Object.entries(r.content ?? {}).map(([type, media]) => [`${status} ${type}`, media] as const),
        ),
      ];
      for (const [where, media] of bodies) {
        const name = `${method.toUpperCase()} ${path} ${where}`;
        assert.ok('example' in media, `${name} has an example`);
        if (!where.endsWith('application/json')) continue;
        const validate = ajv.compile(closeObjects(media.schema) as object);
        assert.ok(validate(media.example), `${name}: ${JSON.stringify(validate.errors)}`);
        checked++;
      }
    }
    assert.ok(checked > 100, `checked ${checked} examples`);
  });

  test('merchant-scoped routes document merchant_id; lists document limit and cursor', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const names = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
        if (/^\/v1\/(endpoints|events|deliveries|api-keys)(\/|$)/.test(path))
          assert.ok(names.includes('merchant_id'), `${method} ${path}`);
        if (
          method === 'get' &&
          ['/v1/merchants', '/v1/endpoints', '/v1/events', '/v1/deliveries', '/v1/api-keys'].includes(path)
        ) {
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
      const schema =
        resolved.paths[docPath][method.toLowerCase()].responses[status].content!['application/json'].schema;
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
  for (const [k, v] of Object.entries(schema))
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closeObjects(s)]))
        : closeObjects(v);
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

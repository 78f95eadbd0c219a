/**
 * Bad input on every route, table-driven: each case names its expected status and error code.
 * The generic cases (keys, unknown query parameters, malformed and missing ids, bodies that are not
 * JSON, too large or of another type, cursors) are generated from the route table in
 * api-validation-suite.ts; a route missing from the table fails the first test. The cases that belong
 * to one resource are in api-validation-<resource>.test.ts; those of no resource (unknown routes, wrong
 * methods) follow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generated, ROUTES } from './api-validation-routes.js';
import { badInputSuite, type Case } from './api-validation-suite.js';
import { PAYMENT_ROUTES } from './payment-routes.js';

const specific: Case[] = [
  // routes
  { name: 'unknown route', method: 'GET', path: '/v1/nothing', who: 'A', status: 404, code: 'not_found' },
  {
    name: 'unknown route without a key',
    method: 'POST',
    path: '/v2/events',
    who: 'none',
    body: {},
    status: 404,
    code: 'not_found',
  },
  {
    name: 'wrong method',
    method: 'PUT',
    path: '/v1/endpoints/{ep}',
    who: 'A',
    body: {},
    status: 405,
    code: 'method_not_allowed',
  },
  {
    name: 'wrong method on a list',
    method: 'DELETE',
    path: '/v1/events',
    who: 'A',
    status: 405,
    code: 'method_not_allowed',
  },
];

badInputSuite([...generated(), ...specific], {
  first: (w) => {
    test('the route table covers every route the API serves', () => {
      const served = w.h.app
        .api!.payhookRoutes.map((r) => `${r.method} ${r.url.replace(/:id/g, '{id}').replace(/:name/g, '{name}')}`)
        .sort();
      const table = [
        ...ROUTES.map((r) => `${r.method} ${r.path.replace(/\{(ep|evt|del|key|rpl|era)\}/g, '{id}')}`),
        ...PAYMENT_ROUTES,
      ].sort();
      assert.deepEqual(table, served, 'add new routes, with their bad-input cases, to ROUTES');
    });
  },
  last: (w) => {
    test('a 405 names the allowed methods', async () => {
      const r = await w.h.call('PUT', `/v1/endpoints/${w.a.endpointId}`, { key: w.a.key, body: {} });
      assert.equal(r.headers.get('allow'), 'GET, PATCH, DELETE');
    });
  },
});

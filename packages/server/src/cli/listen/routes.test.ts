import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRoutes, parseRoute, routesFor, streamTypes } from './routes.js';

test('parseRoute: a URL is the default route; types=URL a typed one; an = in the query stays in the URL', () => {
  assert.deepEqual(parseRoute('http://localhost:3000/hooks').types, null);
  const typed = parseRoute('order.*,transaction.success=http://localhost:3000/a?x=1');
  assert.deepEqual(typed.types, ['order.*', 'transaction.success']);
  assert.equal(typed.url.href, 'http://localhost:3000/a?x=1');
  assert.equal(parseRoute('http://localhost:3000/a?x=1').types, null);
  for (const bad of ['order..x=http://h/a', '=http://h/a', 'ftp://h/a', 'order.*=nope', 'localhost:3000/a'])
    assert.throws(() => parseRoute(bad), { name: 'UsageError' }, bad);
  assert.throws(
    () => checkRoutes([parseRoute('http://h/a'), parseRoute('http://h/b')]),
    /only one route without types/,
  );
});

test('routesFor: every typed route that matches; the default takes what none takes', () => {
  const routes = checkRoutes([
    parseRoute('order.*=http://h/orders'),
    parseRoute('order.success,refund.*=http://h/money'),
    parseRoute('http://h/rest'),
  ]);
  const to = (type: string) => routesFor(routes, type).map((r) => r.url.pathname);
  assert.deepEqual(to('order.success'), ['/orders', '/money']);
  assert.deepEqual(to('order.cancel'), ['/orders']);
  assert.deepEqual(to('refund.created'), ['/money']);
  assert.deepEqual(to('shop.shipped'), ['/rest']);
  assert.deepEqual(to('orders.x'), ['/rest'], '`order.*` is not a prefix of `orders`');
  assert.deepEqual(routesFor([parseRoute('order.*=http://h/o')], 'shop.x'), []);
});

test("streamTypes: --events when given, else the routes' types, else all", () => {
  const typed = [parseRoute('order.*=http://h/o'), parseRoute('shop.x=http://h/s')];
  assert.deepEqual(streamTypes(typed, undefined), ['order.*', 'shop.x']);
  assert.deepEqual(streamTypes([...typed, parseRoute('http://h/rest')], undefined), []);
  assert.deepEqual(streamTypes(typed, ['order.success']), ['order.success']);
});

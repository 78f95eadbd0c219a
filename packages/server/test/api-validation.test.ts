/**
 * Bad input on every route, table-driven: each case names its expected status and error code.
 * The generic cases (keys, unknown query parameters, malformed and missing ids, bodies that are not
 * JSON, too large or of another type, cursors) are generated from the route table; the cases that
 * belong to one route follow. A route missing from the table fails the first test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId, type IdPrefix } from '../src/ids.js';
import { ERRORS } from '../src/errors.js';
import { Harness, Receiver, world, ADMIN_KEY, type Tenant } from './api-harness.js';
import { PAYMENT_ROUTES } from './payment-routes.js';

type Who = 'A' | 'B' | 'admin' | 'none' | 'wrong';

interface Route {
  method: string;
  /** With placeholders: {ep} {evt} {del} {key} {era} {mer} (merchant A's objects), {name} (an event type name). */
  path: string;
  auth: 'merchant' | 'admin' | 'public';
  /** A valid body, for routes that take one. */
  body?: Record<string, unknown>;
  /** The kind of the `{id}` in the path, for routes on one object. */
  id?: IdPrefix;
  /** The kind a list's cursor holds, for list routes. */
  list?: IdPrefix;
}

const ROUTES: Route[] = [
  { method: 'POST', path: '/v1/merchants', auth: 'admin', body: { name: 'n' } },
  { method: 'GET', path: '/v1/merchants', auth: 'admin', list: 'mer' },
  { method: 'POST', path: '/v1/api-keys', auth: 'merchant', body: { name: 'n', scopes: ['read'] } },
  { method: 'GET', path: '/v1/api-keys', auth: 'merchant', list: 'key' },
  { method: 'DELETE', path: '/v1/api-keys/{key}', auth: 'merchant', id: 'key' },
  { method: 'POST', path: '/v1/endpoints', auth: 'merchant', body: { url: 'https://example.com/hook' } },
  { method: 'GET', path: '/v1/endpoints', auth: 'merchant', list: 'ep' },
  { method: 'GET', path: '/v1/endpoints/{ep}', auth: 'merchant', id: 'ep' },
  { method: 'PATCH', path: '/v1/endpoints/{ep}', auth: 'merchant', id: 'ep', body: { description: 'd' } },
  { method: 'DELETE', path: '/v1/endpoints/{ep}', auth: 'merchant', id: 'ep' },
  { method: 'POST', path: '/v1/endpoints/{ep}/rotate-secret', auth: 'merchant', id: 'ep', body: {} },
  { method: 'GET', path: '/v1/endpoints/{ep}/secret', auth: 'merchant', id: 'ep' },
  {
    method: 'POST',
    path: '/v1/endpoints/{ep}/recover',
    auth: 'merchant',
    id: 'ep',
    body: { since: '2026-01-01T00:00:00Z' },
  },
  { method: 'POST', path: '/v1/endpoints/{ep}/test', auth: 'merchant', id: 'ep', body: {} },
  {
    method: 'POST',
    path: '/v1/endpoints/{ep}/replay',
    auth: 'merchant',
    id: 'ep',
    body: { since: '2026-01-01T00:00:00Z' },
  },
  { method: 'GET', path: '/v1/replays/{rpl}', auth: 'merchant', id: 'rpl' },
  { method: 'POST', path: '/v1/events', auth: 'merchant', body: { type: 'shop.order_paid', data: {} } },
  { method: 'POST', path: '/v1/events/{evt}/resend', auth: 'merchant', id: 'evt', body: {} },
  { method: 'POST', path: '/v1/event-types', auth: 'merchant', body: { name: 'shop.validated' } },
  { method: 'DELETE', path: '/v1/event-types/{name}', auth: 'merchant' },
  { method: 'GET', path: '/v1/events', auth: 'merchant', list: 'evt' },
  { method: 'GET', path: '/v1/events/{evt}', auth: 'merchant', id: 'evt' },
  { method: 'GET', path: '/v1/deliveries', auth: 'merchant', list: 'del' },
  { method: 'GET', path: '/v1/deliveries/counts', auth: 'merchant' },
  { method: 'GET', path: '/v1/deliveries/{del}', auth: 'merchant', id: 'del' },
  { method: 'POST', path: '/v1/deliveries/{del}/retry', auth: 'merchant', id: 'del', body: {} },
  { method: 'POST', path: '/v1/deliveries/{del}/skip', auth: 'merchant', id: 'del', body: {} },
  { method: 'POST', path: '/v1/erasures', auth: 'merchant', body: { customer_email: 'x@example.com' } },
  { method: 'GET', path: '/v1/erasures/{era}', auth: 'merchant', id: 'era' },
  { method: 'GET', path: '/v1/listen', auth: 'merchant' },
  { method: 'POST', path: '/v1/portal-links', auth: 'merchant', body: { read_only: true } },
  { method: 'GET', path: '/healthz', auth: 'public' },
  { method: 'GET', path: '/readyz', auth: 'public' },
  { method: 'GET', path: '/metrics', auth: 'admin' },
  { method: 'GET', path: '/openapi.json', auth: 'public' },
  { method: 'GET', path: '/docs', auth: 'public' },
  { method: 'GET', path: '/docs/redoc.standalone.js', auth: 'public' },
];

interface Case {
  name: string;
  method: string;
  path: string;
  who: Who;
  body?: unknown;
  raw?: string;
  contentType?: string | null;
  status: number;
  code: keyof typeof ERRORS;
  /** When set, `details.field` must be this. */
  field?: string;
}

const NOT_FOUND: Partial<Record<IdPrefix, keyof typeof ERRORS>> = {
  ep: 'endpoint_not_found',
  evt: 'event_not_found',
  del: 'delivery_not_found',
  key: 'api_key_not_found',
  rpl: 'replay_not_found',
  era: 'erasure_not_found',
};
const OTHER_KIND: Partial<Record<IdPrefix, IdPrefix>> = {
  ep: 'evt',
  evt: 'del',
  del: 'ep',
  key: 'ep',
  rpl: 'ep',
  era: 'evt',
};
const huge = (field: string) => `{"${field}":"${'x'.repeat(300 * 1024)}"}`;

function generated(): Case[] {
  const out: Case[] = [];
  for (const r of ROUTES) {
    const base = { method: r.method, path: r.path };
    const withBody = r.body ? { body: r.body } : {};
    if (r.auth !== 'public') {
      out.push({ ...base, ...withBody, name: 'no key', who: 'none', status: 401, code: 'unauthorized' });
      out.push({ ...base, ...withBody, name: 'wrong key', who: 'wrong', status: 401, code: 'unauthorized' });
    }
    if (r.auth === 'admin')
      out.push({ ...base, ...withBody, name: 'merchant key', who: 'A', status: 403, code: 'forbidden' });
    const who: Who = r.auth === 'merchant' ? 'A' : 'admin';
    out.push({
      ...base,
      ...withBody,
      path: `${r.path}?bogus=1`,
      name: 'unknown query parameter',
      who,
      status: 400,
      code: 'unknown_field',
      field: 'bogus',
    });
    if (r.auth === 'merchant') {
      out.push({
        ...base,
        ...withBody,
        path: `${r.path}?merchant_id=mer_1`,
        name: 'malformed merchant_id',
        who: 'admin',
        status: 400,
        code: 'invalid_id',
        field: 'merchant_id',
      });
      out.push({
        ...base,
        ...withBody,
        name: 'admin without merchant_id',
        who: 'admin',
        status: 400,
        code: 'merchant_required',
      });
      out.push({
        ...base,
        ...withBody,
        path: `${r.path}?merchant_id=${newId('mer')}`,
        name: 'admin naming no merchant',
        who: 'admin',
        status: 404,
        code: 'merchant_not_found',
      });
      out.push({
        ...base,
        ...withBody,
        path: `${r.path}?merchant_id={merB}`,
        name: 'merchant key naming another merchant',
        who: 'A',
        status: 404,
        code: 'merchant_not_found',
      });
    }
    if (r.id) {
      const p = (id: string) => r.path.replace(`{${r.id}}`, id);
      out.push({
        ...base,
        ...withBody,
        path: p('nonsense'),
        name: 'malformed id',
        who,
        status: 400,
        code: 'invalid_id',
        field: 'id',
      });
      out.push({
        ...base,
        ...withBody,
        path: p(newId(OTHER_KIND[r.id]!)),
        name: 'id of another kind',
        who,
        status: 400,
        code: 'invalid_id',
        field: 'id',
      });
      out.push({
        ...base,
        ...withBody,
        path: p(newId(r.id)),
        name: 'no such object',
        who,
        status: 404,
        code: NOT_FOUND[r.id]!,
      });
    }
    if (r.list) {
      out.push({
        ...base,
        path: `${r.path}?cursor=not-a-cursor`,
        name: 'bad cursor',
        who,
        status: 400,
        code: 'invalid_cursor',
        field: 'cursor',
      });
      const foreign = Buffer.from(newId(r.list === 'evt' ? 'del' : 'evt')).toString('base64url');
      out.push({
        ...base,
        path: `${r.path}?cursor=${foreign}`,
        name: 'cursor of another list',
        who,
        status: 400,
        code: 'invalid_cursor',
      });
      out.push({
        ...base,
        path: `${r.path}?limit=0`,
        name: 'limit 0',
        who,
        status: 400,
        code: 'validation_failed',
        field: 'limit',
      });
      out.push({
        ...base,
        path: `${r.path}?limit=251`,
        name: 'limit 251',
        who,
        status: 400,
        code: 'validation_failed',
        field: 'limit',
      });
      out.push({
        ...base,
        path: `${r.path}?limit=ten`,
        name: 'limit not a number',
        who,
        status: 400,
        code: 'validation_failed',
        field: 'limit',
      });
    }
    if (r.body) {
      out.push({ ...base, raw: '{"a":', name: 'invalid JSON', who, status: 400, code: 'invalid_json' });
      out.push({
        ...base,
        raw: '{"__proto__":{"x":1}}',
        name: 'prototype poisoning',
        who,
        status: 400,
        code: 'invalid_json',
      });
      out.push({
        ...base,
        body: { ...r.body, surprise: 1 },
        name: 'unknown field',
        who,
        status: 400,
        code: 'unknown_field',
        field: 'surprise',
      });
      out.push({
        ...base,
        raw: JSON.stringify(r.body),
        contentType: 'text/plain',
        name: 'text/plain body',
        who,
        status: 415,
        code: 'unsupported_media_type',
      });
      out.push({
        ...base,
        raw: 'a=1',
        contentType: 'application/x-www-form-urlencoded',
        name: 'form body',
        who,
        status: 415,
        code: 'unsupported_media_type',
      });
      out.push({
        ...base,
        raw: JSON.stringify(r.body),
        contentType: null,
        name: 'body without content type',
        who,
        status: 415,
        code: 'unsupported_media_type',
      });
      out.push({
        ...base,
        raw: huge(Object.keys(r.body)[0] ?? 'x'),
        name: 'body over 256 KiB',
        who,
        status: 413,
        code: 'body_too_large',
      });
      out.push({ ...base, body: [r.body], name: 'array body', who, status: 400, code: 'validation_failed' });
      out.push({ ...base, body: 'text', name: 'string body', who, status: 400, code: 'validation_failed' });
    }
  }
  return out;
}

const specific: Case[] = [
  // merchants
  {
    name: 'name missing',
    method: 'POST',
    path: '/v1/merchants',
    who: 'admin',
    body: {},
    status: 400,
    code: 'validation_failed',
    field: 'name',
  },
  {
    name: 'name blank',
    method: 'POST',
    path: '/v1/merchants',
    who: 'admin',
    body: { name: '   ' },
    status: 400,
    code: 'validation_failed',
    field: 'name',
  },
  {
    name: 'name a number',
    method: 'POST',
    path: '/v1/merchants',
    who: 'admin',
    body: { name: 7 },
    status: 400,
    code: 'validation_failed',
    field: 'name',
  },
  // api keys
  {
    name: 'name missing',
    method: 'POST',
    path: '/v1/api-keys',
    who: 'A',
    body: { scopes: ['read'] },
    status: 400,
    code: 'validation_failed',
    field: 'name',
  },
  {
    name: 'name blank',
    method: 'POST',
    path: '/v1/api-keys',
    who: 'A',
    body: { name: '  ', scopes: ['read'] },
    status: 400,
    code: 'validation_failed',
    field: 'name',
  },
  {
    name: 'scopes missing',
    method: 'POST',
    path: '/v1/api-keys',
    who: 'A',
    body: { name: 'n' },
    status: 400,
    code: 'validation_failed',
    field: 'scopes',
  },
  {
    name: 'scopes empty',
    method: 'POST',
    path: '/v1/api-keys',
    who: 'A',
    body: { name: 'n', scopes: [] },
    status: 400,
    code: 'validation_failed',
    field: 'scopes',
  },
  {
    name: 'unknown scope',
    method: 'POST',
    path: '/v1/api-keys',
    who: 'A',
    body: { name: 'n', scopes: ['admin'] },
    status: 400,
    code: 'validation_failed',
    field: 'scopes[0]',
  },
  {
    name: 'scope twice',
    method: 'POST',
    path: '/v1/api-keys',
    who: 'A',
    body: { name: 'n', scopes: ['read', 'read'] },
    status: 400,
    code: 'validation_failed',
    field: 'scopes',
  },
  {
    name: 'write without read',
    method: 'POST',
    path: '/v1/api-keys',
    who: 'A',
    body: { name: 'n', scopes: ['write'] },
    status: 400,
    code: 'validation_failed',
    field: 'scopes',
  },
  {
    name: 'scopes a string',
    method: 'POST',
    path: '/v1/api-keys',
    who: 'A',
    body: { name: 'n', scopes: 'read' },
    status: 400,
    code: 'validation_failed',
    field: 'scopes',
  },
  // endpoints
  {
    name: 'url missing',
    method: 'POST',
    path: '/v1/endpoints',
    who: 'A',
    body: {},
    status: 400,
    code: 'validation_failed',
    field: 'url',
  },
  {
    name: 'url not a URL',
    method: 'POST',
    path: '/v1/endpoints',
    who: 'A',
    body: { url: 'not a url' },
    status: 400,
    code: 'invalid_url',
    field: 'url',
  },
  {
    name: 'url ftp',
    method: 'POST',
    path: '/v1/endpoints',
    who: 'A',
    body: { url: 'ftp://example.com/x' },
    status: 400,
    code: 'invalid_url',
    field: 'url',
  },
  {
    name: 'url relative',
    method: 'POST',
    path: '/v1/endpoints',
    who: 'A',
    body: { url: '/hook' },
    status: 400,
    code: 'invalid_url',
    field: 'url',
  },
  {
    name: 'url with credentials',
    method: 'POST',
    path: '/v1/endpoints',
    who: 'A',
    body: { url: 'https://u:p@example.com/' },
    status: 400,
    code: 'invalid_url',
    field: 'url',
  },
  {
    name: 'url a number',
    method: 'POST',
    path: '/v1/endpoints',
    who: 'A',
    body: { url: 5 },
    status: 400,
    code: 'validation_failed',
    field: 'url',
  },
  {
    name: 'event_types empty',
    method: 'POST',
    path: '/v1/endpoints',
    who: 'A',
    body: { url: 'https://e.com', event_types: [] },
    status: 400,
    code: 'validation_failed',
    field: 'event_types',
  },
  {
    name: 'event_types bad name',
    method: 'POST',
    path: '/v1/endpoints',
    who: 'A',
    body: { url: 'https://e.com', event_types: ['order success'] },
    status: 400,
    code: 'validation_failed',
    field: 'event_types',
  },
  {
    name: 'event_types a string',
    method: 'POST',
    path: '/v1/endpoints',
    who: 'A',
    body: { url: 'https://e.com', event_types: 'order.*' },
    status: 400,
    code: 'validation_failed',
    field: 'event_types',
  },
  {
    name: 'event_types holds a number',
    method: 'POST',
    path: '/v1/endpoints',
    who: 'A',
    body: { url: 'https://e.com', event_types: [1] },
    status: 400,
    code: 'validation_failed',
    field: 'event_types[0]',
  },
  {
    name: 'reserved header',
    method: 'POST',
    path: '/v1/endpoints',
    who: 'A',
    body: { url: 'https://e.com', headers: { 'webhook-id': 'x' } },
    status: 400,
    code: 'validation_failed',
    field: 'headers',
  },
  {
    name: 'header value a number',
    method: 'POST',
    path: '/v1/endpoints',
    who: 'A',
    body: { url: 'https://e.com', headers: { 'x-a': 1 } },
    status: 400,
    code: 'validation_failed',
    field: 'headers.x-a',
  },
  {
    name: 'timeout_ms too small',
    method: 'POST',
    path: '/v1/endpoints',
    who: 'A',
    body: { url: 'https://e.com', timeout_ms: 10 },
    status: 400,
    code: 'validation_failed',
    field: 'timeout_ms',
  },
  {
    name: 'timeout_ms as a string',
    method: 'POST',
    path: '/v1/endpoints',
    who: 'A',
    body: { url: 'https://e.com', timeout_ms: '5000' },
    status: 400,
    code: 'validation_failed',
    field: 'timeout_ms',
  },
  {
    name: 'disabled as a string',
    method: 'POST',
    path: '/v1/endpoints',
    who: 'A',
    body: { url: 'https://e.com', disabled: 'true' },
    status: 400,
    code: 'validation_failed',
    field: 'disabled',
  },
  {
    name: 'unknown format',
    method: 'POST',
    path: '/v1/endpoints',
    who: 'A',
    body: { url: 'https://e.com', format: 'xml' },
    status: 400,
    code: 'validation_failed',
    field: 'format',
  },
  {
    name: 'empty patch',
    method: 'PATCH',
    path: '/v1/endpoints/{ep}',
    who: 'A',
    body: {},
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'patch bad url',
    method: 'PATCH',
    path: '/v1/endpoints/{ep}',
    who: 'A',
    body: { url: 'mailto:a@b.c' },
    status: 400,
    code: 'invalid_url',
    field: 'url',
  },
  {
    name: 'patch disabled null',
    method: 'PATCH',
    path: '/v1/endpoints/{ep}',
    who: 'A',
    body: { disabled: null },
    status: 400,
    code: 'validation_failed',
    field: 'disabled',
  },
  {
    name: 'rotate with a field',
    method: 'POST',
    path: '/v1/endpoints/{ep}/rotate-secret',
    who: 'A',
    body: { overlap: '1h' },
    status: 400,
    code: 'unknown_field',
    field: 'overlap',
  },
  {
    name: 'test with a field',
    method: 'POST',
    path: '/v1/endpoints/{ep}/test',
    who: 'A',
    body: { type: 'order.success' },
    status: 400,
    code: 'unknown_field',
    field: 'type',
  },
  {
    name: 'resend with a field',
    method: 'POST',
    path: '/v1/events/{evt}/resend',
    who: 'A',
    body: { endpoint_id: 'ep_01JDQ8Z0RX4YV6K3M2N5P7Q9S1' },
    status: 400,
    code: 'unknown_field',
    field: 'endpoint_id',
  },
  {
    name: 'since missing',
    method: 'POST',
    path: '/v1/endpoints/{ep}/recover',
    who: 'A',
    body: {},
    status: 400,
    code: 'validation_failed',
    field: 'since',
  },
  {
    name: 'since not a time',
    method: 'POST',
    path: '/v1/endpoints/{ep}/recover',
    who: 'A',
    body: { since: 'yesterday' },
    status: 400,
    code: 'validation_failed',
    field: 'since',
  },
  {
    name: 'since without a zone',
    method: 'POST',
    path: '/v1/endpoints/{ep}/recover',
    who: 'A',
    body: { since: '2026-01-01T00:00:00' },
    status: 400,
    code: 'validation_failed',
    field: 'since',
  },
  {
    name: 'since a number',
    method: 'POST',
    path: '/v1/endpoints/{ep}/recover',
    who: 'A',
    body: { since: 1700000000000 },
    status: 400,
    code: 'validation_failed',
    field: 'since',
  },
  {
    name: 'counts since not a time',
    method: 'GET',
    path: '/v1/deliveries/counts?since=yesterday',
    who: 'A',
    status: 400,
    code: 'validation_failed',
    field: 'since',
  },
  {
    name: 'counts since more than 7 days ago',
    method: 'GET',
    path: '/v1/deliveries/counts?since=2026-01-01T00:00:00Z',
    who: 'A',
    status: 400,
    code: 'validation_failed',
    field: 'since',
  },
  {
    name: 'replay since missing',
    method: 'POST',
    path: '/v1/endpoints/{ep}/replay',
    who: 'A',
    body: {},
    status: 400,
    code: 'validation_failed',
    field: 'since',
  },
  {
    name: 'replay status not failed or all',
    method: 'POST',
    path: '/v1/endpoints/{ep}/replay',
    who: 'A',
    body: { since: '2026-01-01T00:00:00Z', status: 'succeeded' },
    status: 400,
    code: 'validation_failed',
    field: 'status',
  },
  {
    name: 'replay recipients unknown',
    method: 'POST',
    path: '/v1/endpoints/{ep}/replay',
    who: 'A',
    body: { since: '2026-01-01T00:00:00Z', recipients: 'everyone' },
    status: 400,
    code: 'validation_failed',
    field: 'recipients',
  },
  {
    name: 'replay types not event types',
    method: 'POST',
    path: '/v1/endpoints/{ep}/replay',
    who: 'A',
    body: { since: '2026-01-01T00:00:00Z', types: ['not a type'] },
    status: 400,
    code: 'validation_failed',
    field: 'types',
  },
  {
    name: 'ordering_on_failure unknown',
    method: 'PATCH',
    path: '/v1/endpoints/{ep}',
    who: 'A',
    body: { ordering_on_failure: 'wait' },
    status: 400,
    code: 'validation_failed',
    field: 'ordering_on_failure',
  },
  {
    name: 'ordered not a boolean',
    method: 'PATCH',
    path: '/v1/endpoints/{ep}',
    who: 'A',
    body: { ordered: 'yes' },
    status: 400,
    code: 'validation_failed',
    field: 'ordered',
  },
  // events
  {
    name: 'ordering_key too long',
    method: 'POST',
    path: '/v1/events',
    who: 'A',
    body: { type: 'shop.order_paid', data: {}, ordering_key: 'k'.repeat(256) },
    status: 400,
    code: 'invalid_ordering_key',
    field: 'ordering_key',
  },
  {
    name: 'ordering_key not a string',
    method: 'POST',
    path: '/v1/events',
    who: 'A',
    body: { type: 'shop.order_paid', data: {}, ordering_key: 7 },
    status: 400,
    code: 'invalid_ordering_key',
    field: 'ordering_key',
  },
  {
    name: 'type missing',
    method: 'POST',
    path: '/v1/events',
    who: 'A',
    body: { data: {} },
    status: 400,
    code: 'validation_failed',
    field: 'type',
  },
  {
    name: 'type with a space',
    method: 'POST',
    path: '/v1/events',
    who: 'A',
    body: { type: 'order success', data: {} },
    status: 400,
    code: 'validation_failed',
    field: 'type',
  },
  {
    name: 'type too long',
    method: 'POST',
    path: '/v1/events',
    who: 'A',
    body: { type: 'a'.repeat(129), data: {} },
    status: 400,
    code: 'validation_failed',
    field: 'type',
  },
  {
    name: 'data missing',
    method: 'POST',
    path: '/v1/events',
    who: 'A',
    body: { type: 'a.b' },
    status: 400,
    code: 'validation_failed',
    field: 'data',
  },
  {
    name: 'data an array',
    method: 'POST',
    path: '/v1/events',
    who: 'A',
    body: { type: 'a.b', data: [1] },
    status: 400,
    code: 'validation_failed',
    field: 'data',
  },
  {
    name: 'data a string',
    method: 'POST',
    path: '/v1/events',
    who: 'A',
    body: { type: 'a.b', data: '{}' },
    status: 400,
    code: 'validation_failed',
    field: 'data',
  },
  {
    name: 'idempotency_key empty',
    method: 'POST',
    path: '/v1/events',
    who: 'A',
    body: { type: 'a.b', data: {}, idempotency_key: '' },
    status: 400,
    code: 'validation_failed',
    field: 'idempotency_key',
  },
  {
    name: 'idempotency_key a number',
    method: 'POST',
    path: '/v1/events',
    who: 'A',
    body: { type: 'a.b', data: {}, idempotency_key: 5 },
    status: 400,
    code: 'validation_failed',
    field: 'idempotency_key',
  },
  { name: 'no body', method: 'POST', path: '/v1/events', who: 'A', status: 400, code: 'validation_failed' },
  {
    name: 'bad type filter',
    method: 'GET',
    path: '/v1/events?type=order%20success',
    who: 'A',
    status: 400,
    code: 'validation_failed',
    field: 'type',
  },
  {
    name: 'after not a time',
    method: 'GET',
    path: '/v1/events?after=yesterday',
    who: 'A',
    status: 400,
    code: 'validation_failed',
    field: 'after',
  },
  {
    name: 'before a malformed id',
    method: 'GET',
    path: '/v1/events?before=evt_123',
    who: 'A',
    status: 400,
    code: 'invalid_id',
    field: 'before',
  },
  {
    name: 'order sideways',
    method: 'GET',
    path: '/v1/events?order=sideways',
    who: 'A',
    status: 400,
    code: 'validation_failed',
    field: 'order',
  },
  // deliveries
  {
    name: 'unknown status',
    method: 'GET',
    path: '/v1/deliveries?status=done',
    who: 'A',
    status: 400,
    code: 'validation_failed',
    field: 'status',
  },
  {
    name: 'endpoint_id of another kind',
    method: 'GET',
    path: '/v1/deliveries?endpoint_id={evt}',
    who: 'A',
    status: 400,
    code: 'invalid_id',
    field: 'endpoint_id',
  },
  {
    name: 'event_id malformed',
    method: 'GET',
    path: '/v1/deliveries?event_id=evt_x',
    who: 'A',
    status: 400,
    code: 'invalid_id',
    field: 'event_id',
  },
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

describe('bad input on every route', () => {
  let h: Harness;
  let receiver: Receiver;
  let a: Tenant;
  let b: Tenant;
  let spareKeyId: string;
  let replayId: string;
  let erasureId: string;

  before(async () => {
    receiver = await new Receiver().start();
    // Dozens of cases here send no key or a wrong one, all from 127.0.0.1: above the default limit
    // they would be held back (429 too_many_auth_failures, tested in api-limits.test.ts).
    h = await Harness.start({ limits: { authFailureLimit: 1000 } });
    ({ a, b } = await world(h, receiver));
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
    await h?.close();
    await receiver?.close();
  });

  test('the route table covers every route the API serves', () => {
    const served = h.app
      .api!.payhookRoutes.map((r) => `${r.method} ${r.url.replace(/:id/g, '{id}').replace(/:name/g, '{name}')}`)
      .sort();
    const table = [
      ...ROUTES.map((r) => `${r.method} ${r.path.replace(/\{(ep|evt|del|key|rpl|era)\}/g, '{id}')}`),
      ...PAYMENT_ROUTES,
    ].sort();
    assert.deepEqual(table, served, 'add new routes, with their bad-input cases, to ROUTES');
  });

  const keyOf = (who: Who): string | null =>
    ({ A: a.key, B: b.key, admin: ADMIN_KEY, none: null, wrong: 'sk_not_a_real_key' })[who];
  const fill = (path: string) =>
    path
      .replace('{ep}', a.endpointId)
      .replace('{evt}', a.eventId)
      .replace('{del}', a.deliveryId)
      .replace('{key}', spareKeyId)
      .replace('{rpl}', replayId)
      .replace('{era}', erasureId)
      .replace('{merB}', b.id)
      .replace('{name}', 'shop.never_registered');

  for (const c of [...generated(), ...specific]) {
    test(`${c.method} ${c.path}: ${c.name} → ${c.status} ${c.code}`, async () => {
      const r = await h.call(c.method, fill(c.path), {
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

  test('a 405 names the allowed methods', async () => {
    const r = await h.call('PUT', `/v1/endpoints/${a.endpointId}`, { key: a.key, body: {} });
    assert.equal(r.headers.get('allow'), 'GET, PATCH, DELETE');
  });

  test('bad input changed nothing: A still has exactly its one endpoint, with its first secret', async () => {
    const list = await h.call('GET', '/v1/endpoints', { key: a.key });
    assert.deepEqual(
      list.body.data.map((e: { id: string }) => e.id),
      [a.endpointId],
    );
    const secret = await h.call('GET', `/v1/endpoints/${a.endpointId}/secret`, { key: a.key });
    assert.deepEqual(secret.body.previous_secrets, []);
  });
});

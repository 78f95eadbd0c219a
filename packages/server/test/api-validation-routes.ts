/**
 * The route table of the api-validation*.test.ts files, and the generic bad-input cases generated from it
 * (keys, unknown query parameters, malformed and missing ids, bodies that are not JSON, too large or of
 * another type, cursors). api-validation.test.ts checks that the table covers every route served.
 */
import { newId, type IdPrefix } from '../src/ids.js';
import type { ERRORS } from '../src/errors.js';

export type Who = 'A' | 'B' | 'admin' | 'none' | 'wrong';

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

export const ROUTES: Route[] = [
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

export interface Case {
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

export function generated(): Case[] {
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

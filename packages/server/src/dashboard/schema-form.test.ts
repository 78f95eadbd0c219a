import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type FieldSchema, formBody } from './schema-form.js';

const fields: [string, FieldSchema][] = [
  ['url', { type: 'string' }],
  ['description', { type: ['string', 'null'] }],
  ['event_types', { type: ['array', 'null'], items: { type: 'string' } }],
  ['disabled', { type: 'boolean' }],
  ['timeout_ms', { type: ['integer', 'null'] }],
  ['headers', { type: 'object' }],
];

test('an edit form sent back unchanged changes nothing (null stays null, never [] or "")', () => {
  const current = {
    url: 'https://a.example/h',
    description: null,
    event_types: null,
    disabled: false,
    timeout_ms: null,
    headers: { 'x-a': '1' },
  };
  const form = {
    url: 'https://a.example/h',
    description: '',
    event_types: '',
    disabled: 'false',
    timeout_ms: '',
    headers: '{"x-a": "1"}',
  };
  assert.deepEqual(formBody(fields, form, current), {});
});

test('an edit sends only what changed, each field parsed by its schema', () => {
  const current = {
    url: 'https://a.example/h',
    description: 'x',
    event_types: ['order.*'],
    disabled: false,
    timeout_ms: 5000,
    headers: {},
  };
  const form = {
    url: 'https://a.example/h',
    description: 'x',
    event_types: 'order.*, refund.*',
    disabled: 'true',
    timeout_ms: '',
    headers: 'not json',
  };
  assert.deepEqual(formBody(fields, form, current), {
    event_types: ['order.*', 'refund.*'],
    disabled: true,
    timeout_ms: null,
    headers: 'not json',
  });
});

test('a create form leaves out what is empty', () => {
  assert.deepEqual(
    formBody(fields, { url: 'https://b.example', description: '', event_types: '', timeout_ms: '' }, null),
    {
      url: 'https://b.example',
    },
  );
});

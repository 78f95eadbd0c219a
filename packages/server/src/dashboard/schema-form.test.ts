import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type FieldSchema, fieldInputs, formBody } from './schema-form.js';

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

test('a list whose items take integers reads whole numbers back as integers (retry_schedule), durations as text', () => {
  const schedule: [string, FieldSchema][] = [
    ['retry_schedule', { type: ['array', 'null'], items: { type: ['integer', 'string'] } }],
  ];
  assert.deepEqual(formBody(schedule, { retry_schedule: '30, 60' }, { retry_schedule: [30, 60] }), {});
  assert.deepEqual(formBody(schedule, { retry_schedule: '30, 5m' }, { retry_schedule: [30, 60] }), {
    retry_schedule: [30, '5m'],
  });
  assert.deepEqual(formBody(schedule, { retry_schedule: '' }, { retry_schedule: [30] }), { retry_schedule: null });
});

test('choices make a select of a free string field, keeping a current value that is not among them', () => {
  const html = fieldInputs(
    [['api_version', { type: 'string' }]],
    { api_version: '2020-01-01' },
    {
      api_version: ['2026-11-27', '2026-12-05'],
    },
  ).join('');
  assert.match(html, /<select id="f-api_version" name="api_version">/);
  assert.match(html, /<option>2026-12-05<\/option><option selected>2020-01-01<\/option>/);
});

test('help is the field description, escaped, with its `code` as code; a label can be given', () => {
  const [out] = fieldInputs(
    [['ordered', { type: 'boolean', description: 'Keys in `ordering_key` <b>stay</b> in order.' }]],
    { ordered: true },
    {},
    { ordered: 'ordered delivery' },
  );
  assert.match(out.text, /<code>ordering_key<\/code> &lt;b&gt;stay&lt;\/b&gt; in order\./);
  assert.match(out.text, /<label for="f-ordered">ordered delivery<\/label>/);
  assert.match(out.text, /id="f-ordered" name="ordered" value="true" checked aria-describedby="f-ordered-help"/);
});

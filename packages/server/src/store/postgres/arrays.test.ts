/**
 * Array parameters written by `JSON.stringify` (arrays.ts) read back from the real PostgreSQL as the
 * arrays payhook meant, element for element, including every character that array literals or JSON
 * treat specially; and what the fast form cannot write is left to node-postgres, which still gets it right.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { arrayLiteral } from './arrays.js';
import { compile, valuesFor } from './statements.js';
import { TEST_DATABASE_URL } from '../../../test/helpers/test-db.js';

let client: pg.Client;
before(async () => {
  client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
});
after(async () => {
  await client.end();
});

/** What PostgreSQL reads from `values` as `@a::<type>[]`, sent the way the store sends it. */
async function roundTrip(type: string, values: unknown[]): Promise<unknown[]> {
  const s = compile('round_trip', `SELECT @a::${type}[] AS a`);
  const rows = await client.query<{ a: unknown[] }>(s.text, valuesFor(s, { a: values }));
  return rows.rows[0].a;
}

const tricky = [
  'evt_01M97DJS2PBHH71ZEHYD2RED7V',
  '',
  ' padded ',
  'NULL',
  'null',
  'a,b',
  '{braces}',
  '"quoted"',
  'back\\slash',
  'both \\" at once',
  '\\',
  '"',
  'ünïcödé ✓ 💳',
  '\u2028 line separator',
  JSON.stringify({ id: 'evt_1', data: { amount: '10.00', note: 'say "hi"', path: 'C:\\x' } }),
];

test('strings, empty strings, NULL-looking strings and quotes read back exactly, through the fast form', async () => {
  const values = [...tricky, null, undefined];
  assert.notEqual(arrayLiteral(values), null, 'the common case takes the fast form');
  assert.deepEqual(await roundTrip('text', values), [...tricky, null, null]);
});

test('numbers into int and bigint arrays read back as numbers, nulls as NULL', async () => {
  const ints = [0, 1, -7, 2147483647, null];
  assert.notEqual(arrayLiteral(ints), null);
  assert.deepEqual(await roundTrip('int', ints), ints);
  const ms = [1796619199563, 0, null];
  assert.deepEqual(
    (await roundTrip('bigint', ms)).map((v) => (v === null ? null : Number(v))),
    ms,
  );
});

test('control characters and lone surrogates are left to node-postgres, and still read back exactly', async () => {
  const values = ['line\nbreak', 'tab\there', 'bell\u0007', 'plain'];
  assert.equal(arrayLiteral(values), null, 'JSON would write \\n, which an array literal reads as n');
  assert.deepEqual(await roundTrip('text', values), values);
  assert.equal(arrayLiteral(['lone \ud800 surrogate']), null);
});

test('what is not a string, a finite number or a null is left to node-postgres', () => {
  assert.equal(arrayLiteral([Number.NaN]), null, 'JSON would write NaN as null');
  assert.equal(arrayLiteral([Number.POSITIVE_INFINITY]), null);
  assert.equal(arrayLiteral([true]), null);
  assert.equal(arrayLiteral([['nested']]), null);
  assert.equal(arrayLiteral([{ a: 1 }]), null);
  assert.equal(arrayLiteral([Buffer.from('x')]), null);
});

test('the literal escapes quotes and backslashes alone', () => {
  assert.equal(arrayLiteral(['a', 'b"c', 'd\\e', null]), '{"a","b\\"c","d\\\\e",null}');
  assert.equal(arrayLiteral([]), '{}');
});

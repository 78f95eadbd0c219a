import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exceedsDepth, MAX_JSON_DEPTH } from './json-depth.js';

const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

test('depth is counted across objects and arrays, up to the limit inclusive', () => {
  assert.equal(exceedsDepth(nested(MAX_JSON_DEPTH)), false);
  assert.equal(exceedsDepth(nested(MAX_JSON_DEPTH + 1)), true);
  assert.equal(exceedsDepth(`${'{"a":'.repeat(70)}1${'}'.repeat(70)}`), true);
  assert.equal(exceedsDepth(nested(4000)), true);
});

test('brackets inside strings and escaped quotes do not count', () => {
  const inString = JSON.stringify({ a: '['.repeat(500), b: '\\"[[[[' });
  assert.equal(exceedsDepth(inString), false);
  assert.equal(exceedsDepth(JSON.stringify({ q: 'say \\"hi\\" [', list: [[[1]]] }), 4), false);
  assert.equal(exceedsDepth(JSON.stringify({ q: 'x\\" [', list: [[[1]]] }), 3), true);
});

test('siblings do not add up', () => {
  assert.equal(exceedsDepth(JSON.stringify(Array.from({ length: 1000 }, () => [[1]])), 3), false);
});

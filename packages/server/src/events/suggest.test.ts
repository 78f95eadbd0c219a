import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closest, editDistance } from './suggest.js';

test('edit distance counts insertions, deletions and substitutions', () => {
  assert.equal(editDistance('order.sucess', 'order.success'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('same', 'same'), 0);
});

test('closest names come nearest first, at most n', () => {
  const known = ['order.success', 'order.cancel', 'transaction.success', 'transaction.failed', 'shop.order_shipped'];
  assert.deepEqual(closest('order.sucess', known, 3).slice(0, 1), ['order.success']);
  assert.equal(closest('x', known, 3).length, 3);
  assert.deepEqual(closest('x', [], 3), []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idFloor, idHex, idTime, isId, newId } from './ids.js';

test('ids carry their prefix and a 26-character body', () => {
  const id = newId('evt');
  assert.match(id, /^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.ok(isId('evt', id));
  assert.ok(!isId('ep', id), 'an event id is not an endpoint id');
  assert.ok(!isId('evt', 'evt_short'));
});

test('ids sort in creation order, within one millisecond too', () => {
  const ms = Date.now();
  const ids = Array.from({ length: 1000 }, () => newId('del', ms));
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, 1000);
  const later = newId('del', ms + 1);
  assert.ok(later > ids[999]);
});

test('idFloor is below every id made at or after that time and above earlier ones', () => {
  const t = Date.now();
  const floor = idFloor('evt', t);
  assert.ok(newId('evt', t) > floor);
  assert.ok(newId('evt', t - 1) < floor);
});

test('idHex: the 128 bits of an id body as 32 hex digits', () => {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  for (let i = 0; i < 200; i++) {
    const id = newId('evt', Date.now() + i * 7919);
    let n = 0n;
    for (const c of id.slice(4)) n = n * 32n + BigInt(alphabet.indexOf(c));
    assert.equal(idHex(id), n.toString(16).padStart(32, '0'));
  }
  assert.equal(idHex('evt_7ZZZZZZZZZZZZZZZZZZZZZZZZZ'), 'f'.repeat(32));
  assert.equal(idHex('evt_00000000000000000000000001'), `${'0'.repeat(31)}1`);
});

test('idTime reads back the time an id (or a floor) was made for', () => {
  const t = Date.UTC(2026, 11, 1, 10, 0, 0, 123);
  assert.equal(idTime(newId('rsd', t)), t);
  assert.equal(idTime(idFloor('evt', t)), t);
  assert.equal(idTime(newId('ep', 0)), 0);
});

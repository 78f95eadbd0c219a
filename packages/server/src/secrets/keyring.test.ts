import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMasterKey, isSealed, Keyring, keyId, newMasterKey } from './keyring.js';

const key = () => decodeMasterKey(newMasterKey());

test('a sealed secret opens to what was sealed and does not contain it', () => {
  const ring = new Keyring(key());
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const sealed = ring.seal(secret, 'endpoint_secret');
  assert.ok(isSealed(sealed));
  assert.ok(!sealed.includes(secret) && !sealed.includes(secret.slice(6)));
  assert.ok(sealed.startsWith(`enc:v1:${ring.currentId}:`));
  assert.equal(ring.open(sealed, 'endpoint_secret'), secret);
  assert.notEqual(ring.seal(secret, 'endpoint_secret'), sealed, 'a fresh IV every time');
});

test('a ciphertext does not open for another purpose, under another key, or once tampered', () => {
  const ring = new Keyring(key());
  const sealed = ring.seal('value', 'header_value');
  assert.throws(() => ring.open(sealed, 'endpoint_secret'), /does not open/);
  assert.throws(() => new Keyring(key()).open(sealed, 'header_value'), /which this process does not hold/);
  const raw = Buffer.from(sealed.split(':')[3], 'base64');
  raw[raw.length - 20] ^= 1;
  const tampered = `${sealed.split(':').slice(0, 3).join(':')}:${raw.toString('base64')}`;
  assert.throws(() => ring.open(tampered, 'header_value'), /does not open/);
});

test('during a rotation the previous key opens and the current key seals', () => {
  const old = key();
  const sealedOld = new Keyring(old).seal('s', 'p');
  const next = key();
  const ring = new Keyring(next, [old]);
  assert.equal(ring.open(sealedOld, 'p'), 's');
  assert.equal(ring.needsReseal(sealedOld), true);
  assert.equal(ring.needsReseal(ring.seal('s', 'p')), false);
  assert.equal(ring.currentId, keyId(next));
});

test('plain values written before encryption are read as they are', () => {
  assert.equal(new Keyring(key()).open('whsec_plain', 'endpoint_secret'), 'whsec_plain');
});

test('master keys must be 32 bytes of base64', () => {
  assert.throws(() => decodeMasterKey('short'), /32 bytes/);
  assert.throws(() => decodeMasterKey('not base64 at all!'), /base64/);
  assert.equal(decodeMasterKey(newMasterKey()).length, 32);
});

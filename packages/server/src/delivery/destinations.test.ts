import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DestinationPolicy, normaliseAddress, parseCidr } from './destinations.js';
import { URL_CASES } from './destinations.cases.js';

test('the default policy refuses every non-public IP-literal URL form and passes public ones', () => {
  const policy = new DestinationPolicy();
  assert.ok(URL_CASES.length >= 60);
  const wrong = URL_CASES.filter(([url, allowed]) => policy.checkUrl(url).allowed !== allowed);
  assert.deepEqual(wrong, []);
});

test('a refusal names the range and why', () => {
  const verdict = new DestinationPolicy().checkUrl('http://[::ffff:a9fe:a9fe]/');
  assert.equal(verdict.allowed, false);
  assert.match((verdict as { reason: string }).reason, /169\.254\.169\.254 is in a refused range: link-local/);
});

test('allowed networks open a range, and IPv4-mapped forms follow their IPv4 address', () => {
  const policy = new DestinationPolicy(['127.0.0.0/8', '::1']);
  for (const url of ['http://127.0.0.1/', 'http://127.1/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/']) {
    assert.equal(policy.checkUrl(url).allowed, true, url);
  }
  for (const url of ['http://10.0.0.1/', 'http://169.254.169.254/', 'http://[::ffff:10.0.0.1]/', 'http://[fe80::1]/']) {
    assert.equal(policy.checkUrl(url).allowed, false, url);
  }
});

test('connect-time checks judge resolved addresses the same way', () => {
  const policy = new DestinationPolicy();
  assert.equal(policy.check('127.0.0.1').allowed, false);
  assert.equal(policy.check('::ffff:127.0.0.1').allowed, false);
  assert.equal(policy.check('fe80::1%eth0').allowed, false);
  assert.equal(policy.check('8.8.8.8').allowed, true);
  assert.equal(policy.check('not an address').allowed, false);
});

test('normalising and parsing', () => {
  assert.equal(normaliseAddress('[::FFFF:7F00:1]'), '127.0.0.1');
  assert.equal(normaliseAddress('0:0:0:0:0:ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(normaliseAddress('2001:db8::1'), '2001:db8::1');
  assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' });
  assert.deepEqual(parseCidr('::1'), { address: '::1', prefix: 128, family: 'ipv6' });
  assert.throws(() => parseCidr('10.0.0.0/33'), /prefix length/);
  assert.throws(() => parseCidr('example.com/8'), /not an IP address/);
});

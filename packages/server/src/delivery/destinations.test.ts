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

test('verdicts are kept per URL: asked again, in any order and past the bound of what is kept, each URL gets its own verdict', () => {
  const policy = new DestinationPolicy(['127.0.0.0/8']);
  const fresh = (url: string) => new DestinationPolicy(['127.0.0.0/8']).checkUrl(url);
  const urls = URL_CASES.map(([url]) => url);
  for (let round = 0; round < 3; round++) {
    const order = round === 1 ? [...urls].reverse() : urls;
    for (const url of order) assert.deepEqual(policy.checkUrl(url), fresh(url), `${url}, round ${round}`);
  }
  // More URLs than are kept: the verdicts stay right after the cache starts again.
  for (let i = 0; i < 10_050; i++) {
    const url = i % 2 ? `http://127.0.0.1:${1000 + (i % 60_000)}/p${i}` : `http://10.0.${i % 250}.1/p${i}`;
    assert.equal(policy.checkUrl(url).allowed, i % 2 === 1, url);
  }
  for (const url of urls) assert.deepEqual(policy.checkUrl(url), fresh(url), url);
  // A URL that cannot be parsed is refused every time, never kept as a verdict.
  assert.throws(() => policy.checkUrl('not a url'));
  assert.throws(() => policy.checkUrl('not a url'));
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

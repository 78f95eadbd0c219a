import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DestinationPolicy, normaliseAddress, parseCidr } from './destinations.js';

/**
 * URL forms an attacker would try, each with the verdict the default policy must give when the URL is
 * registered. Host names are never resolved here: they pass registration and are checked on connect.
 */
export const URL_CASES: ReadonlyArray<[url: string, allowed: boolean]> = [
  // loopback in every IPv4 spelling the URL parser accepts
  ['http://127.0.0.1/', false],
  ['http://127.0.0.1:8080/hook', false],
  ['http://127.1/', false],
  ['http://127.0.1/', false],
  ['http://2130706433/', false],
  ['http://0x7f000001/', false],
  ['http://0x7f.0x0.0x0.0x1/', false],
  ['http://0177.0.0.1/', false],
  ['http://0177.0000.0000.0001/', false],
  ['http://017700000001/', false],
  ['http://0x7f.1/', false],
  ['http://%31%32%37.0.0.1/', false],
  ['http://１２７.０.０.１/', false],
  ['http://127.255.255.254/', false],
  // unspecified
  ['http://0/', false],
  ['http://0.0.0.0/', false],
  ['http://[::]/', false],
  // private, CGNAT, link-local, metadata
  ['http://10.0.0.1/', false],
  ['http://10.255.255.255/', false],
  ['http://172.16.0.1/', false],
  ['http://172.31.255.255/', false],
  ['http://192.168.1.1/', false],
  ['http://100.64.0.1/', false],
  ['http://100.127.255.255/', false],
  ['http://169.254.169.254/latest/meta-data/', false],
  ['http://2852039166/', false],
  // special-purpose IPv4
  ['http://192.0.0.1/', false],
  ['http://192.0.2.10/', false],
  ['http://198.18.0.1/', false],
  ['http://198.19.255.255/', false],
  ['http://198.51.100.7/', false],
  ['http://203.0.113.9/', false],
  ['http://224.0.0.1/', false],
  ['http://239.255.255.250/', false],
  ['http://240.0.0.1/', false],
  ['http://255.255.255.255/', false],
  // IPv6 loopback and forms that embed an IPv4 address
  ['http://[::1]/', false],
  ['http://[0:0:0:0:0:0:0:1]/', false],
  ['http://[::ffff:127.0.0.1]/', false],
  ['http://[::ffff:7f00:1]/', false],
  ['http://[0:0:0:0:0:ffff:127.0.0.1]/', false],
  ['http://[::ffff:a9fe:a9fe]/', false],
  ['http://[::ffff:10.0.0.1]/', false],
  ['http://[::127.0.0.1]/', false],
  ['http://[::8.8.8.8]/', false],
  ['http://[64:ff9b::7f00:1]/', false],
  ['http://[64:ff9b::808:808]/', false],
  ['http://[64:ff9b:1::1]/', false],
  ['http://[2002:7f00:1::]/', false],
  ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', false],
  // IPv6 private, link-local, site-local, multicast, documentation
  ['http://[fc00::1]/', false],
  ['http://[fd12:3456:789a::1]/', false],
  ['http://[fe80::1]/', false],
  ['http://[fe90::1]/', false],
  ['http://[febf::1]/', false],
  ['http://[fec0::1]/', false],
  ['http://[feff::1]/', false],
  ['http://[ff02::1]/', false],
  ['http://[2001:db8::1]/', false],
  ['http://[100::1]/', false],
  // public addresses pass
  ['http://8.8.8.8/', true],
  ['https://1.1.1.1/hook', true],
  ['http://93.184.215.14:8443/', true],
  ['http://[2606:4700:4700::1111]/', true],
  ['http://[2a00:1450:4001:82a::200e]/', true],
  ['http://[::ffff:8.8.8.8]/', true],
  ['http://172.32.0.1/', true],
  ['http://100.128.0.1/', true],
  ['http://192.169.0.1/', true],
  ['http://198.20.0.1/', true],
  // host names pass registration (checked after DNS, on connect)
  ['http://localhost/', true],
  ['http://localhost./', true],
  ['http://127.0.0.1.nip.io/', true],
  ['https://hooks.example.com/payhook', true],
];

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

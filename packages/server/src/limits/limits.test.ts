/**
 * The limits' arithmetic, with the clock passed in: a token bucket's burst, refill and wait; the
 * auth-failure window per client, its /64 grouping of IPv6, and both structures' memory bounds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthFailures, clientKey } from './auth-failures.js';
import { retryAfterSeconds } from './errors.js';
import { TokenBuckets } from './token-buckets.js';

test('token bucket: a full burst, then one token per 1/rate seconds, and the wait until the next', () => {
  const b = new TokenBuckets(2, 3);
  const t0 = 1_000_000;
  assert.deepEqual([b.take('k', t0), b.take('k', t0), b.take('k', t0)], [0, 0, 0], 'the burst');
  assert.equal(b.take('k', t0), 500, 'empty: a token in 1/2 s');
  assert.equal(b.take('k', t0 + 250), 250);
  assert.equal(b.take('k', t0 + 500), 0, 'refilled one');
  assert.equal(b.take('k', t0 + 500), 500);
  assert.equal(b.take('other', t0 + 500), 0, 'each key has its own bucket');
  assert.deepEqual([b.take('k', t0 + 60_000), b.take('k', t0 + 60_000)], [0, 0], 'refilled');
  assert.equal(b.take('k', t0 + 1), 0, 'a clock that steps back takes no token away…');
  assert.equal(b.take('k', t0 + 2), 500, '…and adds none');
  assert.equal(b.take('k', t0 + 60_500), 0);
  const full = new TokenBuckets(2, 3);
  assert.deepEqual(
    [0, 0, 0, 500],
    [
      full.take('k', t0 + 60_000),
      full.take('k', t0 + 60_000),
      full.take('k', t0 + 60_000),
      full.take('k', t0 + 60_000),
    ],
  );
  assert.deepEqual(
    [0, 0, 0, 500],
    [
      full.take('k', t0 + 600_000),
      full.take('k', t0 + 600_000),
      full.take('k', t0 + 600_000),
      full.take('k', t0 + 600_000),
    ],
    'refills up to the burst, no further',
  );
});

test('token bucket: memory stays bounded; full buckets go first', () => {
  const b = new TokenBuckets(1, 2, 100);
  const t0 = 5_000_000;
  b.take('busy', t0);
  b.take('busy', t0);
  for (let i = 0; i < 1000; i++) b.take(`k${i}`, t0 + 1);
  assert.ok(b.size <= 100, `size ${b.size}`);
  for (let i = 0; i < 1000; i++) b.take(`late${i}`, t0 + 1_000_000);
  assert.ok(b.size <= 100);
  assert.throws(() => new TokenBuckets(0, 1));
  assert.throws(() => new TokenBuckets(1, 0));
});

test('auth failures: refused after the limit within the window, until the window ends', () => {
  const f = new AuthFailures({ limit: 3, windowMs: 60_000 });
  const t0 = 1_000_000;
  for (let i = 0; i < 3; i++) {
    assert.equal(f.blockedFor('192.0.2.1', t0 + i), 0);
    f.fail('192.0.2.1', t0 + i);
  }
  assert.equal(
    f.blockedFor('192.0.2.1', t0 + 10),
    59_990,
    'refused until the window that began with the first failure ends',
  );
  assert.equal(f.blockedFor('192.0.2.2', t0 + 10), 0, 'another client is not');
  assert.equal(f.blockedFor('192.0.2.1', t0 + 60_000), 0, 'free again when it ends');
  f.fail('192.0.2.1', t0 + 60_001);
  assert.equal(f.blockedFor('192.0.2.1', t0 + 60_002), 0, 'and counting from zero');
});

test('auth failures: failures spread wider than the window never add up', () => {
  const f = new AuthFailures({ limit: 3, windowMs: 1000 });
  for (let i = 0; i < 10; i++) f.fail('198.51.100.7', i * 600);
  assert.equal(f.blockedFor('198.51.100.7', 6000), 0);
});

test('auth failures: memory stays bounded, whatever the number of addresses', () => {
  const f = new AuthFailures({ limit: 2, windowMs: 60_000, maxClients: 50 });
  for (let i = 0; i < 5000; i++) f.fail(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 1000 + i);
  assert.ok(f.size <= 50, `size ${f.size}`);
  f.fail('203.0.113.9', 9000);
  f.fail('203.0.113.9', 9001);
  assert.ok(f.blockedFor('203.0.113.9', 9002) > 0, 'the newest client is still tracked');
});

test('auth failures: IPv6 counts by /64, IPv4-mapped IPv6 as IPv4', () => {
  const cases: [string, string][] = [
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::ffff:c000:201', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::ffff', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:aaaa::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['', ''],
  ];
  for (const [address, key] of cases) assert.equal(clientKey(address), key, address);
  const f = new AuthFailures({ limit: 2, windowMs: 60_000 });
  f.fail('2001:db8:1:2::a', 0);
  f.fail('2001:db8:1:2::b', 1);
  assert.ok(f.blockedFor('2001:db8:1:2:ffff::c', 2) > 0, 'the same /64');
  assert.equal(f.blockedFor('2001:db8:1:3::a', 2), 0, 'another /64');
});

test('Retry-After: whole seconds, at least one', () => {
  assert.deepEqual(
    [0.2, 999, 1000, 1001, 59_001].map((ms) => retryAfterSeconds(ms)),
    [1, 1, 1, 2, 60],
  );
});

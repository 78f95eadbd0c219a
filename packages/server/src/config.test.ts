import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig, parseDuration } from './config.js';

test('defaults: the documented retry schedule, 15 s timeout, SQLite in ./data', () => {
  const c = loadConfig({});
  assert.deepEqual(c.retrySchedule, [5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 504e5, 72e6, 864e5]);
  assert.equal(c.timeoutMs, 15_000);
  assert.equal(c.dbPath, './data/payhook.db');
  assert.equal(c.databaseUrl, null);
  assert.equal(c.role, 'all');
});

test('settings come from PAYHOOK_* and overrides win', () => {
  const c = loadConfig(
    { PAYHOOK_RETRY_SCHEDULE: '100ms,1s', PAYHOOK_TIMEOUT: '2s', PAYHOOK_PORT: '9000' },
    { port: 0 },
  );
  assert.deepEqual(c.retrySchedule, [100, 1000]);
  assert.equal(c.timeoutMs, 2000);
  assert.equal(c.port, 0);
});

test('invalid values fail at start, naming the variable', () => {
  assert.throws(
    () => loadConfig({ PAYHOOK_TIMEOUT: '45s' }),
    (e: Error) => e instanceof ConfigError && /PAYHOOK_TIMEOUT/.test(e.message),
  );
  assert.throws(() => loadConfig({ PAYHOOK_PORT: 'x' }), /PAYHOOK_PORT/);
  assert.throws(() => loadConfig({ PAYHOOK_ROLE: 'both' }), /PAYHOOK_ROLE/);
  assert.throws(() => loadConfig({ PAYHOOK_RETRY_SCHEDULE: '5s,soon' }), /PAYHOOK_RETRY_SCHEDULE/);
  assert.throws(() => parseDuration('-1s', 'X'), /X/);
});

test('keys and limits: the documented defaults, each settable, bad values refused', () => {
  const d = loadConfig({});
  assert.deepEqual(
    [
      d.authCacheTtlMs,
      d.authFailureLimit,
      d.authFailureWindowMs,
      d.maxEndpointsPerMerchant,
      d.eventRatePerKey,
      d.eventBurstPerKey,
    ],
    [10_000, 20, 60_000, 100, 10_000, 20_000],
  );
  const c = loadConfig({
    PAYHOOK_AUTH_CACHE_TTL: '0',
    PAYHOOK_AUTH_FAILURE_LIMIT: '3',
    PAYHOOK_AUTH_FAILURE_WINDOW: '2s',
    PAYHOOK_MAX_ENDPOINTS_PER_MERCHANT: '5',
    PAYHOOK_EVENT_RATE_PER_KEY: '7',
    PAYHOOK_EVENT_BURST_PER_KEY: '9',
  });
  assert.deepEqual(
    [
      c.authCacheTtlMs,
      c.authFailureLimit,
      c.authFailureWindowMs,
      c.maxEndpointsPerMerchant,
      c.eventRatePerKey,
      c.eventBurstPerKey,
    ],
    [0, 3, 2000, 5, 7, 9],
  );
  assert.throws(() => loadConfig({ PAYHOOK_AUTH_CACHE_TTL: '1h' }), /PAYHOOK_AUTH_CACHE_TTL/);
  assert.throws(() => loadConfig({ PAYHOOK_AUTH_FAILURE_LIMIT: '0' }), /PAYHOOK_AUTH_FAILURE_LIMIT/);
  assert.throws(() => loadConfig({ PAYHOOK_AUTH_FAILURE_WINDOW: '10ms' }), /PAYHOOK_AUTH_FAILURE_WINDOW/);
  assert.throws(() => loadConfig({ PAYHOOK_MAX_ENDPOINTS_PER_MERCHANT: '-1' }), /PAYHOOK_MAX_ENDPOINTS_PER_MERCHANT/);
  assert.throws(() => loadConfig({ PAYHOOK_EVENT_RATE_PER_KEY: '1.5' }), /PAYHOOK_EVENT_RATE_PER_KEY/);
  assert.throws(() => loadConfig({ PAYHOOK_EVENT_BURST_PER_KEY: 'lots' }), /PAYHOOK_EVENT_BURST_PER_KEY/);
});

test('destinations: nothing allowed by default, PAYHOOK_ALLOW_NETWORKS parsed and checked, the old switch refused', () => {
  assert.deepEqual(loadConfig({}).allowNetworks, []);
  assert.deepEqual(loadConfig({ PAYHOOK_ALLOW_NETWORKS: ' 127.0.0.0/8, ::1/128 ,10.1.2.3' }).allowNetworks, [
    '127.0.0.0/8',
    '::1/128',
    '10.1.2.3',
  ]);
  assert.throws(
    () => loadConfig({ PAYHOOK_ALLOW_NETWORKS: '10.0.0.0/33' }),
    (e: Error) => e instanceof ConfigError && /PAYHOOK_ALLOW_NETWORKS/.test(e.message),
  );
  assert.throws(() => loadConfig({ PAYHOOK_ALLOW_NETWORKS: 'intranet.local' }), ConfigError);
  for (const value of ['true', 'false', '']) {
    assert.throws(
      () => loadConfig({ PAYHOOK_BLOCK_PRIVATE_NETWORKS: value }),
      (e: Error) => e instanceof ConfigError && /replaced/.test(e.message) && /PAYHOOK_ALLOW_NETWORKS/.test(e.message),
      value,
    );
  }
});

test('the lease must outlast the longest attempt (30 s) plus a margin', () => {
  assert.throws(
    () => loadConfig({ PAYHOOK_LEASE: '30s' }),
    (e: Error) => e instanceof ConfigError && /PAYHOOK_LEASE must be at least 35s/.test(e.message),
  );
  assert.throws(() => loadConfig({ PAYHOOK_LEASE: '34999ms' }), ConfigError);
  assert.equal(loadConfig({ PAYHOOK_LEASE: '35s' }).leaseMs, 35_000);
});

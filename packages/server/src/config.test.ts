import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig, parseDuration } from './config.js';

test('defaults: the documented retry schedule, 15 s timeout, SQLite in ./data', () => {
  const c = loadConfig({});
  assert.deepEqual(c.delivery.retrySchedule, [5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 504e5, 72e6, 864e5]);
  assert.equal(c.delivery.timeoutMs, 15_000);
  assert.equal(c.store.dbPath, './data/payhook.db');
  assert.equal(c.store.databaseUrl, null);
  assert.equal(c.server.role, 'all');
});

test('settings come from PAYHOOK_* and overrides win', () => {
  const c = loadConfig(
    { PAYHOOK_RETRY_SCHEDULE: '100ms,1s', PAYHOOK_TIMEOUT: '2s', PAYHOOK_PORT: '9000' },
    { server: { port: 0 } },
  );
  assert.deepEqual(c.delivery.retrySchedule, [100, 1000]);
  assert.equal(c.delivery.timeoutMs, 2000);
  assert.equal(c.server.port, 0);
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
      d.limits.authCacheTtlMs,
      d.limits.authFailureLimit,
      d.limits.authFailureWindowMs,
      d.limits.maxEndpointsPerMerchant,
      d.limits.eventRatePerKey,
      d.limits.eventBurstPerKey,
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
      c.limits.authCacheTtlMs,
      c.limits.authFailureLimit,
      c.limits.authFailureWindowMs,
      c.limits.maxEndpointsPerMerchant,
      c.limits.eventRatePerKey,
      c.limits.eventBurstPerKey,
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
  assert.deepEqual(loadConfig({}).delivery.allowNetworks, []);
  assert.deepEqual(loadConfig({ PAYHOOK_ALLOW_NETWORKS: ' 127.0.0.0/8, ::1/128 ,10.1.2.3' }).delivery.allowNetworks, [
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
  assert.equal(loadConfig({ PAYHOOK_LEASE: '35s' }).delivery.leaseMs, 35_000);
});

test('overrides are checked like the environment, after the merge, and name the setting', () => {
  assert.throws(
    () => loadConfig({}, { delivery: { leaseMs: 1000 } }),
    (e: Error) =>
      e instanceof ConfigError && /delivery\.leaseMs \(PAYHOOK_LEASE\) must be at least 35s/.test(e.message),
  );
  assert.throws(() => loadConfig({}, { server: { port: 70_000 } }), /server\.port \(PAYHOOK_PORT\)/);
  assert.throws(() => loadConfig({}, { server: { role: 'both' as 'all' } }), /server\.role/);
  // An override repairs a bad variable: the environment's text is never checked on its own.
  assert.equal(loadConfig({ PAYHOOK_TIMEOUT: '45s' }, { delivery: { timeoutMs: 2000 } }).delivery.timeoutMs, 2000);
  // A setting that does not exist is a mistake, not something to ignore.
  assert.throws(() => loadConfig({}, { delivery: { retries: 3 } as never }), /unknown setting "delivery\.retries"/);
  assert.throws(() => loadConfig({}, { dispatcher: {} } as never), /unknown configuration section "dispatcher"/);
});

test('the configuration is nested by part: server, store, postgres, delivery, limits, dashboard, listen', () => {
  const c = loadConfig({ PAYHOOK_DATABASE_SCHEMA: 'tenant_a', PAYHOOK_LISTEN_HEARTBEAT: '2s' });
  assert.deepEqual(Object.keys(c), ['server', 'store', 'postgres', 'delivery', 'limits', 'dashboard', 'listen']);
  assert.equal(c.postgres.schema, 'tenant_a');
  assert.equal(c.listen.heartbeatMs, 2000);
  assert.throws(() => loadConfig({ PAYHOOK_DATABASE_SCHEMA: 'Robert"; DROP' }), /PAYHOOK_DATABASE_SCHEMA/);
  assert.throws(() => loadConfig({ PAYHOOK_DATABASE_PREPARED_STATEMENTS: 'maybe' }), /true or false/);
});

test('PAYHOOK_METRICS_PORT: unset by default, a port when given, anything else refused', () => {
  assert.equal(loadConfig({}).server.metricsPort, null);
  assert.equal(loadConfig({ PAYHOOK_METRICS_PORT: '' }).server.metricsPort, null);
  assert.equal(loadConfig({ PAYHOOK_METRICS_PORT: '9464' }).server.metricsPort, 9464);
  assert.equal(loadConfig({}, { server: { metricsPort: 0 } }).server.metricsPort, 0);
  assert.throws(() => loadConfig({ PAYHOOK_METRICS_PORT: 'metrics' }), /PAYHOOK_METRICS_PORT/);
  assert.throws(() => loadConfig({ PAYHOOK_METRICS_PORT: '70000' }), /PAYHOOK_METRICS_PORT/);
  assert.throws(() => loadConfig({}, { server: { metricsPort: 1.5 } }), /metricsPort|PAYHOOK_METRICS_PORT/);
});

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
  const c = loadConfig({ PAYHOOK_RETRY_SCHEDULE: '100ms,1s', PAYHOOK_TIMEOUT: '2s', PAYHOOK_PORT: '9000' }, { port: 0 });
  assert.deepEqual(c.retrySchedule, [100, 1000]);
  assert.equal(c.timeoutMs, 2000);
  assert.equal(c.port, 0);
});

test('invalid values fail at start, naming the variable', () => {
  assert.throws(() => loadConfig({ PAYHOOK_TIMEOUT: '45s' }), (e: Error) => e instanceof ConfigError && /PAYHOOK_TIMEOUT/.test(e.message));
  assert.throws(() => loadConfig({ PAYHOOK_PORT: 'x' }), /PAYHOOK_PORT/);
  assert.throws(() => loadConfig({ PAYHOOK_ROLE: 'both' }), /PAYHOOK_ROLE/);
  assert.throws(() => loadConfig({ PAYHOOK_RETRY_SCHEDULE: '5s,soon' }), /PAYHOOK_RETRY_SCHEDULE/);
  assert.throws(() => parseDuration('-1s', 'X'), /X/);
});

/** Crash safety on the embedded store: the child and the test share one SQLite file. */
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { runCrashSuite } from './suites/crash.js';

runCrashSuite({
  async open(name, dir) {
    const path = join(dir, `${name}.db`);
    return { store: new SqliteStore({ path }), env: { PAYHOOK_DB: path } };
  },
  async cleanup() {},
});

/** The delivery controls suite on a SQLite file, one dispatcher (one process owns the file). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { runControlsSuite } from './suites/controls.js';

const dir = mkdtempSync(join(tmpdir(), 'payhook-controls-'));
runControlsSuite({
  store: async () => new SqliteStore({ path: join(dir, 'payhook.db') }),
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});

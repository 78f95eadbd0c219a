/** The Store contract on SQLite: every case on its own database file in a temp dir. */
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreContract } from '../../../test/suites/store-contract.js';
import { SqliteStore } from './store.js';

const dir = mkdtempSync(join(tmpdir(), 'payhook-sqlite-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runStoreContract({
  name: 'sqlite',
  newStore: async () => new SqliteStore({ path: join(dir, `store-${n++}.db`) }),
});

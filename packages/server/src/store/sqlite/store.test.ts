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
  claimsAtAppend: true,
  secrets: {
    raw: async (store) => {
      const { db } = store as SqliteStore;
      return {
        secrets: (db.prepare('SELECT secret FROM endpoint_secrets ORDER BY seq').all() as { secret: string }[]).map(
          (r) => r.secret,
        ),
        headers: (db.prepare('SELECT headers FROM endpoints ORDER BY id').all() as { headers: string }[]).map(
          (r) => r.headers,
        ),
      };
    },
    writePlain: async (store, endpointId, secret, headers) => {
      const { db } = store as SqliteStore;
      db.prepare('UPDATE endpoint_secrets SET secret = ? WHERE endpoint_id = ?').run(secret, endpointId);
      db.prepare('UPDATE endpoints SET headers = ? WHERE id = ?').run(JSON.stringify(headers), endpointId);
    },
    reopen: async (store, keyring) => new SqliteStore({ path: (store as SqliteStore).db.name, keyring }),
  },
});

/**
 * The Store contract on PostgreSQL: one schema and one store for each run, emptied before each case
 * and dropped at the end. Sharing the store keeps its pool's connections warm between cases: with a new
 * pool per case, starting server backends took half of the file's time (9 s → 5 s).
 *
 * It runs twice: as payhook runs by default, with named prepared statements (the claim in a transaction
 * of its own that keeps one generic plan: db.ts), and as it runs behind pgbouncer older than 1.21 in
 * transaction mode, with none (`PAYHOOK_DATABASE_PREPARED_STATEMENTS=false`: every statement unnamed,
 * nothing kept on a connection).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runStoreContract } from '../../../test/suites/store-contract.js';
import type { PostgresStore } from './store.js';
import { admin, TestSchemas } from '../../../test/helpers/test-db.js';

for (const preparedStatements of [true, false]) runContract(preparedStatements);

function runContract(preparedStatements: boolean): void {
  const schemas = new TestSchemas();
  let shared: PostgresStore | undefined;
  after(async () => {
    await shared?.close();
    await schemas.dropAll();
  });

  runStoreContract({
    name: preparedStatements ? 'postgres' : 'postgres without prepared statements',
    newStore: async () => {
      const schema = await schemas.emptyShared();
      shared ??= schemas.store({ schema, poolSize: 8, preparedStatements });
      // The contract closes each case's store; the shared one stays open until the file ends.
      return new Proxy(shared, {
        get: (target, key) => (key === 'close' ? async () => {} : Reflect.get(target, key, target)),
      });
    },
    claimsAtAppend: true,
    secrets: {
      raw: async (store) => {
        const { schema } = store as PostgresStore;
        return {
          secrets: (
            await admin<{ secret: string }>(`SELECT secret FROM "${schema}".endpoint_secrets ORDER BY seq`)
          ).map((r) => r.secret),
          headers: (
            await admin<{ headers: string }>(`SELECT headers::text AS headers FROM "${schema}".endpoints ORDER BY id`)
          ).map((r) => r.headers),
        };
      },
      writePlain: async (store, endpointId, secret, headers) => {
        const { schema } = store as PostgresStore;
        await admin(`UPDATE "${schema}".endpoint_secrets SET secret = $1 WHERE endpoint_id = $2`, [secret, endpointId]);
        await admin(`UPDATE "${schema}".endpoints SET headers = $1::jsonb WHERE id = $2`, [
          JSON.stringify(headers),
          endpointId,
        ]);
      },
      reopen: async (store, keyring) =>
        schemas.store({ schema: (store as PostgresStore).schema, poolSize: 2, keyring }),
    },
  });

  if (!preparedStatements)
    test('without prepared statements, the contract left no statement prepared on a connection', async () => {
      assert.ok(shared, 'the contract ran on the shared store');
      const { rows } = await shared.db.pool.query('SELECT name FROM pg_prepared_statements');
      assert.deepEqual(rows, []);
    });
}

/**
 * `npm run schema:dump`: migrates a fresh SQLite file and a fresh PostgreSQL schema (the local server,
 * or PAYHOOK_TEST_DATABASE_URL) and writes what they hold to packages/server/schema/<dialect>.sql.
 * Run it after adding a migration and commit the result with it.
 */
import { writeFileSync } from 'node:fs';
import { DIALECTS, dump, dumpPath } from '../test/helpers/schema-dump.js';

for (const dialect of DIALECTS) {
  writeFileSync(dumpPath(dialect), await dump(dialect));
  console.log(`wrote ${dumpPath(dialect)}`);
}

/** Claims at append on PostgreSQL (one append statement, migration 0016): a fresh schema, dropped afterwards. */
import { TestSchemas } from './helpers/test-db.js';
import { runClaimsAtAppendSuite } from './suites/claims-at-append.js';

const schemas = new TestSchemas();
runClaimsAtAppendSuite(
  async () => schemas.store(),
  () => schemas.dropAll(),
);

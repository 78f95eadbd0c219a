/** The Store contract on PostgreSQL: one schema for the file, emptied before each case, dropped at the end. */
import { after } from 'node:test';
import { runStoreContract } from '../contract.js';
import { TestSchemas } from './test-db.js';

const schemas = new TestSchemas();
after(() => schemas.dropAll());

runStoreContract({
  name: 'postgres',
  newStore: () => schemas.reused({ poolSize: 8 }),
});

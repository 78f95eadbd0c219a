/**
 * The delivery controls suite on PostgreSQL with two dispatchers on one schema (two stores, two pools):
 * the rate limit and the circuit are shared through the database.
 */
import { randomSchema, TestSchemas } from './helpers/test-db.js';
import { runControlsSuite } from './suites/controls.js';

const schemas = new TestSchemas();
const schema = randomSchema();
runControlsSuite({
  store: async () => schemas.store({ schema }),
  secondStore: async () => schemas.store({ schema }),
  cleanup: () => schemas.dropAll(),
});

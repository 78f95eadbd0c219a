/** Ordered delivery end to end on PostgreSQL, with a second dispatcher on a store of its own. */
import { randomSchema, TestSchemas } from './helpers/test-db.js';
import { runOrderingSuite } from './suites/ordering.js';

const schemas = new TestSchemas();
const schema = randomSchema();
runOrderingSuite({
  newStore: async () => schemas.store({ schema }),
  secondStore: async () => {
    const s = schemas.store({ schema });
    await s.migrate();
    return s;
  },
  cleanup: () => schemas.dropAll(),
});

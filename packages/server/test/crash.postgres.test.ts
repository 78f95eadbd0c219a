/** Crash safety on PostgreSQL: the child dispatcher and the test share one fresh schema. */
import { randomSchema, TestSchemas, TEST_DATABASE_URL, TEST_MASTER_KEY } from './helpers/test-db.js';
import { runCrashSuite } from './suites/crash.js';

const schemas = new TestSchemas();
runCrashSuite({
  async open() {
    const schema = randomSchema();
    return {
      store: schemas.store({ schema }),
      env: {
        PAYHOOK_DATABASE_URL: TEST_DATABASE_URL,
        PAYHOOK_DATABASE_SCHEMA: schema,
        PAYHOOK_MASTER_KEY: TEST_MASTER_KEY,
      },
    };
  },
  cleanup: () => schemas.dropAll(),
});

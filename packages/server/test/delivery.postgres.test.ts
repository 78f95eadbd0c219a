/** The delivery suite on PostgreSQL: a fresh schema on the local server, dropped afterwards. */
import { TestSchemas } from './helpers/test-db.js';
import { runDeliverySuite } from './suites/delivery.js';

const schemas = new TestSchemas();
runDeliverySuite(
  async () => schemas.store(),
  () => schemas.dropAll(),
);

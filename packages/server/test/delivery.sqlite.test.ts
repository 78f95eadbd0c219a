/** The delivery suite on the embedded store: a SQLite file in a temp folder. */
import { runDeliverySuite } from './suites/delivery.js';

runDeliverySuite(async () => undefined);

/** Claims at append on the embedded store: a SQLite file in a temp folder. */
import { runClaimsAtAppendSuite } from './suites/claims-at-append.js';

runClaimsAtAppendSuite(async () => undefined);

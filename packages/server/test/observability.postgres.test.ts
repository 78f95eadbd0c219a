/** The observability suite on PostgreSQL: each payhook on a fresh schema of the local server (api-harness.ts). */
import { runObservabilitySuite } from './suites/observability.js';

process.env.PAYHOOK_TEST_BACKEND = 'postgres';
runObservabilitySuite();

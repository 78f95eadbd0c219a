/**
 * The API's end-to-end suites again, on PostgreSQL: the same files, with the harness putting each
 * payhook on a fresh schema of the local server (PAYHOOK_TEST_BACKEND=postgres, see api-harness.ts).
 * The validation, OpenAPI and CLI files are left to the SQLite run: they test the HTTP layer, which
 * does not change with the store.
 */
process.env.PAYHOOK_TEST_BACKEND = 'postgres';
await import('./api-tenancy.test.js');
await import('./api-modes.test.js');
await import('./api-acquirer.test.js');
await import('./api-events.test.js');
await import('./api-deliveries.test.js');
await import('./api-replays.test.js');
await import('./api-ordering-payments.test.js');
await import('./api-payments.test.js');
await import('./api-refunds.test.js');
await import('./api-keys.test.js');
await import('./api-limits.test.js');
await import('./api-destinations.test.js');
await import('./api-event-types.test.js');
await import('./api-versions.test.js');
await import('./api-fuzz.test.js');
await import('./listen.test.js');

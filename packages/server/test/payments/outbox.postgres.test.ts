import { runOutboxSuite } from './suites/outbox.js';

runOutboxSuite('postgres');

/** Ordered delivery end to end on the embedded store. */
import { runOrderingSuite } from './suites/ordering.js';

runOrderingSuite({ newStore: async () => undefined });

import { runRefundSuite } from './suites/refunds.js';

runRefundSuite('sqlite');

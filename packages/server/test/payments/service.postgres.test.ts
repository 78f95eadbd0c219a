import { runPaymentServiceSuite } from './suites/service.js';

runPaymentServiceSuite('postgres');

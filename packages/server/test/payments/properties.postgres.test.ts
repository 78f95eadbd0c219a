import { runPaymentPropertiesSuite } from './suites/properties.js';

runPaymentPropertiesSuite('postgres');

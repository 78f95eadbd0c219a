/**
 * Bad input specific to deliveries (list filters); the generic cases of these routes are in
 * api-validation.test.ts.
 */
import { badInputSuite, type Case } from './api-validation-suite.js';

const specific: Case[] = [
  // deliveries
  {
    name: 'unknown status',
    method: 'GET',
    path: '/v1/deliveries?status=done',
    who: 'A',
    status: 400,
    code: 'validation_failed',
    field: 'status',
  },
  {
    name: 'endpoint_id of another kind',
    method: 'GET',
    path: '/v1/deliveries?endpoint_id={evt}',
    who: 'A',
    status: 400,
    code: 'invalid_id',
    field: 'endpoint_id',
  },
  {
    name: 'event_id malformed',
    method: 'GET',
    path: '/v1/deliveries?event_id=evt_x',
    who: 'A',
    status: 400,
    code: 'invalid_id',
    field: 'event_id',
  },
];

badInputSuite(specific);

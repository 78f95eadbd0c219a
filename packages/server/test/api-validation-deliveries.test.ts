/**
 * Bad input specific to deliveries (list filters, the counts' window); the generic cases of these routes are in
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
  // counts
  {
    name: 'counts since not a time',
    method: 'GET',
    path: '/v1/deliveries/counts?since=yesterday',
    who: 'A',
    status: 400,
    code: 'validation_failed',
    field: 'since',
  },
  {
    name: 'counts since more than 7 days ago',
    method: 'GET',
    path: '/v1/deliveries/counts?since=2026-01-01T00:00:00Z',
    who: 'A',
    status: 400,
    code: 'validation_failed',
    field: 'since',
  },
];

badInputSuite(specific);

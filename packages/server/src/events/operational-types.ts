/**
 * The catalogue entries of payhook's operational events (endpoints/operational.ts emits them): core
 * types, published at GET /v1/event-types beside the modules' and reserved like them (a merchant cannot
 * post one). Delivered only to endpoints that name them (store/fanout.ts).
 */
import type { EventTypeDoc } from '../modules.js';

const time = { type: ['string', 'null'], format: 'date-time' };
const endpointId = { type: 'string', pattern: '^ep_', description: 'The endpoint it is about.' };

export const OPERATIONAL_EVENT_TYPES: EventTypeDoc[] = [
  {
    type: 'endpoint.disabled',
    description:
      'An endpoint was disabled: `reason` is `gone` (it answered 410), `failing` (no success for PAYHOOK_DISABLE_AFTER) or `merchant` (by hand). Its deliveries wait until it is enabled.',
    schema: {
      type: 'object',
      required: ['endpoint_id', 'reason', 'failing_since'],
      properties: {
        endpoint_id: endpointId,
        reason: { type: 'string', enum: ['gone', 'failing', 'merchant'] },
        failing_since: time,
      },
    },
  },
  {
    type: 'endpoint.enabled',
    description: 'An endpoint was enabled again (PATCH {"disabled": false}); what waited for it is sent now.',
    schema: { type: 'object', required: ['endpoint_id'], properties: { endpoint_id: endpointId } },
  },
  {
    type: 'endpoint.circuit_opened',
    description:
      'An endpoint failed PAYHOOK_CIRCUIT_FAILURES times in a row: payhook stopped sending to it and probes it after a cool-down. Its deliveries wait and keep their attempts.',
    schema: {
      type: 'object',
      required: ['endpoint_id', 'failing_since', 'next_probe_at'],
      properties: { endpoint_id: endpointId, failing_since: time, next_probe_at: time },
    },
  },
  {
    type: 'endpoint.circuit_closed',
    description: 'A probe of an endpoint whose circuit was open succeeded: payhook sends to it again.',
    schema: {
      type: 'object',
      required: ['endpoint_id', 'failing_since'],
      properties: { endpoint_id: endpointId, failing_since: time },
    },
  },
  {
    type: 'delivery.exhausted',
    description:
      'A delivery failed for good: its retries are used up. Retry it by hand with POST /v1/deliveries/{id}/retry.',
    schema: {
      type: 'object',
      required: ['delivery_id', 'event_id', 'event_type', 'endpoint_id', 'attempts', 'last_status_code', 'last_error'],
      properties: {
        delivery_id: { type: 'string', pattern: '^del_' },
        event_id: { type: 'string', pattern: '^evt_' },
        event_type: { type: 'string' },
        endpoint_id: endpointId,
        attempts: { type: 'integer' },
        last_status_code: { type: ['integer', 'null'] },
        last_error: { type: ['string', 'null'] },
      },
    },
  },
];

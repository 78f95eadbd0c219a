/** The shared schema of an event (`Event`), as the API answers it (see ../schemas.ts). */
import { LIVEMODE_SCHEMA } from '../../modes.js';
import { eventExample } from '../examples.js';
import { idSchema, nullable, time } from './common.js';

export const eventSchema = {
  $id: 'Event',
  examples: [eventExample],
  type: 'object',
  required: ['id', 'merchant_id', 'livemode', 'type', 'data', 'idempotency_key', 'ordering_key', 'created_at'],
  properties: {
    id: idSchema('evt', 'Event id; also the `webhook-id` header of its webhooks.'),
    merchant_id: idSchema('mer', 'The merchant it belongs to.'),
    livemode: LIVEMODE_SCHEMA,
    type: { type: 'string', examples: ['order.success'] },
    data: {
      type: 'object',
      additionalProperties: true,
      description: 'The event data: as sent, or in the `api_version` asked for.',
    },
    api_version: {
      type: 'string',
      description: 'Present when the read named `?api_version=`: the version `data` is rendered in.',
    },
    idempotency_key: nullable('string'),
    ordering_key: nullable('string', {
      description: 'Deliveries to an ordered endpoint that share this key arrive one at a time, in event order.',
    }),
    created_at: time('When it was accepted; the webhook envelope `timestamp`.'),
  },
};

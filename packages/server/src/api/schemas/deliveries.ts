/**
 * The shared schemas of deliveries (`Delivery`, `DeliveryWithAttempts`) and their attempts (`Attempt`)
 * (see ../schemas.ts).
 */
import { LIVEMODE_SCHEMA } from '../../modes.js';
import { attemptExample, deliveryExample, deliveryWithAttemptsExample } from '../examples.js';
import { idSchema, nullable, nullableTime, time } from './common.js';

export const deliverySchema = {
  $id: 'Delivery',
  examples: [deliveryExample],
  type: 'object',
  required: [
    'id',
    'merchant_id',
    'livemode',
    'event_id',
    'endpoint_id',
    'event_type',
    'status',
    'attempt_count',
    'next_attempt_at',
    'last_status_code',
    'last_error',
    'ordering_key',
    'held',
    'skipped_at',
    'created_at',
    'updated_at',
  ],
  properties: {
    id: idSchema('del', 'Delivery id.'),
    merchant_id: idSchema('mer', 'The merchant it belongs to.'),
    livemode: LIVEMODE_SCHEMA,
    event_id: idSchema('evt', 'The event delivered.'),
    endpoint_id: idSchema('ep', 'The endpoint it goes to.'),
    event_type: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'succeeded', 'failed', 'cancelled'] },
    attempt_count: { type: 'integer', description: 'Attempts made so far.' },
    next_attempt_at: nullableTime(
      'When it is tried next (pending only; while an attempt is in flight, the end of its lease).',
    ),
    last_status_code: nullable('integer'),
    last_error: nullable('string'),
    ordering_key: nullable('string', {
      description: "The event's ordering key when the endpoint was ordered as the delivery was made; null otherwise.",
    }),
    held: {
      type: 'boolean',
      description: 'A failed delivery that keeps its ordering key blocked (`ordering_on_failure: hold`).',
    },
    skipped_at: nullableTime('When it was skipped by hand (POST /v1/deliveries/{id}/skip).'),
    created_at: time('When the delivery was created (with its event).'),
    updated_at: time('When its status last changed.'),
  },
};

export const attemptSchema = {
  $id: 'Attempt',
  examples: [attemptExample],
  type: 'object',
  required: [
    'id',
    'attempt',
    'started_at',
    'duration_ms',
    'status_code',
    'response_body',
    'error_class',
    'error_message',
    'next_retry_at',
  ],
  properties: {
    id: idSchema('att', 'Attempt id.'),
    attempt: { type: 'integer', description: '1 for the first try.' },
    started_at: time('When the request started.'),
    duration_ms: { type: 'integer' },
    status_code: nullable('integer', { description: 'The HTTP status, when a response came.' }),
    response_body: nullable('string', { description: 'The first 4 KiB of the response body.' }),
    error_class: nullable('string', {
      description:
        'timeout, dns, refused, reset, tls, http_status, redirect, invalid_url, blocked or unknown; null on success.',
    }),
    error_message: nullable('string'),
    next_retry_at: nullableTime('When the delivery is tried again after this attempt; null when it is not.'),
  },
};

export const deliveryWithAttemptsSchema = {
  $id: 'DeliveryWithAttempts',
  examples: [deliveryWithAttemptsExample],
  type: 'object',
  required: [...deliverySchema.required, 'attempts'],
  properties: {
    ...deliverySchema.properties,
    attempts: { type: 'array', items: { $ref: 'Attempt#' }, description: 'Every attempt, oldest first.' },
  },
};

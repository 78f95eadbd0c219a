/**
 * The shared schemas of endpoints (`Endpoint`, `EndpointWithSecret`) and their signing secrets
 * (`EndpointSecrets`) (see ../schemas.ts).
 */
import { LIVEMODE_SCHEMA } from '../../modes.js';
import { endpointExample, endpointWithSecretExample, secretsExample } from '../examples.js';
import { idSchema, nullable, time } from './common.js';

export const endpointSchema = {
  $id: 'Endpoint',
  examples: [endpointExample],
  type: 'object',
  required: [
    'id',
    'merchant_id',
    'livemode',
    'url',
    'description',
    'event_types',
    'disabled',
    'disabled_reason',
    'headers',
    'format',
    'api_version',
    'payload_style',
    'timeout_ms',
    'ordered',
    'ordering_on_failure',
    'rate_limit',
    'retry_schedule',
    'circuit',
    'created_at',
    'updated_at',
  ],
  properties: {
    id: idSchema('ep', 'Endpoint id.'),
    merchant_id: idSchema('mer', 'The merchant that owns it.'),
    livemode: LIVEMODE_SCHEMA,
    url: { type: 'string', description: 'Where webhooks are POSTed.' },
    description: { type: 'string' },
    event_types: nullable('array', {
      items: { type: 'string' },
      description: 'Exact types and `prefix.*` wildcards; null for every type.',
    }),
    disabled: { type: 'boolean' },
    disabled_reason: nullable('string', {
      description:
        '`merchant` (disabled through the API), `gone` (it answered 410) or `failing` (no success for PAYHOOK_DISABLE_AFTER, default 5 days). Its deliveries wait while it is disabled.',
    }),
    headers: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'Custom headers sent with every webhook.',
    },
    format: {
      type: 'string',
      description: 'Payload format: `standard` or another registered format such as `foloosi`.',
    },
    api_version: {
      type: 'string',
      description: 'The event version it receives (docs/versions.md); events are rendered in it when delivered.',
      examples: ['2026-12-05'],
    },
    payload_style: {
      type: 'string',
      enum: ['snapshot', 'thin'],
      description: '`snapshot`: events carry their data; `thin`: only the object they are about.',
    },
    timeout_ms: nullable('integer', { description: 'Per-attempt timeout; null uses the server default.' }),
    ordered: {
      type: 'boolean',
      description: 'Deliveries that share an ordering key go out one at a time, in event order (docs/delivery.md).',
    },
    ordering_on_failure: {
      type: 'string',
      enum: ['skip', 'hold'],
      description:
        'When an ordered delivery exhausts its retries: `skip` lets the next of its key go; `hold` blocks the key until it is retried successfully or skipped.',
    },
    rate_limit: nullable('integer', {
      description: 'Deliveries per second across every dispatcher (plus a small burst); null for no limit.',
    }),
    retry_schedule: nullable('array', {
      items: { type: 'integer' },
      description: "Seconds before retry 1..n (the endpoint's own schedule); null uses the server's.",
    }),
    circuit: {
      type: 'object',
      required: ['state', 'failing_since', 'next_probe_at'],
      description: 'The circuit breaker (docs/delivery.md#circuit-breaker).',
      properties: {
        state: { type: 'string', enum: ['closed', 'open', 'half_open'] },
        failing_since: nullable('string', {
          format: 'date-time',
          description: 'When its current run of failures began; null while it succeeds.',
        }),
        next_probe_at: nullable('string', {
          format: 'date-time',
          description: 'When an open circuit lets one probe through; null while closed.',
        }),
      },
    },
    created_at: time('When it was created.'),
    updated_at: time('When it last changed.'),
  },
};

export const endpointWithSecretSchema = {
  $id: 'EndpointWithSecret',
  examples: [endpointWithSecretExample],
  type: 'object',
  required: [...endpointSchema.required, 'secret'],
  properties: {
    ...endpointSchema.properties,
    secret: { type: 'string', description: 'The signing secret (`whsec_…`).' },
  },
};

export const secretsSchema = {
  $id: 'EndpointSecrets',
  examples: [secretsExample],
  type: 'object',
  required: ['secret', 'previous_secrets'],
  properties: {
    secret: { type: 'string', description: 'The current signing secret (`whsec_…`).' },
    previous_secrets: {
      type: 'array',
      description: 'Rotated-out secrets that still sign, until `expires_at`.',
      items: {
        type: 'object',
        required: ['secret', 'expires_at'],
        properties: { secret: { type: 'string' }, expires_at: time('When it stops signing.') },
      },
    },
  },
};

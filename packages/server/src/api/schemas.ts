/**
 * JSON Schemas shared by the routes. They do three jobs at once: Ajv validates requests with them,
 * fast-json-stringify serialises responses with them, and @fastify/swagger turns them into
 * `/openapi.json`. The resource schemas are registered once with an `$id` and referenced as
 * `{ $ref: 'Endpoint#' }`, so they appear once in the document's `components.schemas`.
 *
 * Request schemas always say `additionalProperties: false`: an unknown field is an error
 * (`unknown_field`), never silently dropped, so a typo such as `evnet_types` cannot pass unnoticed.
 */
import { ERRORS, type ErrorCode } from '../errors.js';
import type { IdPrefix } from '../ids.js';
import { LIVEMODE_SCHEMA } from '../modes.js';
import {
  attemptExample,
  deliveryExample,
  deliveryWithAttemptsExample,
  endpointExample,
  endpointWithSecretExample,
  eventExample,
  merchantExample,
  secretsExample,
} from './examples.js';

type Schema = Record<string, unknown>;

/** `{ type: [t, 'null'] }`: @fastify/swagger writes it as OpenAPI 3.1 allows. */
const nullable = (type: string, extra: Schema = {}): Schema => ({ type: [type, 'null'], ...extra });
const time = (description: string): Schema => ({ type: 'string', format: 'date-time', description });
const nullableTime = (description: string): Schema => ({ type: ['string', 'null'], format: 'date-time', description });

/** An id of one kind: the prefix and 26 characters of Crockford base32. */
export function idPattern(prefix: IdPrefix): string {
  return `^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`;
}

export function idSchema(prefix: IdPrefix, description: string): Schema {
  return {
    type: 'string',
    pattern: idPattern(prefix),
    description,
    examples: [`${prefix}_01JDQ8Z0RX4YV6K3M2N5P7Q9S1`],
  };
}

/** `params` of `/…/{id}` routes. A malformed id or one of another kind is `400 invalid_id`. */
export function idParams(prefix: IdPrefix, what: string): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['id'],
    properties: { id: idSchema(prefix, `The ${what} id (\`${prefix}_…\`).`) },
  };
}

/**
 * The body of an action route that takes no fields (rotate-secret, retry): none at all, or `{}`.
 * Routes using it set `config.optionalBody`, so a missing body counts as `{}`; a field sent anyway
 * is `unknown_field` rather than silently ignored (`{"overlap":"1h"}` does not do what it seems).
 */
export const noFieldsBody = {
  type: 'object',
  additionalProperties: false,
  properties: {},
  description: 'No fields: send no body, or `{}`.',
};

/** The query of a route that takes no parameters: any is `unknown_field`, like a body field. */
export const noQuery = { type: 'object', additionalProperties: false, properties: {} };

export const merchantIdQuery = {
  merchant_id: idSchema('mer', 'Admin keys only: the merchant to act for. A merchant key may omit it or name itself.'),
  livemode: {
    type: 'boolean',
    description:
      "Admin keys only: act in the merchant's live mode (`true`) or test mode (`false`, the default). A merchant key acts in its own mode (`sk_test_…` or `sk_live_…`) and may omit it or name that mode.",
  },
};

/** The query of a merchant-scoped route: `merchant_id` plus the route's own parameters. */
export function scopedQuery(properties: Schema = {}): Schema {
  return { type: 'object', additionalProperties: false, properties: { ...merchantIdQuery, ...properties } };
}

export const pageQuery = {
  limit: { type: 'integer', minimum: 1, maximum: 250, default: 50, description: 'Items per page (1–250).' },
  cursor: {
    type: 'string',
    minLength: 1,
    maxLength: 200,
    description: 'The `next_cursor` of the previous page, as returned.',
  },
};

/** `{"data":[…], "next_cursor"}` for a list of `ref`. */
export function pageOf(ref: string): Schema {
  return {
    type: 'object',
    required: ['data', 'next_cursor'],
    properties: {
      data: { type: 'array', items: { $ref: `${ref}#` } },
      next_cursor: nullable('string', { description: 'Pass as `cursor` for the next page; null on the last page.' }),
    },
  };
}

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  description:
    'Every error. `code` is stable (see docs/errors.md); `message` is for people; `details` says which field or value, when there is one.',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', examples: ['validation_failed'] },
        message: { type: 'string' },
        details: { description: 'Extra facts about the error, such as `{"field":"url"}`; null when there are none.' },
      },
    },
  },
};

const merchantSchema = {
  $id: 'Merchant',
  examples: [merchantExample],
  type: 'object',
  required: ['id', 'name', 'created_at'],
  properties: {
    id: idSchema('mer', 'Merchant id.'),
    name: { type: 'string' },
    created_at: time('When the merchant was created.'),
  },
};

const endpointSchema = {
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

const endpointWithSecretSchema = {
  $id: 'EndpointWithSecret',
  examples: [endpointWithSecretExample],
  type: 'object',
  required: [...endpointSchema.required, 'secret'],
  properties: {
    ...endpointSchema.properties,
    secret: { type: 'string', description: 'The signing secret (`whsec_…`).' },
  },
};

const eventSchema = {
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

const deliverySchema = {
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

const attemptSchema = {
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

const deliveryWithAttemptsSchema = {
  $id: 'DeliveryWithAttempts',
  examples: [deliveryWithAttemptsExample],
  type: 'object',
  required: [...deliverySchema.required, 'attempts'],
  properties: {
    ...deliverySchema.properties,
    attempts: { type: 'array', items: { $ref: 'Attempt#' }, description: 'Every attempt, oldest first.' },
  },
};

const secretsSchema = {
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

/**
 * A JSON response of a shared schema with an example of its own, for when the component's example
 * does not fit the route. In the media-type form, since the OpenAPI generator drops what stands
 * beside a `$ref`; fastify serialises the JSON reply with this schema all the same.
 */
export function refResponse(ref: string, description: string, example: unknown): Schema {
  return { description, content: { 'application/json': { schema: { $ref: `${ref}#` }, example } } };
}

/** Every schema with an `$id`, registered once with `app.addSchema`. */
export const sharedSchemas = [
  errorSchema,
  merchantSchema,
  endpointSchema,
  endpointWithSecretSchema,
  eventSchema,
  deliverySchema,
  attemptSchema,
  deliveryWithAttemptsSchema,
  secretsSchema,
];

/**
 * What `errorResponses` takes: an error code (its status comes from `ERRORS`), or one of the statuses
 * that stand for fixed codes (400 the generic bad-input codes, 401 `unauthorized`, 403 `forbidden`,
 * 413 `body_too_large`, 415 `unsupported_media_type`, 429 `rate_limited`).
 */
/** A module's code, with its definition from the module's own table (see `moduleErrors`). */
export interface ModuleErrorRef {
  code: string;
  status: number;
  message: string;
}
export type ErrorItem = ErrorCode | keyof typeof STATUS_CODES | ModuleErrorRef;

const definitionOf = (item: ErrorCode | ModuleErrorRef): { code: string; status: number; message: string } =>
  typeof item === 'string' ? { code: item, ...ERRORS[item] } : item;

const STATUS_CODES = {
  400: ['validation_failed', 'unknown_field', 'invalid_json', 'invalid_id', 'malformed_request'],
  401: ['unauthorized'],
  403: ['forbidden'],
  413: ['body_too_large'],
  415: ['unsupported_media_type'],
  429: ['rate_limited'],
} satisfies Record<number, ErrorCode[]>;

/** The codes every merchant-scoped route can answer, whatever it does (see auth.ts). */
export const SCOPED_ERRORS = ['merchant_required', 'merchant_not_found'] as const satisfies readonly ErrorCode[];

const GENERIC_400_EXAMPLE = {
  code: 'unknown_field',
  message: 'unknown query parameter "bogus"',
  details: { field: 'bogus', in: 'querystring' },
};

/**
 * The error responses of a route that needs an API key: 400 and 401 always, plus the codes and
 * statuses given. Each status lists its codes with their meaning (from `ERRORS`, the one table) and
 * carries an example, so the document says which codes a route can answer, not just which statuses.
 * A route that names codes of status 401 itself (the bank's signature) gets those instead of
 * `unauthorized`.
 *
 * @example
 * response: { 200: { $ref: 'Endpoint#' }, ...errorResponses(...SCOPED_ERRORS, 'endpoint_not_found') }
 */
export function errorResponses(...items: ErrorItem[]): Record<number, Schema> {
  const own401 = items.some((i) => typeof i !== 'number' && definitionOf(i).status === 401);
  return publicErrorResponses(...(own401 ? [] : [401 as const]), ...items);
}

/** The error responses of a route that takes no key: 400 always, plus the codes and statuses given. */
export function publicErrorResponses(...items: ErrorItem[]): Record<number, Schema> {
  const messages = new Map<string, string>(Object.entries(ERRORS).map(([c, d]) => [c, d.message]));
  const named = new Map<number, string[]>([[400, []]]);
  for (const item of items) {
    const def = typeof item === 'number' ? null : definitionOf(item);
    if (def) messages.set(def.code, def.message);
    const status = def ? def.status : (item as keyof typeof STATUS_CODES);
    const codes: string[] = def ? [def.code] : STATUS_CODES[item as keyof typeof STATUS_CODES];
    named.set(status, [...new Set([...(named.get(status) ?? []), ...codes])]);
  }
  const out: Record<number, Schema> = {};
  for (const status of [...named.keys()].sort((a, b) => a - b)) {
    const own = named.get(status)!;
    // 400 lists the route's own codes first (invalid_url, card_invalid, …), then the generic ones.
    const codes = status === 400 ? [...new Set([...own, ...STATUS_CODES[400]])] : own;
    // The example shows the first code the route named; a route that named none of status 400 shows
    // the unknown query parameter every route refuses.
    const example =
      own.length === 0 ? GENERIC_400_EXAMPLE : { code: own[0], message: messages.get(own[0]), details: null };
    // The media-type form, because the OpenAPI generator drops what stands beside a `$ref` (the
    // example); fastify serialises errors with this schema all the same (sendError's type is JSON).
    out[status] = {
      description:
        (status === 400 ? 'Bad input (`error.code` says which kind). ' : '') +
        codes.map((c) => `\`${c}\`: ${messages.get(c)}`).join(' '),
      content: { 'application/json': { schema: { $ref: 'Error#' }, example: { error: example } } },
    };
  }
  return out;
}

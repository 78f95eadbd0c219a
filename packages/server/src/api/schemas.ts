/**
 * JSON Schemas shared by the routes. They do three jobs at once: Ajv validates requests with them,
 * fast-json-stringify serialises responses with them, and @fastify/swagger turns them into
 * `/openapi.json`. The resource schemas are registered once with an `$id` and referenced as
 * `{ $ref: 'Endpoint#' }`, so they appear once in the document's `components.schemas`.
 *
 * Request schemas always say `additionalProperties: false`: an unknown field is an error
 * (`unknown_field`), never silently dropped, so a typo such as `evnet_types` cannot pass unnoticed.
 *
 * The schemas live in schemas/, one file a resource (merchants, endpoints, events, deliveries), with the
 * building blocks in schemas/common.ts and the error responses in schemas/errors.ts; this module registers
 * the shared ones and is what the routes import.
 */
import { deliverySchema, attemptSchema, deliveryWithAttemptsSchema } from './schemas/deliveries.js';
import { endpointSchema, endpointWithSecretSchema, secretsSchema } from './schemas/endpoints.js';
import { errorSchema } from './schemas/errors.js';
import { eventSchema } from './schemas/events.js';
import { merchantSchema } from './schemas/merchants.js';

export {
  idParams,
  idPattern,
  idSchema,
  merchantIdQuery,
  noFieldsBody,
  noQuery,
  pageOf,
  pageQuery,
  refResponse,
  scopedQuery,
} from './schemas/common.js';
export {
  errorResponses,
  errorSchema,
  type ErrorItem,
  type ModuleErrorRef,
  publicErrorResponses,
  SCOPED_ERRORS,
} from './schemas/errors.js';

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

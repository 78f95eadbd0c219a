/**
 * The building blocks of the API's JSON Schemas (see ../schemas.ts): nullable and time fields, ids and
 * their `params`, the queries every route shares (none, `merchant_id`, paging), pages of a list, and a
 * response of a shared schema with its own example.
 */
import type { IdPrefix } from '../../ids.js';

export type Schema = Record<string, unknown>;

/** `{ type: [t, 'null'] }`: @fastify/swagger writes it as OpenAPI 3.1 allows. */
export const nullable = (type: string, extra: Schema = {}): Schema => ({ type: [type, 'null'], ...extra });
export const time = (description: string): Schema => ({ type: 'string', format: 'date-time', description });
export const nullableTime = (description: string): Schema => ({
  type: ['string', 'null'],
  format: 'date-time',
  description,
});

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

/**
 * A JSON response of a shared schema with an example of its own, for when the component's example
 * does not fit the route. In the media-type form, since the OpenAPI generator drops what stands
 * beside a `$ref`; fastify serialises the JSON reply with this schema all the same.
 */
export function refResponse(ref: string, description: string, example: unknown): Schema {
  return { description, content: { 'application/json': { schema: { $ref: `${ref}#` }, example } } };
}

/**
 * The error side of the API's JSON Schemas (see ../schemas.ts): the `Error` body every error has, and the
 * error responses a route lists in /openapi.json (`errorResponses`), each status with the codes it can
 * answer and their meaning, from `ERRORS`, the one table.
 */
import { ERRORS, type ErrorCode } from '../../errors.js';
import type { Schema } from './common.js';

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

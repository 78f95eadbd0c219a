/**
 * The one place where anything thrown in the API becomes `{"error":{"code","message","details"}}`.
 *
 * Bad input of every kind maps to its own 4xx code from `ERRORS` (fastify's own errors included:
 * JSON that does not parse, a body over the limit, a wrong content type); only what is left, a fault of
 * ours, becomes an opaque `500 internal_error`, logged with its cause and the request id but never
 * returned. Like fastify's FST_ERR_* table, the codes are listed in docs/errors.md.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, isPayhookError, type ErrorCode } from '../errors.js';
import { faultReason, isStorageFault, STORAGE_RETRY_AFTER_SECONDS } from '../store/faults.js';

export interface ApiError {
  status: number;
  /** A core code (`ErrorCode`) or a module's. */
  code: string;
  message: string;
  details: unknown;
}

function make(code: ErrorCode, message?: string, details: unknown = null): ApiError {
  return { status: ERRORS[code].status, code, message: message ?? ERRORS[code].message, details };
}

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `/event_types/0` → `event_types[0]`; `/headers/x-a` → `headers.x-a`. */
function fieldPath(instancePath: string, child?: unknown): string | null {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (typeof child === 'string') parts.push(child);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out || null;
}

const PART: Record<string, string> = {
  body: 'body',
  querystring: 'query parameter',
  params: 'path parameter',
  headers: 'header',
};

/** An Ajv failure (fastify attaches the errors as `validation` and the request part as `validationContext`). */
export function fromValidation(errors: AjvError[], context: string): ApiError {
  const e = errors[0];
  const part = PART[context] ?? context;
  if (e.keyword === 'additionalProperties') {
    const field = fieldPath(e.instancePath, e.params.additionalProperty);
    return make('unknown_field', `unknown ${part === 'body' ? 'field' : part} "${field}"`, { field, in: context });
  }
  const field = fieldPath(e.instancePath, e.keyword === 'required' ? e.params.missingProperty : undefined);
  if (field === 'ordering_key' && context === 'body')
    return make('invalid_ordering_key', undefined, { field, reason: e.message ?? null });
  const reason = e.keyword === 'required' ? 'is required' : (e.message ?? 'is invalid');
  if (e.keyword === 'pattern' && (context === 'params' || (field ?? '').endsWith('_id'))) {
    return make('invalid_id', `${field} is not a well-formed id of the expected kind`, {
      field,
      expected: e.params.pattern,
    });
  }
  if (field === null && context === 'body')
    return make('validation_failed', `the body ${reason}`, { field: null, reason });
  return make('validation_failed', `${part === 'body' ? '' : `${part} `}${field ?? context} ${reason}`, {
    field,
    reason,
    in: context,
  });
}

/** What JSON.parse said (its position and token), when fastify kept it as the cause. */
function jsonReason(e: { cause?: unknown; message?: string }): string {
  return e.cause instanceof Error ? e.cause.message : 'not valid JSON';
}

/** Maps anything thrown while handling a request to its API error; `null` means a fault of ours. */
export function toApiError(err: unknown, bodyLimit: number): ApiError | null {
  if (isPayhookError(err)) {
    if (err.code === 'internal_error') return null;
    return { status: err.status, code: err.code, message: err.message, details: err.details };
  }
  if (isStorageFault(err)) {
    return make('storage_unavailable', undefined, {
      reason: faultReason(err),
      retry_after_seconds: STORAGE_RETRY_AFTER_SECONDS,
    });
  }
  const e = err as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (e && Array.isArray(e.validation) && e.validation.length > 0)
    return fromValidation(e.validation, e.validationContext ?? 'body');
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return make('body_too_large', `the body is larger than ${bodyLimit} bytes`, { limit_bytes: bodyLimit });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return make('unsupported_media_type');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return make('invalid_json', undefined, { reason: jsonReason(e) });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return make('invalid_json', 'the body is empty; send a JSON object', { reason: 'empty body' });
  }
  // JSON.parse (through secure-json-parse) throws a SyntaxError that fastify marks 400; its message
  // names the position of the mistake and nothing of ours.
  if (e instanceof SyntaxError && (e as { statusCode?: number }).statusCode === 400) {
    return make('invalid_json', undefined, { reason: e.message });
  }
  // Anything else fastify refused as a client error (a malformed URL, a Content-Length that does not
  // match the body, …): still the caller's mistake, never a 500.
  const status = e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return make('malformed_request', undefined, { reason: String(e.message) });
  }
  return null;
}

export function sendError(reply: FastifyReply, e: ApiError): FastifyReply {
  // An error that says when to retry (storage faults, quotas, rate limits) says it in the header too.
  const retryAfter = (e.details as { retry_after_seconds?: unknown } | null)?.retry_after_seconds;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  return reply
    .code(e.status)
    .type('application/json; charset=utf-8')
    .send({ error: { code: e.code, message: e.message, details: e.details } });
}

/** The error handler for the whole API. */
export function errorHandler(bodyLimit: number) {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const mapped = toApiError(err, bodyLimit);
    if (mapped) {
      if (mapped.status >= 500)
        request.log.warn(
          { code: mapped.code, err: mapped.code === 'storage_unavailable' ? err : undefined },
          mapped.message,
        );
      return sendError(reply, mapped);
    }
    // The cause goes to the log with the request id (pino adds request_id); the caller gets the id to quote.
    request.log.error({ err }, 'unhandled error');
    return sendError(reply, make('internal_error', undefined, { request_id: request.id }));
  };
}

/**
 * Unknown routes. A path that exists with another method is `405 method_not_allowed` with an
 * `Allow` header (fastify itself answers 404 for both), so a wrong method is not mistaken for a typo.
 */
export function notFoundHandler(routes: { method: string; pattern: RegExp }[]) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0];
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendError(
        reply,
        make('method_not_allowed', `${request.method} is not allowed here; use ${allowed.join(' or ')}`, {
          allow: allowed,
        }),
      );
    }
    return sendError(reply, make('not_found', `no route ${request.method} ${path}`, { method: request.method, path }));
  };
}

/** `/v1/endpoints/:id/secret` → a RegExp matching concrete paths. */
export function routePattern(url: string): RegExp {
  const escaped = url
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${escaped}/?$`);
}

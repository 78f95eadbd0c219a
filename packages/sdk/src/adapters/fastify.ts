/**
 * Fastify: its JSON parser replaces the body with an object, so webhook routes need a scope whose
 * content-type parser keeps the bytes. Fastify's encapsulation gives exactly that: a plugin registered
 * with `app.register` has its own parsers, and the rest of the app keeps parsing JSON as before.
 */
import { WebhookVerificationError } from '../errors.js';
import type { PayhookEvent } from '../events.js';
import { bodyTypeError, isRawBody, type HeaderSource } from '../signature.js';
import { verify, type VerifyOptions } from '../verify.js';
import { DEFAULT_BODY_LIMIT, errorAnswer, runHandler, type WebhookHandlerOptions } from './shared.js';

type Done = (err: Error | null, body?: unknown) => void;

/**
 * The parts of a Fastify instance the helpers use (Fastify 4 and 5 fit).
 *
 * @example
 * app.register(async (scope: FastifyInstanceLike) => fastifyRawBody(scope));
 */
export interface FastifyInstanceLike {
  addContentTypeParser(
    contentType: string,
    opts: { parseAs: 'buffer'; bodyLimit?: number },
    parser: (req: any, body: any, done: Done) => void,
  ): unknown;
  removeAllContentTypeParsers?: () => unknown;
  post(path: string, handler: (request: any, reply: any) => Promise<unknown>): unknown;
}

/**
 * The parts of a Fastify request `verifyFastifyRequest` reads.
 *
 * @example
 * const event = verifyFastifyRequest(request as FastifyRequestLike, secret);
 */
export interface FastifyRequestLike {
  headers: HeaderSource;
  body?: unknown;
  /** Set by `fastify-raw-body` and similar plugins. */
  rawBody?: unknown;
}

/**
 * The parts of a Fastify reply the webhook plugin uses.
 *
 * @example
 * const reply: FastifyReplyLike = fastifyReply;
 */
export interface FastifyReplyLike {
  sent?: boolean;
  code(statusCode: number): FastifyReplyLike;
  send(payload?: unknown): unknown;
}

/**
 * Makes every body in this Fastify scope a `Buffer` of the exact bytes received, whatever its content
 * type. Call it inside `app.register(async (scope) => { … })`, so that only the webhook routes of that
 * scope are affected; called on the root instance it would turn off JSON parsing for the whole app.
 *
 * @example
 * app.register(async (scope) => {
 *   fastifyRawBody(scope);
 *   scope.post('/webhooks', async (request) => {
 *     const event = verifyFastifyRequest(request, process.env.PAYHOOK_SECRET!);
 *     return { received: true };
 *   });
 * });
 */
export function fastifyRawBody(instance: FastifyInstanceLike, options: { bodyLimit?: number } = {}): void {
  instance.removeAllContentTypeParsers?.();
  instance.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT },
    (_req, body, done) => done(null, body),
  );
}

const FASTIFY_HINT =
  "Fastify's JSON parser ran on this route. Register the route inside a plugin that calls fastifyRawBody(scope), " +
  'or use app.register(fastifyWebhook, { secrets, handler }).';

/**
 * Verifies a Fastify request whose body was kept raw (by `fastifyRawBody`, or a `rawBody` from a raw-body
 * plugin). A body that Fastify parsed as JSON throws a `body_type` error saying how to fix the route.
 *
 * @example
 * scope.post('/webhooks', async (request, reply) => {
 *   const event = verifyFastifyRequest(request, [current, previous]);
 *   return { received: true };
 * });
 */
export function verifyFastifyRequest(
  request: FastifyRequestLike,
  secrets: string | readonly string[],
  options: VerifyOptions = {},
): PayhookEvent {
  const raw = isRawBody(request.rawBody) ? request.rawBody : request.body;
  if (raw === undefined || raw === null) {
    throw new WebhookVerificationError('body_type', `the request has no body to verify. ${FASTIFY_HINT}`);
  }
  if (!isRawBody(raw)) throw bodyTypeError(raw, FASTIFY_HINT);
  return verify(raw, request.headers, secrets, options);
}

/**
 * Options of the `fastifyWebhook` plugin.
 *
 * @example
 * app.register(fastifyWebhook, { secrets: [secret], path: '/webhooks', handler: async (event) => {} });
 */
export interface FastifyWebhookOptions extends WebhookHandlerOptions {
  secrets: string | readonly string[];
  /** Your handler; return nothing and the plugin answers 200, or answer with `reply` yourself. */
  handler: (event: PayhookEvent, request: any, reply: any) => unknown;
  /** The route path inside the plugin's prefix; default `/`. */
  path?: string;
}

/**
 * A Fastify plugin with one POST route that keeps the raw body, verifies it and runs your handler.
 * It is deliberately not wrapped in `fastify-plugin`: its raw-body parser must stay inside its own scope.
 *
 * @example
 * import Fastify from 'fastify';
 * import { fastifyWebhook, isPaymentEvent } from '@payhook/sdk';
 * const app = Fastify();
 * app.register(fastifyWebhook, {
 *   prefix: '/webhooks',
 *   secrets: process.env.PAYHOOK_SECRET!,
 *   handler: async (event) => { if (isPaymentEvent(event)) await save(event.data); },
 * });
 */
export async function fastifyWebhook(instance: FastifyInstanceLike, options: FastifyWebhookOptions): Promise<void> {
  if (!options || typeof options.handler !== 'function' || !options.secrets) {
    throw new TypeError('fastifyWebhook needs { secrets, handler }');
  }
  fastifyRawBody(instance, { bodyLimit: options.limit });
  instance.post(options.path ?? '/', async (request: FastifyRequestLike, reply: FastifyReplyLike) => {
    try {
      const event = verifyFastifyRequest(request, options.secrets, options);
      const { answer } = await runHandler(event, options, () => options.handler(event, request, reply));
      if (reply.sent) return reply;
      return reply.code(answer.status).send(answer.body);
    } catch (err) {
      const answer = errorAnswer(err);
      if (answer && !reply.sent) return reply.code(answer.status).send(answer.body);
      throw err;
    }
  });
}

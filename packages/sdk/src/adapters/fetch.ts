/**
 * Web-standard `Request`/`Response`: Hono, Next.js route handlers, Bun, Deno, Cloudflare-style runtimes
 * (the signature code itself needs `node:crypto`, so a Node-compatible runtime). The body of a `Request`
 * can be read once; `verifyRequest` must be what reads it.
 */
import { WebhookVerificationError } from '../errors.js';
import type { PayhookEvent } from '../events.js';
import { verify, type VerifyOptions } from '../verify.js';
import { DEFAULT_BODY_LIMIT, errorAnswer, runHandler, tooLarge, type WebhookHandlerOptions } from './shared.js';

/**
 * The parts of a fetch `Request` `verifyRequest` uses.
 *
 * @example
 * const req: RequestLike = new Request('http://localhost/webhooks', { method: 'POST', body: '{}' });
 */
export interface RequestLike {
  headers: { get(name: string): string | null };
  bodyUsed: boolean;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * Reads a `Request`'s body as bytes and verifies it. If the body was already read (`await
 * request.json()`, Hono's `c.req.json()`), throws a `body_type` error saying so: call `verifyRequest`
 * first, or pass `request.clone()`.
 *
 * @example
 * // Next.js: app/webhooks/route.ts
 * export async function POST(request: Request) {
 *   const event = await verifyRequest(request, process.env.PAYHOOK_SECRET!);
 *   return Response.json({ received: true });
 * }
 *
 * @example
 * // Hono
 * app.post('/webhooks', async (c) => {
 *   const event = await verifyRequest(c.req.raw, c.env.PAYHOOK_SECRET);
 *   return c.json({ received: true });
 * });
 */
export async function verifyRequest(
  request: RequestLike,
  secrets: string | readonly string[],
  options: VerifyOptions & { limit?: number } = {},
): Promise<PayhookEvent> {
  if (request.bodyUsed) {
    throw new WebhookVerificationError(
      'body_type',
      'the Request body was already read (for example by request.json() or c.req.json()), so the signed bytes are gone. ' +
        'Call verifyRequest before anything reads the body, or pass request.clone().',
    );
  }
  const limit = options.limit ?? DEFAULT_BODY_LIMIT;
  const declared = Number(request.headers.get('content-length'));
  if (declared > limit) throw tooLarge(limit);
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.byteLength > limit) throw tooLarge(limit);
  return verify(body, request.headers, secrets, options);
}

/**
 * Builds a `(request) => Promise<Response>` webhook handler: verify, run your handler, answer. If your
 * handler returns a `Response`, that is the answer; otherwise 200 `{"received":true}`. Verification
 * failures answer 400, a duplicate in flight 409; a `body_type` error or an error of your handler is
 * thrown to the framework (a 500, and payhook retries).
 *
 * @example
 * // Next.js: app/webhooks/route.ts
 * export const POST = fetchWebhook(process.env.PAYHOOK_SECRET!, async (event) => {
 *   if (isPaymentEvent(event, 'order.success')) await markPaid(event.data.order_id);
 * });
 *
 * @example
 * // Hono
 * const onWebhook = fetchWebhook(secret, handle);
 * app.post('/webhooks', (c) => onWebhook(c.req.raw));
 */
export function fetchWebhook<R extends RequestLike = Request>(
  secrets: string | readonly string[],
  handler: (event: PayhookEvent, request: R) => unknown,
  options: WebhookHandlerOptions = {},
): (request: R) => Promise<Response> {
  if (typeof handler !== 'function') throw new TypeError('fetchWebhook(secrets, handler): handler must be a function');
  return async (request) => {
    try {
      const event = await verifyRequest(request, secrets, options);
      const { answer, result } = await runHandler(event, options, () => handler(event, request));
      if (result instanceof Response) return result;
      return Response.json(answer.body, { status: answer.status });
    } catch (err) {
      const answer = errorAnswer(err);
      if (answer) return Response.json(answer.body, { status: answer.status });
      throw err;
    }
  };
}

/**
 * Express (4 and 5): one middleware that reads the raw body itself, verifies it, runs the handler and
 * answers (see `shared.ts` for the answers). It needs no body parser; `express.raw()` in front of it
 * works too, and `express.json()` in front of it is detected and explained instead of failing as a
 * baffling signature mismatch.
 */
import type { PayhookEvent } from '../events.js';
import { verify } from '../verify.js';
import { readRawBody, type NodeRequestLike } from './node.js';
import { errorAnswer, runHandler, type Answer, type WebhookHandlerOptions } from './shared.js';

/**
 * What the middleware needs of a response: Node's `ServerResponse`, so Express's `res` fits.
 *
 * @example
 * const res: NodeResponseLike = expressRes;
 */
export interface NodeResponseLike {
  statusCode: number;
  headersSent?: boolean;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/**
 * Your webhook handler for `expressWebhook`: gets the verified event, and `req`/`res` if you want to
 * answer yourself (otherwise the middleware answers 200).
 *
 * @example
 * const handler: ExpressWebhookHandler = async (event) => { if (isPaymentEvent(event)) await save(event.data); };
 */
export type ExpressWebhookHandler<Req = NodeRequestLike, Res = NodeResponseLike> = (
  event: PayhookEvent,
  req: Req,
  res: Res,
) => unknown;

function send(res: NodeResponseLike, answer: Answer): void {
  res.statusCode = answer.status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(answer.body));
}

/**
 * An Express route handler for payhook webhooks. A body that `express.json()` already parsed is reported
 * through `next(err)` with a `body_type` `WebhookVerificationError` whose message says how to fix the
 * route. It also works as a plain `http.createServer` listener (without `next`, such errors answer 500).
 *
 * @example
 * import express from 'express';
 * import { expressWebhook, isPaymentEvent } from '@payhook/sdk';
 * const app = express();
 * app.post('/webhooks', expressWebhook(process.env.PAYHOOK_SECRET!, async (event) => {
 *   if (isPaymentEvent(event, 'order.success')) await markPaid(event.data.order_id);
 * }));
 * app.listen(3000);
 */
export function expressWebhook<Req extends NodeRequestLike, Res extends NodeResponseLike>(
  secrets: string | readonly string[],
  handler: ExpressWebhookHandler<Req, Res>,
  options: WebhookHandlerOptions = {},
): (req: Req, res: Res, next?: (err?: unknown) => void) => Promise<void> {
  if (typeof handler !== 'function')
    throw new TypeError('expressWebhook(secrets, handler): handler must be a function');
  if (typeof secrets !== 'string' && (!Array.isArray(secrets) || secrets.length === 0)) {
    throw new TypeError('expressWebhook(secrets, handler): secrets must be a secret or a non-empty array of them');
  }
  return async (req, res, next) => {
    try {
      const raw = await readRawBody(req, options);
      const event = verify(raw, req.headers, secrets, options);
      const { answer } = await runHandler(event, options, () => handler(event, req, res));
      if (!res.headersSent) send(res, answer);
    } catch (err) {
      const answer = errorAnswer(err);
      if (answer && !res.headersSent) return send(res, answer);
      if (next) return next(err);
      if (!res.headersSent)
        send(res, { status: 500, body: { error: { code: 'internal_error', message: 'the webhook handler failed' } } });
    }
  };
}

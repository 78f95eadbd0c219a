/**
 * `POST /v1/bank/notifications`: where an acquirer reports a clearance it decided later. Not an API
 * key route: the bank signs the body with its own key (`bank-key` and `bank-signature` headers, see
 * notifications.ts), so this route reads the body as raw bytes, the exact bytes that were
 * signed, in a plugin of its own with its own body parser. `POST /v1/bank/acquirer/notifications`: the
 * same for live mode's HTTP acquirer, signed with its shared secret over a timestamp and the body
 * (acquirer.ts), refused outside the replay window.
 */
import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../../module-api.js';
import { paymentErrorRef as ref } from '../errors.js';
import type { NotificationAnswer } from '../service.js';
import type { RouteParts } from './parts.js';

const notificationBody = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'payment_reference', 'status'],
  properties: {
    id: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: "The bank's id for this notification: the same id again changes nothing.",
    },
    payment_reference: { type: 'string', description: "The transaction's payment reference (UUID)." },
    status: { type: 'string', enum: ['approved', 'declined', 'delayed', 'paid_back'] },
    debited: {
      type: 'boolean',
      description: 'With `declined`: the issuer debited the customer; payhook pays it back.',
    },
    message: { type: 'string', maxLength: 500, description: "The bank's message, passed on as `bank_message`." },
  },
};

/** What both notification routes answer: the 200 a notification taken, and the errors either may give. */
function notificationResponses() {
  return {
    200: {
      type: 'object',
      description:
        'Taken: `applied` (the transaction changed) or `restated` (nothing new); `duplicate` when the id was seen before.',
      properties: {
        result: { type: 'string', enum: ['applied', 'restated'] },
        duplicate: { type: 'boolean' },
        transaction_id: { type: ['string', 'null'] },
        status: { type: ['string', 'null'], description: 'The transaction status now.' },
      },
      examples: [
        {
          result: 'applied',
          duplicate: false,
          transaction_id: 'txn_01JDQ9C4P5Q6R7S8T9V0W1X2Y3',
          status: 'success',
        },
      ],
    },
    ...errorResponses(
      'validation_failed',
      ref('bank_signature_invalid'),
      ref('transaction_not_found'),
      ref('transition_forbidden'),
      ref('notification_conflict'),
      413,
      415,
    ),
  };
}

/** The notification as the service answers it, on the wire. */
function notificationAnswer(r: NotificationAnswer) {
  return { result: r.result, duplicate: r.duplicate, transaction_id: r.transactionId, status: r.status };
}

/** One of the two routes: what differs is the documentation, the signature headers and the service call. */
interface NotificationRoute<H extends string> {
  url: string;
  operationId: string;
  summary: string;
  description: string;
  /** The signature headers, documented. */
  headers: Record<H, { type: 'string'; description: string }>;
  /** The `id` of the body's example. */
  exampleId: string;
  receive: (headers: Partial<Record<H, string>>, body: Buffer) => Promise<NotificationAnswer>;
}

function postNotification<H extends string>(scope: FastifyInstance, route: NotificationRoute<H>): void {
  scope.post<{ Body: Buffer; Headers: Partial<Record<H, string>> }>(
    route.url,
    {
      config: { auth: 'public' },
      // The body schema documents the route; the service validates the bytes after checking their signature.
      validatorCompiler: () => () => true,
      schema: {
        operationId: route.operationId,
        summary: route.summary,
        description: route.description,
        tags: ['payments'],
        // No API key: the sender signs the body (the signature headers).
        security: [],
        querystring: { type: 'object', additionalProperties: false, properties: {} },
        headers: { type: 'object', properties: route.headers },
        body: {
          ...notificationBody,
          examples: [
            {
              id: route.exampleId,
              payment_reference: '5f0c2b1e-8d4a-4c7e-9b3f-2a6d8e1c4f70',
              status: 'approved',
              message: 'cleared',
            },
          ],
        },
        response: notificationResponses(),
      },
    },
    async (request) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      // The route's `Headers` type, as each route typed it before: fastify cannot resolve it for a generic H.
      return notificationAnswer(await route.receive(request.headers as Partial<Record<H, string>>, body));
    },
  );
}

export function registerBankRoutes(app: FastifyInstance, { service }: RouteParts): void {
  void app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    postNotification(scope, {
      url: '/v1/bank/notifications',
      operationId: 'bankNotifications.receive',
      summary: 'Receive a bank notification',
      description:
        'A bank notification, signed: `bank-key: <key id>` and `bank-signature: sha256=<hex HMAC-SHA256 of the body>`. ' +
        'Answers 200 with `result` `applied` or `restated` (nothing new), `duplicate: true` when the id was seen before; ' +
        '409 transition_forbidden when the state machine refuses it (recorded; the same notification again gets the same answer); ' +
        '409 notification_conflict for a known id with another body; 401 bank_signature_invalid; 404 transaction_not_found.',
      headers: {
        'bank-key': { type: 'string', description: 'Id of the bank key that signed the body.' },
        'bank-signature': {
          type: 'string',
          description: "`sha256=` and the hex HMAC-SHA256 of the exact body under that key's secret.",
        },
      },
      exampleId: 'ntf-20261201-0001',
      receive: (headers, body) => service.receiveNotification(headers['bank-key'], headers['bank-signature'], body),
    });
    postNotification(scope, {
      url: '/v1/bank/acquirer/notifications',
      operationId: 'acquirerNotifications.receive',
      summary: 'Receive an HTTP acquirer notification',
      description:
        "A notification from live mode's HTTP acquirer (PAYHOOK_ACQUIRER_URL; docs/payments.md#the-http-acquirer), the same body as a bank notification, signed with the shared secret: " +
        '`acquirer-timestamp: <unix seconds>` and `acquirer-signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`. ' +
        'A timestamp further from now than PAYHOOK_ACQUIRER_NOTIFICATION_TOLERANCE (default 5 min) is refused, so a captured notification cannot be replayed later. ' +
        'Answers as `POST /v1/bank/notifications`; 401 bank_signature_invalid also when no acquirer is configured.',
      headers: {
        'acquirer-timestamp': { type: 'string', description: 'When the acquirer signed it, unix seconds.' },
        'acquirer-signature': {
          type: 'string',
          description: '`v1=` and the hex HMAC-SHA256 of `<timestamp>.<body>` under the shared secret.',
        },
      },
      exampleId: 'acq-ntf-0001',
      receive: (headers, body) =>
        service.receiveAcquirerNotification(headers['acquirer-timestamp'], headers['acquirer-signature'], body),
    });
  });
}

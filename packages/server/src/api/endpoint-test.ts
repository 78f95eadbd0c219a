/**
 * `POST /v1/endpoints/{id}/test`: a test webhook to one endpoint, sent now and answered with the
 * endpoint's reply (endpoints/test-webhook.ts says what it is and is not).
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { HttpClient } from '../delivery/http.js';
import { Signer } from '../delivery/signer.js';
import { sendTestWebhook, TEST_EVENT_TYPE } from '../endpoints/test-webhook.js';
import { PayhookError } from '../errors.js';
import type { EndpointId } from '../ids.js';
import { bearer, merchantOf } from './auth.js';
import { EXAMPLE_IDS, endpointExample } from './examples.js';
import { SCOPED_ERRORS, errorResponses, idParams, idSchema, scopedQuery } from './schemas.js';
import { apiVersionSchema, checkApiVersion } from './versions.js';

const testWebhookSchema = {
  $id: 'TestWebhook',
  type: 'object',
  description: 'A test webhook sent to one endpoint, and what the endpoint answered.',
  required: [
    'event_id',
    'type',
    'url',
    'sent_at',
    'succeeded',
    'status_code',
    'duration_ms',
    'response_body',
    'error_class',
    'error_message',
  ],
  properties: {
    event_id: idSchema('evt', 'The `webhook-id` it carried: a fresh id that no stored event has.'),
    type: { type: 'string', description: `\`${TEST_EVENT_TYPE}\`.` },
    url: { type: 'string', description: 'Where it was sent.' },
    sent_at: { type: 'string', format: 'date-time' },
    succeeded: { type: 'boolean', description: 'The endpoint answered 2xx, what payhook counts as delivered.' },
    status_code: { type: ['integer', 'null'], description: 'The HTTP status, when a response came.' },
    duration_ms: { type: 'integer' },
    response_body: { type: ['string', 'null'], description: 'The first 4 KiB of the response body.' },
    error_class: {
      type: ['string', 'null'],
      description:
        'As in an attempt: timeout, dns, refused, reset, tls, http_status, redirect, invalid_url, blocked or unknown; null on success.',
    },
    error_message: { type: ['string', 'null'] },
  },
  examples: [
    {
      event_id: EXAMPLE_IDS.event,
      type: TEST_EVENT_TYPE,
      url: endpointExample.url,
      sent_at: '2026-12-01T11:00:00.000Z',
      succeeded: true,
      status_code: 200,
      duration_ms: 41,
      response_body: 'ok',
      error_class: null,
      error_message: null,
    },
  ],
};

type Id = {
  Params: { id: EndpointId };
  Querystring: { merchant_id?: string };
  Body: { api_version?: string } | undefined;
};

const testBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    api_version: {
      ...apiVersionSchema,
      description:
        "Render the test webhook in this event version instead of the endpoint's own: try a version before switching to it.",
    },
  },
  description: "Optional: `api_version`. Send no body, or `{}`, for the endpoint's own version.",
};

export function registerEndpointTestRoute(app: FastifyInstance, ctx: AppContext): void {
  const params = idParams('ep', 'endpoint');
  const query = scopedQuery();
  app.addSchema(testWebhookSchema);
  // Test webhooks go out from the API process through a small pool of its own, under the same
  // destination policy as deliveries; made on first use, closed with the server.
  let testHttp: HttpClient | null = null;
  const testSigner = new Signer(ctx.store, 0);
  app.addHook('onClose', async () => {
    await testHttp?.close();
  });

  app.post<Id>(
    '/v1/endpoints/:id/test',
    {
      config: { auth: 'merchant', optionalBody: true },
      schema: {
        operationId: 'endpoints.test',
        summary: 'Send a test webhook to an endpoint',
        description:
          `Sends one \`${TEST_EVENT_TYPE}\` webhook to this endpoint now, signed and formatted as its deliveries are (in its \`api_version\`, or the one the body names), and answers with what the endpoint said. ` +
          'It is not an event: nothing is stored or retried, no other endpoint and no `payhook listen` gets it, and it is sent to a disabled endpoint too. ' +
          'The endpoint answering with an error is a `200` with `succeeded: false`, not an error of this route.',
        tags: ['endpoints'],
        security: bearer,
        params,
        querystring: query,
        body: testBody,
        response: {
          200: { $ref: 'TestWebhook#', description: 'Sent; the endpoint’s answer.' },
          ...errorResponses(...SCOPED_ERRORS, 'endpoint_not_found', 'unknown_api_version', 413, 415),
        },
      },
    },
    async (request) => {
      const merchantId = await merchantOf(ctx, request);
      const ep = await ctx.store.getEndpoint(merchantId, request.params.id);
      if (!ep) throw new PayhookError('endpoint_not_found');
      const apiVersion = checkApiVersion(request.body?.api_version) ?? ep.apiVersion;
      const userAgent = `payhook/${ctx.version}`;
      testHttp ??= new HttpClient({ connectionsPerOrigin: 4, destinations: ctx.destinations, userAgent });
      const r = await sendTestWebhook(
        ep,
        {
          http: testHttp,
          signer: testSigner,
          formats: ctx.formats,
          userAgent,
          timeoutMs: ctx.config.delivery.timeoutMs,
        },
        Date.now(),
        apiVersion,
      );
      return {
        event_id: r.eventId,
        type: r.type,
        url: ep.url,
        sent_at: new Date(r.sentAt).toISOString(),
        succeeded: r.succeeded,
        status_code: r.http.statusCode,
        duration_ms: r.http.durationMs,
        response_body: r.http.responseBody,
        error_class: r.http.errorClass,
        error_message: r.http.errorMessage,
      };
    },
  );
}

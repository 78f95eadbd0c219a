/**
 * `/v1/erasures`: a customer's personal data redacted from the merchant's stored event payloads and
 * attempt response bodies (erasures/service.ts), and the record of it.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { eraseSubject } from '../erasures/service.js';
import { PayhookError } from '../errors.js';
import type { ErasureId } from '../ids.js';
import type { ErasureRecord } from '../store/types.js';
import { bearer, merchantOf } from './auth.js';
import { SCOPED_ERRORS, errorResponses, idParams, idPattern, idSchema, scopedQuery } from './schemas.js';

const erasureExample = {
  id: 'era_01JDQ8Z0RX4YV6K3M2N5P7Q9S2',
  subject: 'customer_email',
  subject_hash: '5d41402abc4b2a76b9719d911017c592ae5cd2b5f2f0a0b9b8a4e63c2b4a8a11',
  events_redacted: 3,
  attempts_redacted: 2,
  created_at: '2026-12-01T11:00:00.000Z',
};

const erasureSchema = {
  $id: 'Erasure',
  type: 'object',
  description: 'What an erasure redacted. The subject itself is not kept: only its hash.',
  required: ['id', 'subject', 'subject_hash', 'events_redacted', 'attempts_redacted', 'created_at'],
  properties: {
    id: idSchema('era', 'The erasure id (`era_…`).'),
    subject: {
      type: 'string',
      enum: ['customer_email', 'order_id'],
      description: 'What kind of subject was erased.',
    },
    subject_hash: {
      type: 'string',
      pattern: '^[0-9a-f]{64}$',
      description:
        'Hex SHA-256 of `<subject>:<value>` (the e-mail trimmed and lower-cased): lets you show a request was carried out without keeping the data.',
    },
    events_redacted: { type: 'integer', minimum: 0, description: 'Stored events whose payload was redacted.' },
    attempts_redacted: {
      type: 'integer',
      minimum: 0,
      description: "Attempts whose stored response body (the receiver's answer) was redacted.",
    },
    created_at: { type: 'string', format: 'date-time', description: 'When it was carried out.' },
  },
  examples: [erasureExample],
};

function erasureView(e: ErasureRecord) {
  return {
    id: e.id,
    subject: e.subjectKind,
    subject_hash: e.subjectHash,
    events_redacted: e.eventsRedacted,
    attempts_redacted: e.attemptsRedacted,
    created_at: new Date(e.createdAt).toISOString(),
  };
}

export function registerErasureRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.addSchema(erasureSchema);

  app.post<{ Body: { customer_email?: string; order_id?: string }; Querystring: { merchant_id?: string } }>(
    '/v1/erasures',
    {
      config: { auth: 'merchant' },
      schema: {
        operationId: 'erasures.create',
        summary: "Erase a customer's personal data",
        description:
          "Redacts one customer's personal data (e-mail, name, phone, addresses, card holder) from the merchant's stored event payloads and " +
          'from the stored response bodies of the attempts to deliver them, replacing each value with `[redacted]`. ' +
          'Name exactly one subject: `customer_email` (the events carrying that e-mail, any case) or `order_id` (the events of that order). ' +
          "Only this merchant's data is touched. Runs at once; the answer says how much was redacted, and the record (GET /v1/erasures/{id}) keeps a hash of the subject, never the subject. " +
          'Deliveries still to be made send the redacted payload.',
        tags: ['erasures'],
        security: bearer,
        querystring: scopedQuery(),
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            customer_email: {
              type: 'string',
              minLength: 3,
              maxLength: 320,
              pattern: '^[^\\s@]+@[^\\s@]+$',
              description: "The customer's e-mail address.",
            },
            order_id: { type: 'string', pattern: idPattern('ord'), description: 'An order (`ord_…`).' },
          },
          examples: [{ customer_email: 'customer@example.com' }],
        },
        response: {
          201: { $ref: 'Erasure#', description: 'Carried out.' },
          ...errorResponses(...SCOPED_ERRORS, 'erasure_subject_required', 400, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const merchantId = await merchantOf(ctx, request);
      const { customer_email: email, order_id: order } = request.body;
      if ((email === undefined) === (order === undefined)) throw new PayhookError('erasure_subject_required');
      const record = await eraseSubject(
        ctx.store,
        merchantId,
        email !== undefined ? { kind: 'customer_email', value: email } : { kind: 'order_id', value: order as string },
      );
      ctx.logger.info(
        { erasure: record.id, merchant: merchantId, events: record.eventsRedacted, attempts: record.attemptsRedacted },
        'erasure carried out',
      );
      return reply.code(201).send(erasureView(record));
    },
  );

  app.get<{ Params: { id: ErasureId }; Querystring: { merchant_id?: string } }>(
    '/v1/erasures/:id',
    {
      config: { auth: 'merchant' },
      schema: {
        operationId: 'erasures.get',
        summary: 'Get an erasure',
        description: 'The record of an erasure: what kind of subject, its hash, and how much was redacted.',
        tags: ['erasures'],
        security: bearer,
        params: idParams('era', 'erasure'),
        querystring: scopedQuery(),
        response: {
          200: { $ref: 'Erasure#', description: 'The erasure.' },
          ...errorResponses(...SCOPED_ERRORS, 'erasure_not_found'),
        },
      },
    },
    async (request) => {
      const merchantId = await merchantOf(ctx, request);
      const record = await ctx.store.getErasure(merchantId, request.params.id);
      if (!record) throw new PayhookError('erasure_not_found');
      return erasureView(record);
    },
  );
}

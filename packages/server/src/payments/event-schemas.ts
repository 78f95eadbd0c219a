/**
 * JSON Schemas of the payment events' `data`, published at `GET /v1/event-types` so a receiver can
 * generate types or validate what it gets. They are derived from the one definition in events.ts: the
 * fields (with their schemas, in payload order) and, per type, the `status` and `order_status` that
 * type can carry, which narrow those two fields to an `enum`. A test checks real event data against
 * these schemas, and the SDK's guard against both.
 */
import type { EventTypeDoc } from '../module-api.js';
import { PAYMENT_EVENT_FIELDS, PAYMENT_EVENTS, type PaymentEventType } from './events.js';

type Schema = Record<string, unknown>;

/** A field's schema with `enum` right after `type`, where the published documents have always had it. */
function narrowed(schema: Schema, values: readonly string[]): Schema {
  const { type, ...rest } = schema;
  return { type, enum: [...values], ...rest };
}

function dataSchema(status: readonly string[], orderStatus: readonly string[]): Schema {
  const properties: Schema = {};
  for (const f of PAYMENT_EVENT_FIELDS) {
    properties[f.name] =
      f.name === 'status'
        ? narrowed(f.schema, status)
        : f.name === 'order_status'
          ? narrowed(f.schema, orderStatus)
          : f.schema;
  }
  return { type: 'object', additionalProperties: false, required: PAYMENT_EVENT_FIELDS.map((f) => f.name), properties };
}

export interface PaymentEventTypeDoc extends EventTypeDoc {
  type: PaymentEventType;
}

export const PAYMENT_EVENT_DOCS: readonly PaymentEventTypeDoc[] = PAYMENT_EVENTS.map((e) => ({
  type: e.type,
  description: e.description,
  schema: dataSchema(e.status, e.orderStatus),
}));

/**
 * JSON Schemas of the payment module's events' `data`, published at `GET /v1/event-types` so a receiver
 * can generate types or validate what it gets. They are derived from the one definition of each shape
 * (events.ts for a payment attempt's, refund-events.ts for a refund's): the fields (with their schemas,
 * in payload order) and, per type, the `status` and `order_status` that type can carry, which narrow
 * those two fields to an `enum`. A test checks real event data against these schemas, and the SDK's
 * guard against both.
 */
import type { EventTypeDoc } from '../module-api.js';
import { PAYMENT_EVENT_FIELDS, PAYMENT_EVENTS, type Schema } from './events.js';
import { REFUND_EVENT_FIELDS, REFUND_EVENTS, type ModuleEventType } from './refund-events.js';

/** A field's schema with `enum` right after `type`, where the published documents have always had it. */
function narrowed(schema: Schema, values: readonly string[]): Schema {
  const { type, ...rest } = schema;
  return { type, enum: [...values], ...rest };
}

function dataSchema(
  fields: readonly { name: string; schema: Schema }[],
  status: readonly string[],
  orderStatus: readonly string[],
): Schema {
  const properties: Schema = {};
  for (const f of fields) {
    properties[f.name] =
      f.name === 'status'
        ? narrowed(f.schema, status)
        : f.name === 'order_status'
          ? narrowed(f.schema, orderStatus)
          : f.schema;
  }
  return { type: 'object', additionalProperties: false, required: fields.map((f) => f.name), properties };
}

export interface PaymentEventTypeDoc extends EventTypeDoc {
  type: ModuleEventType;
}

/** Every event type of the module, a payment attempt's first, then a refund's. */
export const PAYMENT_EVENT_DOCS: readonly PaymentEventTypeDoc[] = [
  ...PAYMENT_EVENTS.map((e) => ({
    type: e.type,
    description: e.description,
    schema: dataSchema(PAYMENT_EVENT_FIELDS, e.status, e.orderStatus),
  })),
  ...REFUND_EVENTS.map((e) => ({
    type: e.type,
    description: e.description,
    schema: dataSchema(REFUND_EVENT_FIELDS, e.status, e.orderStatus),
  })),
];

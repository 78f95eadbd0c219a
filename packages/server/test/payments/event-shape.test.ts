/**
 * The payment module's two event shapes (a payment attempt's, a refund's), each seen from its three
 * readers: the JSON Schemas payhook publishes, the events the payment flows really emit, and the SDK's
 * runtime guard (`isPaymentEvent`). Each shape is written once (payments/events.ts,
 * payments/refund-events.ts); the SDK's types are pinned to them at compile time
 * (payments/sdk-agreement.ts), and this file checks the runtime side: the SDK lists the same types,
 * takes every real event, and refuses what the schemas refuse among the fields its guard reads.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv, type ValidateFunction } from 'ajv';
import { isPaymentEvent, PAYMENT_EVENT_TYPES as SDK_TYPES } from '@payhook/sdk';
import { PAYMENT_EVENT_DOCS } from '../../src/payments/event-schemas.js';
import { PAYMENT_EVENT_FIELDS, PAYMENT_EVENT_TYPES, type PaymentEventType } from '../../src/payments/events.js';
import { REFUND_EVENT_FIELDS, REFUND_EVENT_TYPES } from '../../src/payments/refund-events.js';
import { CARDS, card, openPaymentKit, type PaymentKit } from './testkit.js';

const ajv = new Ajv({ strict: false, validateFormats: false });
const validate = new Map<string, ValidateFunction>(PAYMENT_EVENT_DOCS.map((d) => [d.type, ajv.compile(d.schema)]));
const ALL_TYPES = [...PAYMENT_EVENT_TYPES, ...REFUND_EVENT_TYPES];
/** The fields of the shape an event type has, in payload order. */
const fieldsOf = (type: string) =>
  ((REFUND_EVENT_TYPES as readonly string[]).includes(type) ? REFUND_EVENT_FIELDS : PAYMENT_EVENT_FIELDS).map(
    (f) => f.name,
  );

describe('payment event shape: schemas, real events and the SDK agree', () => {
  let kit: PaymentKit;
  const envelopes: { id: string; type: string; timestamp: string; data: Record<string, unknown> }[] = [];

  before(async () => {
    kit = await openPaymentKit();
    const pay = async (reference: string, number: string) => {
      const order = await kit.service.createOrder(kit.merchantId, {
        reference,
        amount: 10050,
        currency: 'AED',
        customer_email: 'customer@example.com',
        optional1: 'x',
      });
      return (await kit.service.pay(kit.merchantId, order.id, card(number))).transaction.id;
    };
    const approved = await pay('INV-approve', CARDS.approve);
    await pay('INV-decline', CARDS.decline);
    await pay('INV-delay', CARDS.delayApprove);
    await pay('INV-debit', CARDS.debitDecline);
    const refundFails = await pay('INV-refund-fails', CARDS.refundFails);
    await kit.service.refund(kit.merchantId, approved, { amount: 50, reason: 'one item returned' });
    await kit.service.refund(kit.merchantId, approved, {});
    await kit.service.refund(kit.merchantId, refundFails, {});
    kit.clock.now += 10_000;
    await kit.workers.tick();
    let cursor: string | null = null;
    do {
      const page = await kit.store.listEvents({ merchantId: kit.merchantId, limit: 100, cursor, order: 'asc' });
      for (const e of page.items) envelopes.push(JSON.parse(e.body));
      cursor = page.nextCursor;
    } while (cursor);
  });
  after(async () => {
    await kit?.close();
  });

  test("the SDK lists the server's event types, in the same order", () => {
    assert.deepEqual([...SDK_TYPES], ALL_TYPES);
    assert.deepEqual(
      PAYMENT_EVENT_DOCS.map((d) => d.type),
      ALL_TYPES,
    );
  });

  test('every schema requires exactly the fields the server sends, and no others', () => {
    for (const d of PAYMENT_EVENT_DOCS) {
      assert.deepEqual(d.schema.required, fieldsOf(d.type), d.type);
      assert.deepEqual(Object.keys(d.schema.properties as object), fieldsOf(d.type), d.type);
      assert.equal(d.schema.additionalProperties, false, d.type);
    }
  });

  test("real events of every type pass their schema and the SDK's guard, with the fields in the agreed order", () => {
    assert.deepEqual(
      [...new Set(envelopes.map((e) => e.type))].sort(),
      [...ALL_TYPES].sort(),
      'the flows produced every type',
    );
    for (const e of envelopes) {
      const valid = validate.get(e.type)!;
      assert.ok(valid(e.data), `${e.type}: ${ajv.errorsText(valid.errors)}`);
      assert.ok(isPaymentEvent({ ...e }, e.type as PaymentEventType), `the SDK takes ${e.type}`);
      assert.deepEqual(Object.keys(e.data), fieldsOf(e.type));
      // Another type's schema narrows status or order_status differently: an event is not valid as every type.
      assert.ok(
        PAYMENT_EVENT_DOCS.some((d) => !validate.get(d.type)!(e.data)),
        `${e.type} data is specific to its type`,
      );
    }
  });

  for (const type of ['order.success', 'refund.succeeded'] as const)
    test(`what the schemas refuse among the fields the SDK's guard reads, the guard refuses too (${type})`, () => {
      const e = envelopes.find((x) => x.type === type)!;
      const broken: Record<string, (d: Record<string, unknown>) => void> = {
        'no order_id': (d) => {
          delete d.order_id;
        },
        'sequence below 1 and fractional': (d) => {
          d.sequence = -1.5;
        },
        'fractional amount': (d) => {
          d.amount = 100.5;
        },
        'currency not a string': (d) => {
          d.currency = 784;
        },
        'status not a string': (d) => {
          d.status = 1;
        },
        'order_status missing': (d) => {
          delete d.order_status;
        },
        'data not an object': () => {},
      };
      for (const [what, breakIt] of Object.entries(broken)) {
        const data: Record<string, unknown> = structuredClone(e.data);
        breakIt(data);
        const sent = what === 'data not an object' ? { ...e, data: [data] } : { ...e, data };
        assert.equal(validate.get(e.type)!(sent.data), false, `the schema refuses: ${what}`);
        assert.equal(isPaymentEvent(sent, type), false, `the SDK refuses: ${what}`);
      }
    });
});

/**
 * The shop's own database (SQLite through better-sqlite3): its orders, and a log of the payment webhooks
 * it applied or skipped. The SDK's idempotency and sequence tables live in the same file, so all of it is
 * backed up and restored together.
 *
 * An order's payment state has one writer: the webhook handler (`applyPaymentEvent`). Every payment event
 * carries the order's whole state and a per-order `sequence`, so applying one is a single conditional
 * upsert, `… WHERE orders.sequence < excluded.sequence`: an older event can never overwrite a newer state,
 * even with several shop processes, and an event about an order this database has not saved yet (created
 * elsewhere, or arriving before the checkout finished saving it) creates it.
 */
import Database from 'better-sqlite3';
import type { Order, PaymentEventData, RefundEventData } from '@payhook/sdk';

export interface ShopOrder {
  id: string;
  reference: string;
  product: string;
  amount: number;
  amount_decimal: string;
  currency: string;
  customer_email: string | null;
  /** payhook's order status: open, paid, cancelled, partially_refunded or refunded. */
  status: string;
  /** The transaction's status: success, delayed, failed, payback_pending, paid_back; null before the first event. */
  payment_status: string | null;
  card_last_four: string | null;
  bank_message: string | null;
  /** The sequence of the last payhook event applied (0: none yet). */
  sequence: number;
  created_at: string;
  updated_at: string;
}

export interface WebhookLogEntry {
  event_id: string;
  order_id: string;
  type: string;
  sequence: number;
  /** `applied`, or `stale` (older than what the order already had: skipped). */
  outcome: string;
  received_at: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS orders (
  id TEXT PRIMARY KEY,
  reference TEXT NOT NULL UNIQUE,
  product TEXT NOT NULL,
  amount INTEGER NOT NULL,
  amount_decimal TEXT NOT NULL,
  currency TEXT NOT NULL,
  customer_email TEXT,
  status TEXT NOT NULL,
  payment_status TEXT,
  card_last_four TEXT,
  bank_message TEXT,
  sequence INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_log (
  event_id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL,
  type TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_log_order ON webhook_log (order_id);
`;

export class ShopDb {
  readonly sqlite: Database.Database;
  private readonly insertOrderStmt: Database.Statement;
  private readonly applyStmt: Database.Statement;
  private readonly refundStmt: Database.Statement;
  private readonly logStmt: Database.Statement;

  constructor(path: string) {
    this.sqlite = new Database(path);
    this.sqlite.pragma('journal_mode = WAL');
    this.sqlite.pragma('busy_timeout = 5000');
    this.sqlite.exec(SCHEMA);
    this.insertOrderStmt = this.sqlite.prepare(`INSERT INTO orders
      (id, reference, product, amount, amount_decimal, currency, customer_email, status, created_at, updated_at)
      VALUES (@id, @reference, @product, @amount, @amount_decimal, @currency, @customer_email, @status, @now, @now)
      ON CONFLICT (id) DO NOTHING`);
    this.applyStmt = this.sqlite.prepare(`INSERT INTO orders
      (id, reference, product, amount, amount_decimal, currency, customer_email, status, payment_status, card_last_four, bank_message, sequence, created_at, updated_at)
      VALUES (@order_id, @reference, @product, @amount, @amount_decimal, @currency, @customer_email, @order_status, @status, @card_last_four, @bank_message, @sequence, @now, @now)
      ON CONFLICT (id) DO UPDATE SET status = excluded.status, payment_status = excluded.payment_status,
        card_last_four = excluded.card_last_four, bank_message = excluded.bank_message, sequence = excluded.sequence, updated_at = excluded.updated_at
      WHERE orders.sequence < excluded.sequence`);
    // A refund event moves the order's status only; the payment's own fields stay the payment's.
    this.refundStmt = this.sqlite.prepare(`UPDATE orders SET status = @order_status, sequence = @sequence,
      updated_at = @now WHERE id = @order_id AND sequence < @sequence`);
    this.logStmt =
      this.sqlite.prepare(`INSERT INTO webhook_log (event_id, order_id, type, sequence, outcome, received_at)
      VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`);
  }

  /** Saves an order just created through payhook (open, no payment yet). */
  insertOrder(order: Order, product: string): void {
    this.insertOrderStmt.run({
      id: order.id,
      reference: order.reference,
      product,
      amount: order.amount,
      amount_decimal: order.amount_decimal,
      currency: order.currency,
      customer_email: order.customer_email,
      status: order.status,
      now: new Date().toISOString(),
    });
  }

  /** Applies a payment event's state if it is newer than the order's; returns whether it changed the order. */
  applyPaymentEvent(eventId: string, type: string, data: PaymentEventData | RefundEventData): boolean {
    return this.sqlite.transaction(() => {
      const now = new Date().toISOString();
      const changed =
        'refund_id' in data
          ? this.refundStmt.run({
              order_status: data.order_status,
              sequence: data.sequence,
              order_id: data.order_id,
              now,
            }).changes === 1
          : this.applyStmt.run({ ...data, product: data.optional1 ?? '(ordered elsewhere)', now }).changes === 1;
      this.log(eventId, data.order_id, type, data.sequence, changed ? 'applied' : 'stale');
      return changed;
    })();
  }

  log(eventId: string, orderId: string, type: string, sequence: number, outcome: string): void {
    this.logStmt.run(eventId, orderId, type, sequence, outcome, new Date().toISOString());
  }

  orders(limit = 100): ShopOrder[] {
    return this.sqlite
      .prepare('SELECT * FROM orders ORDER BY created_at DESC, id DESC LIMIT ?')
      .all(limit) as ShopOrder[];
  }

  order(id: string): ShopOrder | undefined {
    return this.sqlite.prepare('SELECT * FROM orders WHERE id = ?').get(id) as ShopOrder | undefined;
  }

  webhooks(orderId: string): WebhookLogEntry[] {
    return this.sqlite
      .prepare('SELECT * FROM webhook_log WHERE order_id = ? ORDER BY received_at, sequence')
      .all(orderId) as WebhookLogEntry[];
  }

  close(): void {
    this.sqlite.close();
  }
}

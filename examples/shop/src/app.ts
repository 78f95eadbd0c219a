/**
 * The shop as an Express app: a page of orders with a "Buy" form, the checkout (create the order through
 * payhook, pay it with the chosen test card), and the webhook receiver that moves each order along.
 *
 * The receiver is the three lines every merchant needs, from @payhook/sdk:
 * - `expressWebhook` verifies the signature over the raw body (registered before any body parser);
 * - `idempotency` runs the handler at most once per webhook id (a retry or a replay is answered 200
 *   without being applied again), in this shop's SQLite file;
 * - `ordering` applies an event only if its `sequence` is newer than the last applied for its order,
 *   so a late `transaction.delayed` cannot undo `order.success`.
 *
 * Open pages are told of every change as it happens (`GET /updates`, updates.ts).
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  PayhookApiError,
  createIdempotency,
  createOrdering,
  expressWebhook,
  isPaymentEvent,
  sqliteIdempotencyStore,
  sqliteSequenceStore,
  type PayhookClient,
} from '@payhook/sdk';
import type { ShopDb } from './db.js';
import { PRODUCTS, renderPage, renderRows } from './pages.js';
import { LiveUpdates } from './updates.js';

export interface ShopOptions {
  /** A client with the merchant's API key. */
  payhook: PayhookClient;
  /** The endpoint's signing secret(s) (`whsec_…`); several during a rotation. */
  webhookSecrets: string | string[];
  db: ShopDb;
  /** Where the shop says what it did (default: stdout). */
  log?: (line: string) => void;
}

const OUTCOMES = new Set(['success', 'delayed', 'failed']);

export function createShop(options: ShopOptions): express.Express {
  const { payhook, db } = options;
  const log = options.log ?? ((line: string) => process.stdout.write(`shop: ${line}\n`));
  const idempotency = createIdempotency({ store: sqliteIdempotencyStore(db.sqlite) });
  const ordering = createOrdering({ store: sqliteSequenceStore(db.sqlite) });
  const updates = new LiveUpdates(() => renderRows(db.orders()));
  const app = express();
  app.disable('x-powered-by');

  // First, before any body parser: the signature is over the exact bytes payhook sent.
  app.post(
    '/webhooks',
    expressWebhook(
      options.webhookSecrets,
      async (event) => {
        if (!isPaymentEvent(event)) {
          log(`webhook ${event.type} ${event.id}: not a payment event, nothing to do`);
          return;
        }
        const r = await ordering.apply(event, (e) => db.applyPaymentEvent(e.id, e.type, e.data));
        const applied = r.status === 'applied' && r.result;
        if (applied) updates.changed();
        if (r.status === 'stale') db.log(event.id, event.data.order_id, event.type, event.data.sequence, 'stale');
        log(
          `webhook ${event.type.padEnd(21)} ${event.id}  ${event.data.order_id} #${event.data.sequence}: ` +
            (applied ? `applied, order ${event.data.order_status}` : 'older than what the order has, skipped'),
        );
      },
      { idempotency },
    ),
  );

  app.get('/updates', (req, res) => updates.attach(req, res));

  app.get('/', (req, res) => {
    const placed = typeof req.query.placed === 'string' && /^ord_\w+$/.test(req.query.placed) ? req.query.placed : null;
    const outcome = typeof req.query.outcome === 'string' && OUTCOMES.has(req.query.outcome) ? req.query.outcome : null;
    const order = placed ? db.order(placed) : undefined;
    const notice =
      order && outcome
        ? {
            kind: 'ok' as const,
            text: `Order ${order.reference}: the bank answered "${outcome}". Its status below changes when payhook's webhooks arrive.`,
          }
        : undefined;
    res.type('html').send(renderPage({ orders: db.orders(), notice }));
  });

  app.post(
    '/buy',
    express.urlencoded({ extended: false, limit: '4kb' }),
    async (req: Request, res: Response, next: NextFunction) => {
      const form = (req.body ?? {}) as Record<string, string | undefined>;
      const product = PRODUCTS.find((p) => p.id === form.product);
      const card = String(form.card ?? '').replace(/[\s-]/g, '');
      if (!product || !/^\d{12,19}$/.test(card)) {
        res
          .status(400)
          .type('html')
          .send(renderPage({ orders: db.orders(), notice: { kind: 'error', text: 'Choose a product and a card.' } }));
        return;
      }
      try {
        const reference = `CS-${Date.now().toString(36).toUpperCase()}-${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
        const order = await payhook.orders.create({
          reference,
          amount: product.amount,
          currency: 'AED',
          customer_email: form.email || null,
          optional1: product.name,
        });
        db.insertOrder(order, product.name);
        updates.changed();
        // Any future expiry and cvc: the simulator goes by the card number.
        const paid = await payhook.orders.pay(order.id, {
          number: card,
          expiry: `12/${new Date().getUTCFullYear() + 5}`,
          cvc: '123',
        });
        log(`checkout ${order.id} (${reference}, ${product.name}): ${paid.outcome}`);
        res.redirect(303, `/?placed=${encodeURIComponent(order.id)}&outcome=${encodeURIComponent(paid.outcome)}`);
      } catch (err) {
        if (!(err instanceof PayhookApiError)) return next(err);
        log(`checkout failed: ${err.message} (${err.code})`);
        res
          .status(err.status >= 400 && err.status < 500 ? 400 : 502)
          .type('html')
          .send(
            renderPage({
              orders: db.orders(),
              notice: { kind: 'error', text: `payhook answered: ${err.message} (${err.code})` },
            }),
          );
      }
    },
  );

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    log(`error: ${(err as Error)?.stack ?? String(err)}`);
    if (!res.headersSent) res.status(500).type('text').send('Something went wrong.');
  });
  return app;
}

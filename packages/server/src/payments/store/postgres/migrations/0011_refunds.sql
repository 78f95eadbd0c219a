-- 0011_refunds: refunds of successful payments, and the order states they lead to; the PostgreSQL twin
-- of sqlite/migrations/0011_refunds.sql, which explains the tables. Here the constraints change in
-- place: no table is rebuilt.

ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
  CHECK (status IN ('open', 'paid', 'cancelled', 'partially_refunded', 'refunded'));
-- what its refunds that succeeded returned, never more than was paid
ALTER TABLE orders ADD COLUMN amount_refunded bigint NOT NULL DEFAULT 0
  CONSTRAINT orders_amount_refunded_check CHECK (amount_refunded >= 0 AND amount_refunded <= amount);
-- re_… for refund.*, NULL otherwise; `status` of a refund event's row is the refund's
ALTER TABLE payment_events ADD COLUMN refund_id text COLLATE "C";

CREATE TABLE refunds (
  id              text COLLATE "C" PRIMARY KEY,     -- re_…
  transaction_id  text COLLATE "C" NOT NULL REFERENCES transactions (id),
  order_id        text COLLATE "C" NOT NULL REFERENCES orders (id),
  merchant_id     text COLLATE "C" NOT NULL,
  amount          bigint NOT NULL CHECK (amount > 0),
  currency        text NOT NULL,
  reason          text,
  status          text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  bank_message    text,                             -- the bank's last word; NULL until it answered
  idempotency_key text,                             -- the merchant's, when it gave one
  request_sha256  text NOT NULL,                    -- what was asked: the same key for another request is a conflict
  -- While pending: when to send it (again) to the bank; during a claim, the end of the lease.
  next_check_at   bigint,
  created_at      bigint NOT NULL,
  updated_at      bigint NOT NULL
);
CREATE INDEX refunds_by_transaction ON refunds (transaction_id, id);
CREATE INDEX refunds_by_order ON refunds (order_id, id);
CREATE UNIQUE INDEX refunds_idempotency ON refunds (merchant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX refunds_due ON refunds (next_check_at) WHERE status = 'pending';

-- 0011_refunds: refunds of successful payments, and the order states they lead to.
--
-- refunds: one row per refund, made in the same database transaction as its `refund.created` event.
-- Its id is the idempotency key of every request about it sent to the bank, so neither a retry nor a
-- restart can return the money twice; `(merchant_id, idempotency_key)` is unique, so the merchant's
-- own key cannot make two refunds either. The money rule (never more than was paid) is checked under
-- the payment's lock by the code, and `orders.amount_refunded <= amount` here as the last guard.
--
-- orders: `status` may now be `partially_refunded` or `refunded`, and `amount_refunded` is what its
-- refunds that succeeded add up to. payment_events: `refund_id` names the refund a refund event is about.
--
-- SQLite cannot change a CHECK constraint in place, and enforces the foreign keys that point at orders
-- (transactions, payment_events) and at transactions (paybacks) inside this transaction. So those four
-- tables are rebuilt, as SQLite's documentation describes: copied aside, dropped children first, made
-- again (0002's definitions with the new states and columns, and their indexes) and filled parents
-- first. bank_notifications and payment_refusals reference nothing and stay as they are.

CREATE TEMP TABLE v11_orders AS SELECT * FROM orders;
CREATE TEMP TABLE v11_transactions AS SELECT * FROM transactions;
CREATE TEMP TABLE v11_paybacks AS SELECT * FROM paybacks;
CREATE TEMP TABLE v11_payment_events AS SELECT * FROM payment_events;
DROP TABLE paybacks;
DROP TABLE payment_events;
DROP TABLE transactions;
DROP TABLE orders;

CREATE TABLE orders (
  id              TEXT PRIMARY KEY,                 -- ord_…
  merchant_id     TEXT NOT NULL REFERENCES merchants(id),
  reference       TEXT NOT NULL,                    -- the merchant's own order reference
  amount          INTEGER NOT NULL CHECK (amount > 0),
  currency        TEXT NOT NULL,
  customer_email  TEXT,
  customer_mobile TEXT,
  optional1       TEXT,
  optional2       TEXT,
  optional3       TEXT,
  status          TEXT NOT NULL CHECK (status IN ('open', 'paid', 'cancelled', 'partially_refunded', 'refunded')),
  sequence        INTEGER NOT NULL DEFAULT 0,       -- sequence of the order's latest event
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  -- what its refunds that succeeded returned, never more than was paid
  amount_refunded INTEGER NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0 AND amount_refunded <= amount)
);
-- Also what GET /v1/orders?reference= reads: one row by (merchant, reference).
CREATE UNIQUE INDEX orders_reference ON orders (merchant_id, reference);
CREATE INDEX orders_by_merchant ON orders (merchant_id, id);

CREATE TABLE transactions (
  id                TEXT PRIMARY KEY,               -- txn_…
  order_id          TEXT NOT NULL REFERENCES orders(id),
  merchant_id       TEXT NOT NULL,
  transaction_no    TEXT NOT NULL UNIQUE,           -- FLN…
  payment_reference TEXT NOT NULL UNIQUE,           -- UUID
  amount            INTEGER NOT NULL CHECK (amount > 0),
  currency          TEXT NOT NULL,
  card_last_four    TEXT NOT NULL,                  -- never more of the card than this
  status            TEXT NOT NULL CHECK (status IN ('pending', 'delayed', 'success', 'failed', 'payback_pending', 'paid_back')),
  bank_message      TEXT NOT NULL DEFAULT '',
  bank_reference    TEXT,
  debited           INTEGER NOT NULL DEFAULT 0,
  -- When to ask the bank about a pending or delayed transaction (an enquiry); NULL once final.
  next_check_at     INTEGER,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX transactions_by_order ON transactions (order_id, id);
CREATE INDEX transactions_by_merchant ON transactions (merchant_id, id);
CREATE INDEX transactions_check_due ON transactions (next_check_at) WHERE status IN ('pending', 'delayed');
CREATE UNIQUE INDEX transactions_one_success ON transactions (order_id) WHERE status = 'success';
CREATE UNIQUE INDEX transactions_one_live ON transactions (order_id) WHERE status IN ('pending', 'delayed');

CREATE TABLE paybacks (
  id              TEXT PRIMARY KEY,                 -- pb_…
  transaction_id  TEXT NOT NULL UNIQUE REFERENCES transactions(id),
  merchant_id     TEXT NOT NULL,
  amount          INTEGER NOT NULL CHECK (amount > 0),
  currency        TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'confirmed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,                          -- due time; during a claim, the end of the lease
  lease_owner     TEXT,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX paybacks_due ON paybacks (next_attempt_at) WHERE status = 'pending';

CREATE TABLE payment_events (
  order_id       TEXT NOT NULL REFERENCES orders(id),
  sequence       INTEGER NOT NULL,
  event_id       TEXT NOT NULL,
  type           TEXT NOT NULL,
  transaction_id TEXT NOT NULL,
  status         TEXT NOT NULL,                     -- the transaction's, or the refund's for refund.*
  order_status   TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  refund_id      TEXT,                              -- re_… for refund.*, NULL otherwise
  PRIMARY KEY (order_id, sequence)
);

INSERT INTO orders (id, merchant_id, reference, amount, currency, customer_email, customer_mobile, optional1,
                    optional2, optional3, status, sequence, created_at, updated_at)
SELECT id, merchant_id, reference, amount, currency, customer_email, customer_mobile, optional1,
       optional2, optional3, status, sequence, created_at, updated_at FROM v11_orders;
INSERT INTO transactions (id, order_id, merchant_id, transaction_no, payment_reference, amount, currency,
                          card_last_four, status, bank_message, bank_reference, debited, next_check_at,
                          created_at, updated_at)
SELECT id, order_id, merchant_id, transaction_no, payment_reference, amount, currency,
       card_last_four, status, bank_message, bank_reference, debited, next_check_at,
       created_at, updated_at FROM v11_transactions;
INSERT INTO paybacks (id, transaction_id, merchant_id, amount, currency, status, attempts, next_attempt_at,
                      lease_owner, last_error, created_at, updated_at)
SELECT id, transaction_id, merchant_id, amount, currency, status, attempts, next_attempt_at,
       lease_owner, last_error, created_at, updated_at FROM v11_paybacks;
INSERT INTO payment_events (order_id, sequence, event_id, type, transaction_id, status, order_status, created_at)
SELECT order_id, sequence, event_id, type, transaction_id, status, order_status, created_at FROM v11_payment_events;
DROP TABLE v11_orders;
DROP TABLE v11_transactions;
DROP TABLE v11_paybacks;
DROP TABLE v11_payment_events;

CREATE TABLE refunds (
  id              TEXT PRIMARY KEY,                 -- re_…
  transaction_id  TEXT NOT NULL REFERENCES transactions(id),
  order_id        TEXT NOT NULL REFERENCES orders(id),
  merchant_id     TEXT NOT NULL,
  amount          INTEGER NOT NULL CHECK (amount > 0),
  currency        TEXT NOT NULL,
  reason          TEXT,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  bank_message    TEXT,                             -- the bank's last word; NULL until it answered
  idempotency_key TEXT,                             -- the merchant's, when it gave one
  request_sha256  TEXT NOT NULL,                    -- what was asked: the same key for another request is a conflict
  -- While pending: when to send it (again) to the bank; during a claim, the end of the lease.
  next_check_at   INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX refunds_by_transaction ON refunds (transaction_id, id);
CREATE INDEX refunds_by_order ON refunds (order_id, id);
CREATE UNIQUE INDEX refunds_idempotency ON refunds (merchant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX refunds_due ON refunds (next_check_at) WHERE status = 'pending';

-- 0002_payments: the payment module's tables (orders, transactions, pay-backs, bank notifications and
-- the per-order event log). Times are unix milliseconds, amounts integer minor units. The invariants a
-- finance team relies on are constraints here too, so a bug in the code fails loudly instead of paying
-- twice: one successful and one live transaction per order at most, one pay-back per transaction, one
-- row per bank notification.

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
  status          TEXT NOT NULL CHECK (status IN ('open', 'paid', 'cancelled')),
  sequence        INTEGER NOT NULL DEFAULT 0,       -- sequence of the order's latest event
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
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
-- An order is paid at most once, and has at most one payment in flight.
CREATE UNIQUE INDEX transactions_one_success ON transactions (order_id) WHERE status = 'success';
CREATE UNIQUE INDEX transactions_one_live ON transactions (order_id) WHERE status IN ('pending', 'delayed');

-- One row per debited failed transaction (UNIQUE transaction_id), created in the same database
-- transaction as the failure. Its id is the idempotency key of every try sent to the bank, so neither a
-- retry nor a restart can make a second pay-back.
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

-- Every bank notification applied or refused, keyed by the bank's own id: the same notification again
-- gets the stored answer and changes nothing.
CREATE TABLE bank_notifications (
  id              TEXT PRIMARY KEY,                 -- bnk_…
  bank_key        TEXT NOT NULL,                    -- which bank key signed it
  notification_id TEXT NOT NULL,                    -- the bank's id for it
  body_sha256     TEXT NOT NULL,
  transaction_id  TEXT,
  event           TEXT NOT NULL,                    -- the state-machine event it asked for
  outcome         TEXT NOT NULL CHECK (outcome IN ('applied', 'restated', 'refused')),
  from_status     TEXT,
  to_status       TEXT,
  received_at     INTEGER NOT NULL,
  UNIQUE (bank_key, notification_id)
);

-- The history of each order as its events told it (sequence order). Events themselves may be pruned
-- by retention; this log stays with the order.
CREATE TABLE payment_events (
  order_id       TEXT NOT NULL REFERENCES orders(id),
  sequence       INTEGER NOT NULL,
  event_id       TEXT NOT NULL,
  type           TEXT NOT NULL,
  transaction_id TEXT NOT NULL,
  status         TEXT NOT NULL,
  order_status   TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  PRIMARY KEY (order_id, sequence)
);

-- Transitions the state machine refused, from any source (bank notification, enquiry, pay-back
-- worker, checkout), kept for a person to look at.
CREATE TABLE payment_refusals (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  merchant_id    TEXT NOT NULL,
  order_id       TEXT NOT NULL,
  transaction_id TEXT NOT NULL,
  from_status    TEXT NOT NULL,
  event          TEXT NOT NULL,
  source         TEXT NOT NULL,                     -- 'notification:<bank_key>:<id>', 'enquiry', 'checkout', 'payback'
  created_at     INTEGER NOT NULL
);
CREATE INDEX payment_refusals_by_transaction ON payment_refusals (transaction_id);

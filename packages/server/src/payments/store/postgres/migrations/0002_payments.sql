-- 0002_payments: the payment module's tables, the PostgreSQL twin of sqlite/migrations/0002_payments.sql
-- (orders, transactions, pay-backs, bank notifications and the per-order event log). Times are unix
-- milliseconds, amounts integer minor units (bigint: no float ever touches money). The invariants a
-- finance team relies on are constraints here too, so a bug in the code fails loudly instead of paying
-- twice: one successful and one live transaction per order at most, one pay-back per transaction, one
-- row per bank notification.

CREATE TABLE orders (
  id              text COLLATE "C" PRIMARY KEY,     -- ord_…
  merchant_id     text COLLATE "C" NOT NULL REFERENCES merchants (id),
  reference       text NOT NULL,                    -- the merchant's own order reference
  amount          bigint NOT NULL CHECK (amount > 0),
  currency        text NOT NULL,
  customer_email  text,
  customer_mobile text,
  optional1       text,
  optional2       text,
  optional3       text,
  status          text NOT NULL CHECK (status IN ('open', 'paid', 'cancelled')),
  sequence        integer NOT NULL DEFAULT 0,       -- sequence of the order's latest event
  created_at      bigint NOT NULL,
  updated_at      bigint NOT NULL
);
CREATE UNIQUE INDEX orders_reference ON orders (merchant_id, reference);
CREATE INDEX orders_by_merchant ON orders (merchant_id, id);

CREATE TABLE transactions (
  id                text COLLATE "C" PRIMARY KEY,   -- txn_…
  order_id          text COLLATE "C" NOT NULL REFERENCES orders (id),
  merchant_id       text COLLATE "C" NOT NULL,
  transaction_no    text NOT NULL UNIQUE,           -- FLN…
  payment_reference text NOT NULL UNIQUE,           -- UUID
  amount            bigint NOT NULL CHECK (amount > 0),
  currency          text NOT NULL,
  card_last_four    text NOT NULL,                  -- never more of the card than this
  status            text NOT NULL CHECK (status IN ('pending', 'delayed', 'success', 'failed', 'payback_pending', 'paid_back')),
  bank_message      text NOT NULL DEFAULT '',
  bank_reference    text,
  debited           boolean NOT NULL DEFAULT false,
  -- When to ask the bank about a pending or delayed transaction (an enquiry); NULL once final.
  next_check_at     bigint,
  created_at        bigint NOT NULL,
  updated_at        bigint NOT NULL
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
  id              text COLLATE "C" PRIMARY KEY,     -- pb_…
  transaction_id  text COLLATE "C" NOT NULL UNIQUE REFERENCES transactions (id),
  merchant_id     text COLLATE "C" NOT NULL,
  amount          bigint NOT NULL CHECK (amount > 0),
  currency        text NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'confirmed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at bigint,                           -- due time; during a claim, the end of the lease
  lease_owner     text,
  last_error      text,
  created_at      bigint NOT NULL,
  updated_at      bigint NOT NULL
);
CREATE INDEX paybacks_due ON paybacks (next_attempt_at) WHERE status = 'pending';

-- Every bank notification applied or refused, keyed by the bank's own id: the same notification again
-- gets the stored answer and changes nothing.
CREATE TABLE bank_notifications (
  id              text COLLATE "C" PRIMARY KEY,     -- bnk_…
  bank_key        text NOT NULL,                    -- which bank key signed it
  notification_id text NOT NULL,                    -- the bank's id for it
  body_sha256     text NOT NULL,
  transaction_id  text COLLATE "C",
  event           text NOT NULL,                    -- the state-machine event it asked for
  outcome         text NOT NULL CHECK (outcome IN ('applied', 'restated', 'refused')),
  from_status     text,
  to_status       text,
  received_at     bigint NOT NULL,
  UNIQUE (bank_key, notification_id)
);

-- The history of each order as its events told it (sequence order). Events themselves may be pruned
-- by retention; this log stays with the order.
CREATE TABLE payment_events (
  order_id       text COLLATE "C" NOT NULL REFERENCES orders (id),
  sequence       integer NOT NULL,
  event_id       text COLLATE "C" NOT NULL,
  type           text NOT NULL,
  transaction_id text COLLATE "C" NOT NULL,
  status         text NOT NULL,
  order_status   text NOT NULL,
  created_at     bigint NOT NULL,
  PRIMARY KEY (order_id, sequence)
);

-- Transitions the state machine refused, from any source (bank notification, enquiry, pay-back
-- worker, checkout), kept for a person to look at.
CREATE TABLE payment_refusals (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  merchant_id    text COLLATE "C" NOT NULL,
  order_id       text COLLATE "C" NOT NULL,
  transaction_id text COLLATE "C" NOT NULL,
  from_status    text NOT NULL,
  event          text NOT NULL,
  source         text NOT NULL,                     -- 'notification:<bank_key>:<id>', 'enquiry', 'checkout', 'payback'
  created_at     bigint NOT NULL
);
CREATE INDEX payment_refusals_by_transaction ON payment_refusals (transaction_id);

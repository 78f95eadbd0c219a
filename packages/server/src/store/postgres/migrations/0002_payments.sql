-- 0002_payments: the payment module's tables, the PostgreSQL twin of sqlite/migrations/0002_payments.sql
-- (same tables, columns and constraints; see that file for why each exists). Times are unix milliseconds
-- in bigint, amounts integer minor units in bigint (up to 2^53 - 1, what a JSON number carries exactly).
-- Ids are `text COLLATE "C"` like 0001's, so they page bytewise as in SQLite.

CREATE TABLE orders (
  id              text COLLATE "C" PRIMARY KEY,       -- ord_…
  merchant_id     text COLLATE "C" NOT NULL REFERENCES merchants (id),
  reference       text NOT NULL,
  amount          bigint NOT NULL CHECK (amount > 0),
  currency        text NOT NULL,
  customer_email  text,
  customer_mobile text,
  optional1       text,
  optional2       text,
  optional3       text,
  status          text NOT NULL CHECK (status IN ('open', 'paid', 'cancelled')),
  sequence        integer NOT NULL DEFAULT 0,
  created_at      bigint NOT NULL,
  updated_at      bigint NOT NULL
);
CREATE UNIQUE INDEX orders_reference ON orders (merchant_id, reference);
CREATE INDEX orders_by_merchant ON orders (merchant_id, id);

CREATE TABLE transactions (
  id                text COLLATE "C" PRIMARY KEY,     -- txn_…
  order_id          text COLLATE "C" NOT NULL REFERENCES orders (id),
  merchant_id       text COLLATE "C" NOT NULL,
  transaction_no    text NOT NULL UNIQUE,
  payment_reference text NOT NULL UNIQUE,
  amount            bigint NOT NULL CHECK (amount > 0),
  currency          text NOT NULL,
  card_last_four    text NOT NULL,
  status            text NOT NULL CHECK (status IN ('pending', 'delayed', 'success', 'failed', 'payback_pending', 'paid_back')),
  bank_message      text NOT NULL DEFAULT '',
  bank_reference    text,
  debited           boolean NOT NULL DEFAULT false,
  next_check_at     bigint,
  created_at        bigint NOT NULL,
  updated_at        bigint NOT NULL
);
CREATE INDEX transactions_by_order ON transactions (order_id, id);
CREATE INDEX transactions_by_merchant ON transactions (merchant_id, id);
CREATE INDEX transactions_check_due ON transactions (next_check_at) WHERE status IN ('pending', 'delayed');
CREATE UNIQUE INDEX transactions_one_success ON transactions (order_id) WHERE status = 'success';
CREATE UNIQUE INDEX transactions_one_live ON transactions (order_id) WHERE status IN ('pending', 'delayed');

CREATE TABLE paybacks (
  id              text COLLATE "C" PRIMARY KEY,       -- pb_…
  transaction_id  text COLLATE "C" NOT NULL UNIQUE REFERENCES transactions (id),
  merchant_id     text COLLATE "C" NOT NULL,
  amount          bigint NOT NULL CHECK (amount > 0),
  currency        text NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'confirmed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at bigint,
  lease_owner     text,
  last_error      text,
  created_at      bigint NOT NULL,
  updated_at      bigint NOT NULL
);
CREATE INDEX paybacks_due ON paybacks (next_attempt_at) WHERE status = 'pending';

CREATE TABLE bank_notifications (
  id              text COLLATE "C" PRIMARY KEY,       -- bnk_…
  bank_key        text NOT NULL,
  notification_id text NOT NULL,
  body_sha256     text NOT NULL,
  transaction_id  text COLLATE "C",
  event           text NOT NULL,
  outcome         text NOT NULL CHECK (outcome IN ('applied', 'restated', 'refused')),
  from_status     text,
  to_status       text,
  received_at     bigint NOT NULL,
  UNIQUE (bank_key, notification_id)
);

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

CREATE TABLE payment_refusals (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  merchant_id    text COLLATE "C" NOT NULL,
  order_id       text COLLATE "C" NOT NULL,
  transaction_id text COLLATE "C" NOT NULL,
  from_status    text NOT NULL,
  event          text NOT NULL,
  source         text NOT NULL,
  created_at     bigint NOT NULL
);
CREATE INDEX payment_refusals_by_transaction ON payment_refusals (transaction_id);

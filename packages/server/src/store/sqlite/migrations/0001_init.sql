-- 0001_init: the delivery engine's tables. Times are unix milliseconds. Append-only: never edit a
-- migration that has shipped; add the next number instead.

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE merchants (
  id         TEXT PRIMARY KEY,            -- mer_…
  name       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY,           -- key_…
  merchant_id TEXT REFERENCES merchants(id), -- NULL for an admin key
  hash        TEXT NOT NULL UNIQUE,       -- sha256 of the key; the key itself is never stored
  prefix      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);

CREATE TABLE endpoints (
  id              TEXT PRIMARY KEY,       -- ep_…
  merchant_id     TEXT NOT NULL REFERENCES merchants(id),
  url             TEXT NOT NULL,
  description     TEXT NOT NULL DEFAULT '',
  event_types     TEXT,                   -- JSON array of names and prefix.* wildcards; NULL = all
  disabled        INTEGER NOT NULL DEFAULT 0,
  disabled_reason TEXT,                   -- 'merchant' | 'gone'
  headers         TEXT NOT NULL DEFAULT '{}',
  format          TEXT NOT NULL DEFAULT 'standard',
  timeout_ms      INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  deleted_at      INTEGER
);
CREATE INDEX endpoints_by_merchant ON endpoints (merchant_id, id) WHERE deleted_at IS NULL;

CREATE TABLE endpoint_secrets (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  endpoint_id TEXT NOT NULL REFERENCES endpoints(id),
  secret      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER                     -- NULL for the current secret
);
CREATE INDEX endpoint_secrets_by_endpoint ON endpoint_secrets (endpoint_id, seq);

-- The event's `data` is not stored apart: it is the tail of `body`, the exact envelope bytes that are
-- signed and sent, so every event is written once (~half the bytes of storing both).
CREATE TABLE events (
  id              TEXT PRIMARY KEY,       -- evt_…
  merchant_id     TEXT NOT NULL,
  type            TEXT NOT NULL,
  body            TEXT NOT NULL,
  idempotency_key TEXT,
  created_at      INTEGER NOT NULL
);
CREATE INDEX events_by_merchant ON events (merchant_id, id);
CREATE UNIQUE INDEX events_idempotency ON events (merchant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- A claimed delivery stays 'pending': its next_attempt_at moves to the end of the lease and lease_owner
-- names the dispatcher. If that dispatcher dies, the delivery simply becomes due again when the lease
-- ends, so a crash needs no recovery step and the due index is the only one the claim reads.
CREATE TABLE deliveries (
  id               TEXT PRIMARY KEY,      -- del_…
  event_id         TEXT NOT NULL,
  endpoint_id      TEXT NOT NULL,
  merchant_id      TEXT NOT NULL,
  event_type       TEXT NOT NULL,
  status           TEXT NOT NULL,         -- pending | succeeded | failed | cancelled
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER,
  lease_owner      TEXT,
  last_status_code INTEGER,
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_event ON deliveries (event_id);
CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, id);
CREATE INDEX deliveries_by_merchant ON deliveries (merchant_id, id);

CREATE TABLE attempts (
  id              TEXT PRIMARY KEY,       -- att_…
  delivery_id     TEXT NOT NULL,
  merchant_id     TEXT NOT NULL,
  attempt_no      INTEGER NOT NULL,
  started_at      INTEGER NOT NULL,
  duration_ms     INTEGER NOT NULL,
  status_code     INTEGER,
  response_body   TEXT,                   -- first 4 KiB
  error_class     TEXT,
  error_message   TEXT,
  next_retry_at   INTEGER
);
CREATE INDEX attempts_by_delivery ON attempts (delivery_id);

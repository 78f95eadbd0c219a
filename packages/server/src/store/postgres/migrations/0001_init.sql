-- 0001_init: the delivery engine's tables, the PostgreSQL twin of sqlite/migrations/0001_init.sql.
-- Times are unix milliseconds in bigint. Append-only: never edit a migration that has shipped; add the
-- next number instead. Applied inside one transaction under an advisory lock (see migrate.ts).
--
-- Ids are `text COLLATE "C"`: they are compared and paged bytewise (`id < cursor`), and a database
-- created with a linguistic collation (en_US) would otherwise sort `_` and `~` differently from SQLite.

CREATE TABLE settings (
  key   text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE merchants (
  id         text COLLATE "C" PRIMARY KEY,        -- mer_…
  name       text NOT NULL,
  created_at bigint NOT NULL
);

CREATE TABLE api_keys (
  id          text COLLATE "C" PRIMARY KEY,       -- key_…
  merchant_id text COLLATE "C" REFERENCES merchants (id), -- NULL for an admin key
  hash        text NOT NULL UNIQUE,               -- sha256 of the key; the key itself is never stored
  prefix      text NOT NULL,
  created_at  bigint NOT NULL,
  revoked_at  bigint
);

CREATE TABLE endpoints (
  id              text COLLATE "C" PRIMARY KEY,   -- ep_…
  merchant_id     text COLLATE "C" NOT NULL REFERENCES merchants (id),
  url             text NOT NULL,
  description     text NOT NULL DEFAULT '',
  event_types     text[],                         -- names and prefix.* wildcards; NULL = all
  disabled        boolean NOT NULL DEFAULT false,
  disabled_reason text,                           -- 'merchant' | 'gone'
  headers         jsonb NOT NULL DEFAULT '{}',
  format          text NOT NULL DEFAULT 'standard',
  timeout_ms      integer,
  created_at      bigint NOT NULL,
  updated_at      bigint NOT NULL,
  deleted_at      bigint
);
CREATE INDEX endpoints_by_merchant ON endpoints (merchant_id, id) WHERE deleted_at IS NULL;

CREATE TABLE endpoint_secrets (
  seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  endpoint_id text COLLATE "C" NOT NULL REFERENCES endpoints (id),
  secret      text NOT NULL,
  created_at  bigint NOT NULL,
  expires_at  bigint                              -- NULL for the current secret
);
CREATE INDEX endpoint_secrets_by_endpoint ON endpoint_secrets (endpoint_id, seq);
-- Two rotations at once must not leave two current secrets; rotateSecret also locks the endpoint row.
CREATE UNIQUE INDEX endpoint_secrets_one_current ON endpoint_secrets (endpoint_id) WHERE expires_at IS NULL;

-- `body` is text, not jsonb: it is the exact envelope that is signed and sent, and jsonb would
-- reorder keys and drop whitespace. The event's `data` is the tail of it, as in SQLite.
-- No foreign key to merchants: checking one would share-lock the merchant row on every insert, a
-- hot spot when many API processes append for one merchant.
CREATE TABLE events (
  id              text COLLATE "C" PRIMARY KEY,   -- evt_…
  merchant_id     text COLLATE "C" NOT NULL,
  type            text NOT NULL,
  body            text NOT NULL,
  idempotency_key text,
  created_at      bigint NOT NULL
);
CREATE INDEX events_by_merchant ON events (merchant_id, id);
CREATE UNIQUE INDEX events_idempotency ON events (merchant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Retention deletes by age. Events arrive in time order, so a BRIN index (a few pages for millions
-- of rows, next to no cost per insert) finds the old ones without a B-tree on the hot insert path.
CREATE INDEX events_created_at ON events USING brin (created_at);

-- A claimed delivery stays 'pending': its next_attempt_at moves to the end of the lease and lease_owner
-- names the dispatcher. If that dispatcher dies, the delivery is due again when the lease ends, so a
-- crash needs no recovery step and the due index is the only one a claim reads.
--
-- Every claim and every result updates a row here and moves it in the due index, so dead tuples pile up
-- fast; a queue table whose due index is full of them makes every claim slower. Autovacuum therefore
-- runs on 2 % of changed rows instead of the default 20 %, and pages keep 20 % free room so an update
-- can often stay on its page.
CREATE TABLE deliveries (
  id               text COLLATE "C" PRIMARY KEY,  -- del_…
  event_id         text COLLATE "C" NOT NULL,
  endpoint_id      text COLLATE "C" NOT NULL,
  merchant_id      text COLLATE "C" NOT NULL,
  event_type       text NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  bigint,
  lease_owner      text,
  last_status_code integer,
  last_error       text,
  created_at       bigint NOT NULL,
  updated_at       bigint NOT NULL
) WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_by_event ON deliveries (event_id);
CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, id);
CREATE INDEX deliveries_by_merchant ON deliveries (merchant_id, id);

CREATE TABLE attempts (
  id            text COLLATE "C" PRIMARY KEY,     -- att_…
  delivery_id   text COLLATE "C" NOT NULL,
  merchant_id   text COLLATE "C" NOT NULL,
  attempt_no    integer NOT NULL,
  started_at    bigint NOT NULL,
  duration_ms   integer NOT NULL,
  status_code   integer,
  response_body text,                             -- first 4 KiB
  error_class   text,
  error_message text,
  next_retry_at bigint
);
CREATE INDEX attempts_by_delivery ON attempts (delivery_id);

-- The endpoint filter, as events/filter.ts `matcherFor` reads it: NULL or '*' matches every type; an
-- entry `a.b` matches exactly; `a.*` matches `a.x` and `a.x.y`, not `a`. SQL, so the fan-out runs in
-- the same statement as the insert.
CREATE FUNCTION event_type_matches(filter text[], type text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT filter IS NULL OR EXISTS (
    SELECT 1 FROM unnest(filter) f
    WHERE f = type OR f = '*' OR (right(f, 2) = '.*' AND starts_with(type, left(f, -1))))
$$;

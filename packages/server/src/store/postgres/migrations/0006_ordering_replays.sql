-- 0006_ordering_replays: the PostgreSQL twin of sqlite/migrations/0006_ordering_replays.sql: ordered
-- delivery per endpoint and bulk replays. The new columns are nullable or have constant defaults, so
-- adding them rewrites no table. Core tables only.
ALTER TABLE events ADD COLUMN ordering_key text;
ALTER TABLE endpoints ADD COLUMN ordered boolean NOT NULL DEFAULT false;
ALTER TABLE endpoints ADD COLUMN ordering_on_failure text NOT NULL DEFAULT 'skip'
  CHECK (ordering_on_failure IN ('skip', 'hold'));
ALTER TABLE deliveries ADD COLUMN ordering_key text;
ALTER TABLE deliveries ADD COLUMN held boolean NOT NULL DEFAULT false;
ALTER TABLE deliveries ADD COLUMN skipped_at bigint;

CREATE INDEX deliveries_ordering ON deliveries (endpoint_id, ordering_key, event_id)
  WHERE ordering_key IS NOT NULL AND (status = 'pending' OR held);
CREATE INDEX deliveries_parked ON deliveries (created_at) WHERE status = 'pending' AND next_attempt_at IS NULL;

CREATE TABLE replays (
  id            text COLLATE "C" PRIMARY KEY,     -- rpl_…
  merchant_id   text COLLATE "C" NOT NULL,
  endpoint_id   text COLLATE "C" NOT NULL,
  since         bigint NOT NULL,
  until         bigint NOT NULL,
  types         text[],
  status_filter text NOT NULL CHECK (status_filter IN ('failed', 'all')),
  recipients    text NOT NULL CHECK (recipients IN ('original', 'current')),
  state         text NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'failed')),
  total         integer NOT NULL,
  done          integer NOT NULL DEFAULT 0,
  requeued      integer NOT NULL DEFAULT 0,
  cursor        text COLLATE "C" NOT NULL DEFAULT '',
  lease_owner   text,
  lease_until   bigint,
  error         text,
  created_at    bigint NOT NULL,
  updated_at    bigint NOT NULL,
  completed_at  bigint
);
CREATE INDEX replays_by_merchant ON replays (merchant_id, id);
CREATE INDEX replays_active ON replays (id) WHERE state IN ('queued', 'running');

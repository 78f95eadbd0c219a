-- 0006_ordering_replays: ordered delivery per endpoint and bulk replays. Core tables only.
--
-- An event may carry an ordering key. A delivery made while its endpoint is ordered copies the key;
-- deliveries of one endpoint that share a key go out one at a time, in event order (sql/ordering.sql
-- says how). `held` marks a failed delivery that keeps its key blocked (ordering_on_failure = 'hold')
-- until it is retried or skipped by hand; `skipped_at` records that skip.
ALTER TABLE events ADD COLUMN ordering_key TEXT;
ALTER TABLE endpoints ADD COLUMN ordered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN ordering_on_failure TEXT NOT NULL DEFAULT 'skip';  -- skip | hold
ALTER TABLE deliveries ADD COLUMN ordering_key TEXT;
ALTER TABLE deliveries ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN skipped_at INTEGER;

-- The deliveries that block their key (pending, or failed and held), by key in event order: the claim
-- asks "is there an earlier one?" and a finished delivery asks "which is next?" through this index only.
CREATE INDEX deliveries_ordering ON deliveries (endpoint_id, ordering_key, event_id)
  WHERE ordering_key IS NOT NULL AND (status = 'pending' OR held = 1);
-- Parked deliveries (pending, next_attempt_at NULL) wait behind an earlier one of their key and are
-- outside the due index; the sweep that makes sure none is forgotten reads the recent ones here.
CREATE INDEX deliveries_parked ON deliveries (created_at) WHERE status = 'pending' AND next_attempt_at IS NULL;

-- A bulk replay of an endpoint (POST /v1/endpoints/{id}/replay): a job that re-queues the deliveries of
-- the events of a window in batches, under a lease, so a crash or another process resumes it at `cursor`.
CREATE TABLE replays (
  id            TEXT PRIMARY KEY,           -- rpl_…
  merchant_id   TEXT NOT NULL,
  endpoint_id   TEXT NOT NULL,
  since         INTEGER NOT NULL,           -- events created at or after
  until         INTEGER NOT NULL,           -- and before (the creation time when not given)
  types         TEXT,                       -- JSON array of names and prefix.* wildcards; NULL = all
  status_filter TEXT NOT NULL,              -- failed | all
  recipients    TEXT NOT NULL,              -- original | current
  state         TEXT NOT NULL,              -- queued | running | completed | failed
  total         INTEGER NOT NULL,
  done          INTEGER NOT NULL DEFAULT 0,
  requeued      INTEGER NOT NULL DEFAULT 0,
  cursor        TEXT NOT NULL DEFAULT '',   -- the last event id handled
  lease_owner   TEXT,
  lease_until   INTEGER,
  error         TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  completed_at  INTEGER
);
CREATE INDEX replays_by_merchant ON replays (merchant_id, id);
CREATE INDEX replays_active ON replays (id) WHERE state IN ('queued', 'running');

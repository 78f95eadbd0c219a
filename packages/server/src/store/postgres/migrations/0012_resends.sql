-- 0005_resends: every resend of an event (POST /v1/events/{id}/resend), the PostgreSQL twin of
-- sqlite/migrations/0005_resends.sql: kept so that `payhook listen` streams on any API process see it
-- in order, and after a reconnect. Rows go with their event at retention. Core tables only.

CREATE TABLE resends (
  id          text COLLATE "C" PRIMARY KEY,   -- rsd_…
  merchant_id text COLLATE "C" NOT NULL,
  event_id    text COLLATE "C" NOT NULL,
  created_at  bigint NOT NULL
);
CREATE INDEX resends_by_merchant ON resends (merchant_id, id);
CREATE INDEX resends_by_event ON resends (event_id);

-- 0004_event_types: event types a merchant registers for its own events, the PostgreSQL twin of
-- sqlite/migrations/0004_event_types.sql: a description and an optional JSON Schema of the event's
-- `data` (its JSON text, checked and compiled at registration). Core tables only.

CREATE TABLE event_types (
  merchant_id text COLLATE "C" NOT NULL REFERENCES merchants (id),
  name        text COLLATE "C" NOT NULL, -- sorted bytewise, as SQLite does
  description text NOT NULL,
  schema      text,
  created_at  bigint NOT NULL,
  PRIMARY KEY (merchant_id, name)
);

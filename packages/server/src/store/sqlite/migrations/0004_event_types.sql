-- 0004_event_types: event types a merchant registers for its own events (POST /v1/event-types), each
-- with a description and an optional JSON Schema of its `data` (the schema's JSON text, checked and
-- compiled at registration). The catalogue of module-declared types is not stored: it is code. Core
-- tables only.

CREATE TABLE event_types (
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  name        TEXT NOT NULL,
  description TEXT NOT NULL,
  schema      TEXT,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (merchant_id, name)
);

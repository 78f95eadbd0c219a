-- 0007_retention: the erasure records (POST /v1/erasures), the SQLite twin of
-- postgres/migrations/0007_retention.sql. SQLite keeps its tables whole: an embedded file prunes by
-- deleting rows in small batches (store/sqlite/events.ts), and has no partitions to drop.
--
-- An erasure of a customer's personal data: who asked, what kind of subject, a hash of the subject
-- (never the subject itself) and what was redacted.
CREATE TABLE erasures (
  id                TEXT PRIMARY KEY,             -- era_…
  merchant_id       TEXT NOT NULL,
  subject_kind      TEXT NOT NULL CHECK (subject_kind IN ('customer_email', 'order_id')),
  subject_hash      TEXT NOT NULL,
  events_redacted   INTEGER NOT NULL,
  attempts_redacted INTEGER NOT NULL,
  created_at        INTEGER NOT NULL
);
CREATE INDEX erasures_by_merchant ON erasures (merchant_id, id);

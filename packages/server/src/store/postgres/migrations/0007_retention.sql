-- 0007_retention: events, deliveries and attempts become tables partitioned by day, so retention drops
-- a finished day whole instead of deleting its rows one by one (a DELETE of 100,000 events, their
-- deliveries and attempts writes every row to the WAL and leaves them for VACUUM; a DROP writes a few
-- catalog rows: measured in docs/performance.md). Also the erasure records (POST /v1/erasures).
--
-- The partition key is the id, a range of text: ids are time-ordered (`evt_` + 10 base32 characters of
-- milliseconds + 16 random, see ids.ts), so `evt_<day start>` .. `evt_<next day start>` is one UTC day.
-- A delivery's id carries its event's time (events_append builds it from the event's created_at), and
-- attempts are partitioned by their delivery_id, so the three partitions of one day hold one day's
-- events with all their deliveries and all those deliveries' attempts: they are dropped together.
--
-- A unique index of a partitioned table must contain the partition key, so the idempotency key's
-- uniqueness per merchant moves to its own narrow table, event_idempotency (rows deleted by retention).
-- Rows whose id falls in no day partition (none made ahead yet) land in the *_default partitions, which
-- the row-wise prune clears.
--
-- The existing tables are copied into the partitioned ones (one partition a day that has events, and
-- the days around now), then dropped. Applied in the migration's one transaction.

-- The 10 base32 time characters of an id made at `ms`, as ids.ts writes them.
CREATE FUNCTION id_time_chars(ms bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT string_agg(substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((ms >> (5 * (9 - i))) & 31)::int + 1, 1), '' ORDER BY i)
  FROM generate_series(0, 9) AS i
$$;

-- Creates the missing day partitions of events, deliveries and attempts for the UTC days overlapping
-- [from_ms, to_ms); returns how many tables it made. Serialised by an advisory lock (two dispatchers
-- making the same day at once). A day whose rows already sit in a default partition is left to it
-- (PostgreSQL refuses the new partition; the row-wise prune clears those rows).
CREATE FUNCTION ensure_day_partitions(from_ms bigint, to_ms bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  day bigint := from_ms - (from_ms % 86400000);
  made integer := 0;
  suffix text;
  lo text;
  hi text;
  t record;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('payhook:partitions:' || current_schema()));
  WHILE day < to_ms LOOP
    suffix := to_char(to_timestamp(day / 1000) AT TIME ZONE 'UTC', 'YYYYMMDD');
    lo := id_time_chars(day);
    hi := id_time_chars(day + 86400000);
    FOR t IN SELECT * FROM (VALUES ('events', 'evt_', ''),
                                   ('deliveries', 'del_', ' WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05)'),
                                   ('attempts', 'del_', '')) AS v (tbl, prefix, storage) LOOP
      IF to_regclass(t.tbl || '_p' || suffix) IS NULL THEN
        BEGIN
          EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)%s',
                         t.tbl || '_p' || suffix, t.tbl, t.prefix || lo, t.prefix || hi, t.storage);
          made := made + 1;
        EXCEPTION WHEN check_violation THEN
          NULL;
        END;
      END IF;
    END LOOP;
    day := day + 86400000;
  END LOOP;
  RETURN made;
END
$$;

-- Drops one day's partition of one of the three tables (`tbl`, suffix YYYYMMDD) and says how many rows
-- went; for deliveries, only when none of them is pending. The caller drops a day's deliveries first
-- (that is where the pending check is) and then its attempts and events, each in a transaction of its
-- own: a DROP needs ACCESS EXCLUSIVE on the parent table, and a transaction that held one parent's while
-- waiting for another's could wait in a cycle with a claim, which locks events and deliveries together.
-- The rows are counted before the lock is taken; under it, no claim, result or resend can touch the
-- day, so the pending check is exact (and was made once without the lock, so a day kept by a pending
-- delivery never takes it). lock_timeout keeps a DROP that waits for a long reader from queueing every
-- claim behind it for more than 0.5 s: it fails, and the next run tries again. The lock is held for one
-- probe of the day's due index and the DROP: a few catalog writes, however many rows.
CREATE FUNCTION drop_day_partition(tbl text, suffix text)
RETURNS TABLE (dropped boolean, n bigint)
LANGUAGE plpgsql AS $$
DECLARE
  part text := tbl || '_p' || suffix;
  pending boolean := false;
  n_rows bigint := 0;
BEGIN
  IF tbl NOT IN ('events', 'deliveries', 'attempts') THEN
    RAISE EXCEPTION 'drop_day_partition: % is not partitioned by day', tbl;
  END IF;
  IF to_regclass(part) IS NULL THEN
    RETURN QUERY SELECT true, 0::bigint;
    RETURN;
  END IF;
  IF tbl = 'deliveries' THEN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE status = ''pending'')', part) INTO pending;
    IF pending THEN
      RETURN QUERY SELECT false, 0::bigint;
      RETURN;
    END IF;
  END IF;
  EXECUTE format('SELECT count(*) FROM %I', part) INTO n_rows;
  PERFORM set_config('lock_timeout', '500ms', true);
  EXECUTE format('LOCK TABLE ONLY %I IN ACCESS EXCLUSIVE MODE', tbl);
  IF tbl = 'deliveries' THEN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE status = ''pending'')', part) INTO pending;
    IF pending THEN
      RETURN QUERY SELECT false, 0::bigint;
      RETURN;
    END IF;
  END IF;
  EXECUTE format('DROP TABLE %I', part);
  RETURN QUERY SELECT true, n_rows;
END
$$;

ALTER TABLE events RENAME TO events_before_0007;
ALTER TABLE deliveries RENAME TO deliveries_before_0007;
ALTER TABLE attempts RENAME TO attempts_before_0007;

-- LIKE takes the columns as they are now, whatever later migrations added before this one ran (a
-- database made by an older payhook has had 0009 and 0012 applied already; a new one gets them after),
-- with their types, collations, defaults, NOT NULL and CHECK constraints.
CREATE TABLE events (LIKE events_before_0007 INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (id);
CREATE TABLE events_default PARTITION OF events DEFAULT;

-- Storage parameters (fillfactor, autovacuum) cannot be set on a partitioned table: each day's
-- deliveries partition gets those of 0001 (ensure_day_partitions), the default one here.
CREATE TABLE deliveries (LIKE deliveries_before_0007 INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (id);
CREATE TABLE deliveries_default PARTITION OF deliveries DEFAULT
  WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);

-- Attempts by their delivery's id, so that a day's attempts are those of its deliveries.
CREATE TABLE attempts (LIKE attempts_before_0007 INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (delivery_id);
CREATE TABLE attempts_default PARTITION OF attempts DEFAULT;

-- One partition for every day that has events, and for yesterday to a week ahead (the pruner keeps
-- making them ahead from then on).
SELECT ensure_day_partitions(d * 86400000, d * 86400000 + 1)
FROM (SELECT DISTINCT created_at / 86400000 AS d FROM events_before_0007) AS days;
SELECT ensure_day_partitions((extract(epoch FROM now()) * 1000)::bigint - 86400000,
                             (extract(epoch FROM now()) * 1000)::bigint + 7 * 86400000);

INSERT INTO events SELECT * FROM events_before_0007;
INSERT INTO deliveries SELECT * FROM deliveries_before_0007;
INSERT INTO attempts SELECT * FROM attempts_before_0007;

-- The idempotency keys, unique per merchant across every partition.
CREATE TABLE event_idempotency (
  merchant_id     text COLLATE "C" NOT NULL,
  idempotency_key text NOT NULL,
  event_id        text COLLATE "C" NOT NULL,
  PRIMARY KEY (merchant_id, idempotency_key)
);
CREATE INDEX event_idempotency_by_event ON event_idempotency (event_id);
INSERT INTO event_idempotency (merchant_id, idempotency_key, event_id)
SELECT merchant_id, idempotency_key, id FROM events_before_0007 WHERE idempotency_key IS NOT NULL;

-- The old tables' indexes, to be made again on the partitioned tables once the old ones (and with them
-- the index names) are gone: whatever migrations made them, so an index a later-numbered migration
-- applied before this one (on an upgraded database) is kept too. Not the primary keys (below), nor
-- the ones partitioning replaces: the idempotency key's unique index (event_idempotency now), the
-- BRIN index on events.created_at (retention finds old rows by partition, the row-wise prune by id),
-- attempts_by_delivery (the new primary key starts with delivery_id). A unique index without the
-- partition key cannot be made on a partitioned table: such an index fails this migration loudly.
CREATE TEMP TABLE indexes_0007 ON COMMIT DROP AS
SELECT replace(replace(pg_get_indexdef(i.indexrelid), c.relname, replace(c.relname, '_before_0007', '')),
               ' ON ONLY ', ' ON ') AS def
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE c.relnamespace = current_schema()::regnamespace
  AND c.relname IN ('events_before_0007', 'deliveries_before_0007', 'attempts_before_0007')
  AND NOT i.indisprimary
  AND ic.relname NOT IN ('events_idempotency', 'events_created_at', 'attempts_by_delivery');

DROP TABLE attempts_before_0007, deliveries_before_0007, events_before_0007;

-- The primary keys, then every other index as it was, each made on every partition (and on those made
-- later).
ALTER TABLE events ADD PRIMARY KEY (id);
ALTER TABLE deliveries ADD PRIMARY KEY (id);
-- (delivery_id, id): the partition key first; it also serves every lookup of a delivery's attempts.
ALTER TABLE attempts ADD PRIMARY KEY (delivery_id, id);
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT def FROM indexes_0007 ORDER BY def LOOP
    EXECUTE r.def;
  END LOOP;
END
$$;
-- Statistics for the rows just moved, when there are any. Empty tables (a new store) are left never
-- analysed: an empty table analysed is planned as holding no row, and a plan a connection keeps from that
-- state chose indexes no better than any other for it (0021_unanalyzed_days says which, and mends the
-- stores that ran this before).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM events) OR EXISTS (SELECT 1 FROM deliveries) THEN
    ANALYZE events, deliveries, attempts, event_idempotency;
  END IF;
END
$$;

-- An erasure of a customer's personal data: who asked, what kind of subject, a hash of the subject
-- (never the subject itself) and what was redacted.
CREATE TABLE erasures (
  id                text COLLATE "C" PRIMARY KEY, -- era_…
  merchant_id       text COLLATE "C" NOT NULL,
  subject_kind      text NOT NULL CHECK (subject_kind IN ('customer_email', 'order_id')),
  subject_hash      text NOT NULL,
  events_redacted   integer NOT NULL,
  attempts_redacted integer NOT NULL,
  created_at        bigint NOT NULL
);
CREATE INDEX erasures_by_merchant ON erasures (merchant_id, id);

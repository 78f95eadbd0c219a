-- 0021_unanalyzed_days: empty day partitions of deliveries and events are left as never analysed.
--
-- The claim keeps one generic plan on its connection (sql/deliveries.sql, claim; db.ts), made from the
-- tables as they are when it is made. A partition that was analysed while empty (0007 analysed every
-- partition it made, most of them days still to come) is planned as holding no row, and for no row every
-- index on `id` costs the same: PostgreSQL then found the claimed deliveries and their events through
-- `deliveries_by_merchant` and `events_by_merchant` (id is their second column) rather than the primary
-- key, and kept reading those whole indexes on every claim as the day filled (408-467 µs a delivery
-- instead of 35-56: docs/performance.md, "One plan for the claim"). A partition never analysed is
-- planned as ten pages of rows until it has its own, and its primary key is the only sensible index.
-- TRUNCATE of an empty table marks it never analysed (reltuples -1); autovacuum analyses each day once it
-- holds rows, as before. Only partitions analysed as empty (reltuples 0) are looked at, so a day with rows
-- is not locked; each is locked before it is found empty, in the partitions' order, so nothing written
-- meanwhile is lost.
DO $$
DECLARE
  part record;
  empty boolean;
BEGIN
  FOR part IN
    SELECT c.relname
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent IN ('deliveries'::regclass, 'events'::regclass) AND c.reltuples = 0
    ORDER BY c.relname
  LOOP
    EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', part.relname);
    EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %I)', part.relname) INTO empty;
    IF empty THEN
      EXECUTE format('TRUNCATE %I', part.relname);
    END IF;
  END LOOP;
END
$$;

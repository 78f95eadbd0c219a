-- Day partitions of events, deliveries and attempts (migration 0007): made ahead, listed, dropped.

-- name: partitions_ensure
-- @from, @to (unix ms): makes the missing day partitions for the UTC days overlapping [@from, @to);
-- returns how many tables it made
SELECT ensure_day_partitions(@from::bigint, @to::bigint) AS made;

-- name: partitions_list
-- (no parameters): the days that have an events partition, oldest first, as YYYYMMDD
SELECT substr(c.relname, 9) AS day
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'events'::regclass AND c.relname ~ '^events_p[0-9]{8}$'
ORDER BY 1;

-- name: partition_drop
-- @table (events | deliveries | attempts), @day (YYYYMMDD): drops that day's partition of the table
-- (deliveries: unless one is pending); whether it went, and its rows
SELECT * FROM drop_day_partition(@table::text, @day::text);

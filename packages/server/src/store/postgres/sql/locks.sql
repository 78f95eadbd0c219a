-- Advisory locks taken inside a transaction (released by COMMIT or ROLLBACK, so they work through
-- pgbouncer in transaction mode). Keys come from db.ts `lockKey`; @space is payhook's `LOCK_SPACE`. (An append takes its
-- shared locks itself: migration 0014's `append_events`.)

-- name: lock_exclusive
-- @space, @key
SELECT pg_advisory_xact_lock(@space::int, @key::int);

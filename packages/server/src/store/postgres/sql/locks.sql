-- Advisory locks taken inside a transaction (released by COMMIT or ROLLBACK, so they work through
-- pgbouncer in transaction mode). Keys come from db.ts `lockKey`; @space is payhook's `LOCK_SPACE`.

-- name: lock_shared
-- @space, @key: shared with other holders of the shared lock; waits for an exclusive holder
SELECT pg_advisory_xact_lock_shared(@space::int, @key::int);

-- name: lock_exclusive
-- @space, @key
SELECT pg_advisory_xact_lock(@space::int, @key::int);

-- Bulk replays (migration 0006): the PostgreSQL twin of sqlite/sql/replays.sql, which says how a
-- replay runs and which events its window holds. Here the endpoint's current filter is read from its
-- row, not passed. replay_count and replay_events repeat the window's filter on purpose, as there (the
-- loader has no includes; a SQL function would need a migration): change both together.

-- name: replay_count
-- @merchant_id, @endpoint_id, @after, @hi, @since, @until, @types, @status_filter, @recipients
SELECT count(*)::int AS n
FROM events e
LEFT JOIN deliveries d ON d.event_id = e.id AND d.endpoint_id = @endpoint_id
WHERE e.merchant_id = @merchant_id AND e.id > @after AND e.id < @hi
  AND e.created_at >= @since AND e.created_at < @until
  AND (@recipients = 'current' OR d.id IS NOT NULL)
  AND (@status_filter = 'all' OR d.status = 'failed')
  AND (@types::text[] IS NULL OR event_type_matches(@types::text[], e.type))
  AND (@recipients = 'original'
       OR (SELECT event_type_matches(p.event_types, e.type) FROM endpoints p WHERE p.id = @endpoint_id));

-- name: replay_events
-- the same, and @limit: the next events after the cursor @after, in id order, each with the
-- endpoint's delivery of it (or NULL)
SELECT e.id AS event_id, d.id AS delivery_id
FROM events e
LEFT JOIN deliveries d ON d.event_id = e.id AND d.endpoint_id = @endpoint_id
WHERE e.merchant_id = @merchant_id AND e.id > @after AND e.id < @hi
  AND e.created_at >= @since AND e.created_at < @until
  AND (@recipients = 'current' OR d.id IS NOT NULL)
  AND (@status_filter = 'all' OR d.status = 'failed')
  AND (@types::text[] IS NULL OR event_type_matches(@types::text[], e.type))
  AND (@recipients = 'original'
       OR (SELECT event_type_matches(p.event_types, e.type) FROM endpoints p WHERE p.id = @endpoint_id))
ORDER BY e.id LIMIT @limit;

-- name: replay_insert
-- every column of a new replay
INSERT INTO replays (id, merchant_id, endpoint_id, since, until, types, status_filter, recipients, state, total,
                     created_at, updated_at)
VALUES (@id, @merchant_id, @endpoint_id, @since, @until, @types::text[], @status_filter, @recipients, 'queued', @total,
        @now, @now)
RETURNING *;

-- name: replay_get
-- @merchant_id, @id
SELECT * FROM replays WHERE id = @id AND merchant_id = @merchant_id;

-- name: replay_lease
-- @owner, @now, @until: the oldest unfinished replay whose lease is free or over, leased to @owner
-- (SKIP LOCKED: two workers leasing at once take different replays, or one takes none)
UPDATE replays SET lease_owner = @owner, lease_until = @until, state = 'running', updated_at = @now
WHERE id = (SELECT id FROM replays
            WHERE state IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < @now)
            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING *;

-- name: replay_lock
-- @id, @owner: the replay row, locked for the batch, when @owner still holds it
SELECT 1 AS held FROM replays WHERE id = @id AND lease_owner = @owner AND state = 'running' FOR UPDATE;

-- name: replay_apply
-- @reopen (delivery ids), @event_ids (events that get a new delivery), @endpoint_id, @merchant_id,
-- @delivery_prefix (`del_` and the time characters of now), @now: one batch's deliveries, due now. A
-- delivery in flight is left to finish. A new delivery to an ordered endpoint takes its event's key.
WITH reopened AS (
  UPDATE deliveries SET status = 'pending', next_attempt_at = @now, lease_owner = NULL, held = false,
      skipped_at = NULL, updated_at = @now
  WHERE id = ANY (@reopen::text[]) AND lease_owner IS NULL
  RETURNING 1
),
made AS (
  INSERT INTO deliveries (id, event_id, endpoint_id, merchant_id, event_type, status, attempts, next_attempt_at,
                          created_at, updated_at, ordering_key)
  SELECT @delivery_prefix || upper(encode(substr(uuid_send(gen_random_uuid()), 9, 8), 'hex')),
         e.id, p.id, e.merchant_id, e.type, 'pending', 0, @now::bigint, @now::bigint, @now::bigint, CASE WHEN p.ordered THEN e.ordering_key END
  FROM events e JOIN endpoints p ON p.id = @endpoint_id
  WHERE e.id = ANY (@event_ids::text[]) AND e.merchant_id = @merchant_id
  RETURNING 1
)
SELECT ((SELECT count(*) FROM reopened) + (SELECT count(*) FROM made))::int AS n;

-- name: replay_progress
-- @id, @owner, @cursor, @handled, @requeued, @state (running | completed | failed), @error, @now,
-- @lease_until
UPDATE replays
SET cursor = @cursor, requeued = requeued + @requeued::int,
    done = CASE WHEN @state::text = 'completed' THEN total ELSE least(total, done + @handled::int) END,
    state = @state, error = @error, lease_until = @lease_until, updated_at = @now,
    lease_owner = CASE WHEN @state::text = 'running' THEN lease_owner END,
    completed_at = CASE WHEN @state::text = 'running' THEN NULL ELSE @now::bigint END
WHERE id = @id AND lease_owner = @owner
RETURNING *;

-- Bulk replays (migration 0006): POST /v1/endpoints/{id}/replay stores a job; a worker
-- (delivery/replay-worker.ts) leases it and runs it in batches, each one transaction that re-queues the
-- deliveries of the next events of the window and moves the job's cursor, so a crash resumes it there.
--
-- The window's events, shared by replay_count and replay_events: the merchant's events with
-- @since <= created_at < @until (read through events_by_merchant between the ids @after and @hi, which
-- the caller widens by a minute each side of the window so that clock skew between an id and its
-- created_at loses nothing); for `original` recipients only those the endpoint had a delivery for, for
-- `current` those its filter @filter (JSON array, NULL = all) matches now; with @status_filter
-- `failed` only those whose delivery to the endpoint failed; of the types @types (JSON array, NULL = all).
--
-- replay_count and replay_events repeat that filter on purpose. The loader (store/sql-files.ts) hands
-- each statement to the driver as written, with no includes, so every statement here can be read, and
-- pasted into sqlite3 to EXPLAIN, on its own; a fragment syntax for this one pair would be the only macro
-- in the SQL files; a view cannot take the parameters. Change both statements together: the contract
-- suite's replay case counts a window (replay_count) and runs it (replay_events), and expects the same
-- events in both.

-- name: replay_count
-- @merchant_id, @endpoint_id, @after, @hi, @since, @until, @types, @filter, @status_filter, @recipients
SELECT count(*) AS n
FROM events e
LEFT JOIN deliveries d ON d.event_id = e.id AND d.endpoint_id = @endpoint_id
WHERE e.merchant_id = @merchant_id AND e.id > @after AND e.id < @hi
  AND e.created_at >= @since AND e.created_at < @until
  AND (@recipients = 'current' OR d.id IS NOT NULL)
  AND (@status_filter = 'all' OR d.status = 'failed')
  AND (@types IS NULL OR EXISTS (
        SELECT 1 FROM json_each(@types) t
        WHERE t.value = '*' OR t.value = e.type
           OR (substr(t.value, -2) = '.*'
               AND substr(e.type, 1, length(t.value) - 1) = substr(t.value, 1, length(t.value) - 1))))
  AND (@recipients = 'original' OR (@filter IS NULL OR EXISTS (
        SELECT 1 FROM json_each(@filter) t
        WHERE t.value = '*' OR t.value = e.type
           OR (substr(t.value, -2) = '.*'
               AND substr(e.type, 1, length(t.value) - 1) = substr(t.value, 1, length(t.value) - 1)))));

-- name: replay_events
-- the same, and @limit: the next events after the cursor @after, in id order, each with the
-- endpoint's delivery of it (or NULL)
SELECT e.id AS event_id, e.type, e.ordering_key, d.id AS delivery_id
FROM events e
LEFT JOIN deliveries d ON d.event_id = e.id AND d.endpoint_id = @endpoint_id
WHERE e.merchant_id = @merchant_id AND e.id > @after AND e.id < @hi
  AND e.created_at >= @since AND e.created_at < @until
  AND (@recipients = 'current' OR d.id IS NOT NULL)
  AND (@status_filter = 'all' OR d.status = 'failed')
  AND (@types IS NULL OR EXISTS (
        SELECT 1 FROM json_each(@types) t
        WHERE t.value = '*' OR t.value = e.type
           OR (substr(t.value, -2) = '.*'
               AND substr(e.type, 1, length(t.value) - 1) = substr(t.value, 1, length(t.value) - 1))))
  AND (@recipients = 'original' OR (@filter IS NULL OR EXISTS (
        SELECT 1 FROM json_each(@filter) t
        WHERE t.value = '*' OR t.value = e.type
           OR (substr(t.value, -2) = '.*'
               AND substr(e.type, 1, length(t.value) - 1) = substr(t.value, 1, length(t.value) - 1)))))
ORDER BY e.id LIMIT @limit;

-- name: replay_insert
-- every column of a new replay
INSERT INTO replays (id, merchant_id, endpoint_id, since, until, types, status_filter, recipients, state, total,
                     created_at, updated_at)
VALUES (@id, @merchant_id, @endpoint_id, @since, @until, @types, @status_filter, @recipients, 'queued', @total,
        @now, @now);

-- name: replay_get
-- @merchant_id, @id
SELECT * FROM replays WHERE id = @id AND merchant_id = @merchant_id;

-- name: replay_lease
-- @owner, @now, @until: the oldest unfinished replay whose lease is free or over, leased to @owner
UPDATE replays SET lease_owner = @owner, lease_until = @until, state = 'running', updated_at = @now
WHERE id = (SELECT id FROM replays
            WHERE state IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < @now)
            ORDER BY id LIMIT 1)
RETURNING *;

-- name: replay_held
-- @id, @owner: does @owner still hold the replay?
SELECT 1 AS held FROM replays WHERE id = @id AND lease_owner = @owner AND state = 'running';

-- name: replay_reopen
-- @id, @now: a delivery of the window due now, whatever its status (one in flight is left to finish)
UPDATE deliveries SET status = 'pending', next_attempt_at = @now, lease_owner = NULL, held = 0, skipped_at = NULL,
    updated_at = @now
WHERE id = @id AND lease_owner IS NULL;

-- name: replay_progress
-- @id, @owner, @cursor, @handled, @requeued, @state (running | completed | failed), @error, @now,
-- @lease_until
UPDATE replays
SET cursor = @cursor, requeued = requeued + @requeued,
    done = CASE WHEN @state = 'completed' THEN total ELSE min(total, done + @handled) END,
    state = @state, error = @error, lease_until = @lease_until, updated_at = @now,
    lease_owner = CASE WHEN @state = 'running' THEN lease_owner END,
    completed_at = CASE WHEN @state = 'running' THEN NULL ELSE @now END
WHERE id = @id AND lease_owner = @owner
RETURNING *;

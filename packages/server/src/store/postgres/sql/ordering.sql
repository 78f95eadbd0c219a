-- Ordered delivery (migration 0006): the PostgreSQL twin of sqlite/sql/ordering.sql, which says how
-- ordering works (the claim's check, parking, promotion, the sweep).

-- name: ordering_settle
-- @ids (deliveries of ordered keys whose results were just recorded), @now, @channel (NOTIFY or NULL).
-- Failed ones of endpoints that hold on failure are marked held; then the first blocking delivery of
-- each of their keys, when parked, becomes due now. The statement's CTEs share one snapshot, so the
-- `held` just set is counted through `newly_held`. Runs after results_record in its transaction.
WITH newly_held AS (
  UPDATE deliveries d SET held = true
  FROM endpoints p
  WHERE d.id = ANY (@ids::text[]) AND d.status = 'failed' AND d.ordering_key IS NOT NULL AND NOT d.held
    AND d.skipped_at IS NULL
    AND p.id = d.endpoint_id AND p.ordering_on_failure = 'hold'
  RETURNING d.id
),
keys AS (
  SELECT DISTINCT endpoint_id, ordering_key FROM deliveries
  WHERE id = ANY (@ids::text[]) AND ordering_key IS NOT NULL AND status <> 'pending'
),
heads AS (
  SELECT (SELECT x.id FROM deliveries x
          WHERE x.endpoint_id = k.endpoint_id AND x.ordering_key = k.ordering_key
            AND (x.status = 'pending' OR x.held OR x.id IN (SELECT id FROM newly_held))
          ORDER BY x.event_id LIMIT 1) AS id
  FROM keys k
),
promoted AS (
  UPDATE deliveries d SET next_attempt_at = @now
  FROM heads h WHERE d.id = h.id AND d.status = 'pending' AND d.next_attempt_at IS NULL
    AND NOT (SELECT p.disabled FROM endpoints p WHERE p.id = d.endpoint_id)
  RETURNING d.id
)
SELECT count(*)::int AS n,
       (SELECT count(*) FROM (SELECT pg_notify(@channel, '')
                              WHERE @channel::text IS NOT NULL AND EXISTS (SELECT 1 FROM promoted)) AS woken) AS notified
FROM promoted;

-- name: ordering_unpark
-- @since, @now: parked deliveries created at or after @since that nothing blocks any more, due now.
-- The safety net for a promotion that ran while the delivery behind it was being appended (the two
-- transactions could not see each other).
WITH unparked AS (
  UPDATE deliveries SET next_attempt_at = @now
  WHERE id IN (
    SELECT d.id FROM deliveries d
    WHERE d.status = 'pending' AND d.next_attempt_at IS NULL AND d.created_at >= @since
      AND d.ordering_key IS NOT NULL
      AND NOT (SELECT p.disabled FROM endpoints p WHERE p.id = d.endpoint_id)
      AND NOT EXISTS (SELECT 1 FROM deliveries x
                      WHERE x.endpoint_id = d.endpoint_id AND x.ordering_key = d.ordering_key
                        AND x.event_id < d.event_id AND (x.status = 'pending' OR x.held))
    FOR UPDATE SKIP LOCKED)
    AND status = 'pending' AND next_attempt_at IS NULL
  RETURNING 1
)
SELECT count(*)::int AS n FROM unparked;

-- name: ordering_release_endpoint
-- @endpoint_id, @now: the endpoint is no longer ordered: its deliveries lose their keys, parked ones are due
UPDATE deliveries SET ordering_key = NULL, held = false, next_attempt_at = coalesce(next_attempt_at,
  (SELECT CASE WHEN NOT p.disabled THEN @now::bigint END FROM endpoints p WHERE p.id = @endpoint_id))
WHERE endpoint_id = @endpoint_id AND ordering_key IS NOT NULL AND (status = 'pending' OR held);

-- name: ordering_release_held
-- @endpoint_id: the endpoint now skips on failure: its held keys are released (then ordering_unpark_endpoint)
UPDATE deliveries SET held = false WHERE endpoint_id = @endpoint_id AND held;

-- name: ordering_unpark_endpoint
-- @endpoint_id, @now: the endpoint's parked deliveries that nothing blocks any more (the first of each
-- key whose held delivery was released) become due; those behind them stay parked
UPDATE deliveries d SET next_attempt_at = @now
WHERE d.endpoint_id = @endpoint_id AND d.status = 'pending' AND d.next_attempt_at IS NULL
  AND d.ordering_key IS NOT NULL AND NOT (SELECT p.disabled FROM endpoints p WHERE p.id = d.endpoint_id)
  AND NOT EXISTS (SELECT 1 FROM deliveries x
                  WHERE x.endpoint_id = d.endpoint_id AND x.ordering_key = d.ordering_key
                    AND x.event_id < d.event_id AND (x.status = 'pending' OR x.held));

-- name: endpoint_ordering_set
-- @id, @ordered, @ordering_on_failure
UPDATE endpoints SET ordered = @ordered, ordering_on_failure = @ordering_on_failure WHERE id = @id;

-- name: delivery_skip
-- @merchant_id, @id, @now: a failed delivery releases its key; a pending one not in flight is
-- cancelled. Returns the row as it is afterwards, and whether it changed.
WITH skipped AS (
  UPDATE deliveries
  SET status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END, held = false, skipped_at = @now,
      next_attempt_at = NULL, updated_at = @now
  WHERE id = @id AND merchant_id = @merchant_id AND lease_owner IS NULL AND status IN ('pending', 'failed')
  RETURNING *
)
SELECT *, true AS changed FROM skipped
UNION ALL
SELECT *, false FROM deliveries WHERE id = @id AND merchant_id = @merchant_id AND NOT EXISTS (SELECT 1 FROM skipped);

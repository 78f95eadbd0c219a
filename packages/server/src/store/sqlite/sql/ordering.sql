-- Ordered delivery (migration 0006). A delivery with an ordering key (copied from its event when its
-- endpoint was ordered) goes out only when no delivery of the same endpoint and key with an earlier
-- event blocks it: one that is pending (due, leased, waiting for a retry or parked), or failed and
-- held. The claim checks that (sql/deliveries.sql claim_select), which alone makes the order right.
--
-- Parking keeps the claim fast: a delivery appended behind a blocking one is stored with
-- next_attempt_at NULL, outside the due index, so a claim never steps over thousands of deliveries
-- that could not go anyway. When a keyed delivery finishes (succeeded, failed, skipped), the next one
-- of its key is made due (ordering_promote). ordering_unpark is the safety net for a promotion that
-- could not see a delivery being appended at that moment (possible on PostgreSQL only). None of these
-- makes due a delivery of a disabled endpoint: those wait for it (endpoint_move_unpark).

-- name: ordering_blocked
-- @endpoint_id, @ordering_key, @event_id: is there a delivery of this key, earlier in event order,
-- that blocks it? (fan-out parks the new delivery when there is)
SELECT 1 AS blocked FROM deliveries
WHERE endpoint_id = @endpoint_id AND ordering_key = @ordering_key AND event_id < @event_id
  AND (status = 'pending' OR held = 1)
LIMIT 1;

-- name: ordering_hold
-- @id: a delivery that just failed keeps its key blocked when its endpoint holds on failure
UPDATE deliveries SET held = 1
WHERE id = @id AND status = 'failed' AND ordering_key IS NOT NULL AND skipped_at IS NULL
  AND (SELECT p.ordering_on_failure FROM endpoints p WHERE p.id = deliveries.endpoint_id) = 'hold';

-- name: ordering_promote
-- @id (a delivery that left the blocking states, or was skipped), @now: the first blocking delivery
-- of its key, when parked, becomes due now
UPDATE deliveries SET next_attempt_at = @now
WHERE id = (SELECT x.id FROM deliveries f JOIN deliveries x
              ON x.endpoint_id = f.endpoint_id AND x.ordering_key = f.ordering_key
            WHERE f.id = @id AND f.ordering_key IS NOT NULL AND (x.status = 'pending' OR x.held = 1)
            ORDER BY x.event_id LIMIT 1)
  AND status = 'pending' AND next_attempt_at IS NULL
  AND (SELECT p.disabled FROM endpoints p WHERE p.id = deliveries.endpoint_id) = 0;

-- name: ordering_unpark
-- @since, @now: parked deliveries created at or after @since that nothing blocks any more, due now
UPDATE deliveries SET next_attempt_at = @now
WHERE id IN (
  SELECT d.id FROM deliveries d
  WHERE d.status = 'pending' AND d.next_attempt_at IS NULL AND d.created_at >= @since
    AND d.ordering_key IS NOT NULL
    AND (SELECT p.disabled FROM endpoints p WHERE p.id = d.endpoint_id) = 0
    AND NOT EXISTS (SELECT 1 FROM deliveries x
                    WHERE x.endpoint_id = d.endpoint_id AND x.ordering_key = d.ordering_key
                      AND x.event_id < d.event_id AND (x.status = 'pending' OR x.held = 1)));

-- name: ordering_release_endpoint
-- @endpoint_id, @now: the endpoint is no longer ordered: its deliveries lose their keys, parked ones are due
UPDATE deliveries SET ordering_key = NULL, held = 0, next_attempt_at = coalesce(next_attempt_at,
  (SELECT CASE WHEN p.disabled = 0 THEN @now END FROM endpoints p WHERE p.id = @endpoint_id))
WHERE endpoint_id = @endpoint_id AND ordering_key IS NOT NULL AND (status = 'pending' OR held = 1);

-- name: ordering_release_held
-- @endpoint_id: the endpoint now skips on failure: its held keys are released (then ordering_unpark_endpoint)
UPDATE deliveries SET held = 0 WHERE endpoint_id = @endpoint_id AND held = 1;

-- name: ordering_unpark_endpoint
-- @endpoint_id, @now: the endpoint's parked deliveries that nothing blocks any more (the first of each
-- key whose held delivery was released) become due; those behind them stay parked
UPDATE deliveries SET next_attempt_at = @now
WHERE id IN (
  SELECT d.id FROM deliveries d
  WHERE d.endpoint_id = @endpoint_id AND d.status = 'pending' AND d.next_attempt_at IS NULL
    AND d.ordering_key IS NOT NULL
    AND (SELECT p.disabled FROM endpoints p WHERE p.id = d.endpoint_id) = 0
    AND NOT EXISTS (SELECT 1 FROM deliveries x
                    WHERE x.endpoint_id = d.endpoint_id AND x.ordering_key = d.ordering_key
                      AND x.event_id < d.event_id AND (x.status = 'pending' OR x.held = 1)));

-- name: endpoint_ordering_set
-- @id, @ordered, @ordering_on_failure
UPDATE endpoints SET ordered = @ordered, ordering_on_failure = @ordering_on_failure WHERE id = @id;

-- name: delivery_skip
-- @merchant_id, @id, @now: a failed delivery releases its key; a pending one not in flight is cancelled
UPDATE deliveries
SET status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END, held = 0, skipped_at = @now,
    next_attempt_at = NULL, updated_at = @now
WHERE id = @id AND merchant_id = @merchant_id AND lease_owner IS NULL AND status IN ('pending', 'failed');

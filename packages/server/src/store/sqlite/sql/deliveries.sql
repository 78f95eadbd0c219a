-- name: delivery_insert
-- @id, @event_id, @endpoint_id, @merchant_id, @event_type, @now (created), @due (first due; NULL: parked
-- behind an earlier delivery of its ordering key, or waiting for its disabled endpoint), @ordering_key (NULL
-- unless the endpoint is ordered), @lease_owner (NULL; a dispatcher claiming it as it is created: then @due
-- is the lease's end, as claim_mark sets it)
INSERT INTO deliveries (id, event_id, endpoint_id, merchant_id, event_type, status, attempts, next_attempt_at,
                        created_at, updated_at, ordering_key, lease_owner)
VALUES (@id, @event_id, @endpoint_id, @merchant_id, @event_type, 'pending', 0, @due, @now, @now, @ordering_key,
        @lease_owner);

-- name: claim_select
-- @now, @limit, @exclude (JSON array of endpoint ids this dispatcher has no room for), @burst (the rate's
-- tolerance in slots: PAYHOOK_RATE_LIMIT_BURST less one, store/claimed.ts)
-- Reads the due index in order; the joins fetch what a send needs of the delivery and its event, and
-- the endpoint's controls. Endpoints whose circuit is open (probe not yet due) or whose rate has no
-- slot left are skipped; the rate and circuit columns let deliveries.ts take slots and probes. The
-- endpoint's other columns are read once a claim (claim_endpoints), not once a row, and the rows are
-- read as arrays in this column order (deliveries.ts, ClaimTuple).
SELECT d.id, d.event_id, d.event_type, d.attempts, d.endpoint_id, d.merchant_id, d.ordering_key,
       e.body, e.created_at AS event_created_at, e.traceparent, p.rate_limit, p.rate_tat, p.circuit_state,
       (p.circuit_state <> 'closed' OR p.circuit_failures > 0) AS circuit_dirty
FROM deliveries d
JOIN events e ON e.id = d.event_id
JOIN endpoints p ON p.id = d.endpoint_id
WHERE d.status = 'pending' AND d.next_attempt_at <= @now
  AND p.disabled = 0 AND p.deleted_at IS NULL
  AND (p.circuit_state = 'closed' OR p.circuit_next_probe_at <= @now)
  AND (p.rate_limit IS NULL OR p.rate_tat - @now <= @burst * 1000.0 / p.rate_limit)
  AND d.endpoint_id NOT IN (SELECT value FROM json_each(@exclude))
  -- Ordered delivery (sql/ordering.sql): a keyed delivery goes only when no earlier one of its key blocks it.
  AND (d.ordering_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM deliveries x
        WHERE x.endpoint_id = d.endpoint_id AND x.ordering_key = d.ordering_key AND x.event_id < d.event_id
          AND (x.status = 'pending' OR x.held = 1)))
ORDER BY d.next_attempt_at
LIMIT @limit;

-- name: claim_endpoints
-- @ids (JSON array): the endpoints of a claim, the columns a send needs
SELECT id, url, headers, format, api_version, payload_style, timeout_ms, retry_schedule
FROM endpoints WHERE id IN (SELECT value FROM json_each(@ids));

-- name: claim_mark
-- @ids (JSON array), @owner, @until: the lease
UPDATE deliveries SET lease_owner = @owner, next_attempt_at = @until
WHERE id IN (SELECT value FROM json_each(@ids));

-- name: attempt_insert
-- one attempt's log row
INSERT INTO attempts (id, delivery_id, merchant_id, attempt_no, started_at, duration_ms, status_code, response_body,
                      error_class, error_message, next_retry_at)
SELECT @id, @delivery_id, merchant_id, @attempt_no, @started_at, @duration_ms, @status_code, @response_body,
       @error_class, @error_message, @next_retry_at
FROM deliveries WHERE id = @delivery_id;

-- name: delivery_apply_result
-- @id, @owner, @status (succeeded | pending | failed), @next_attempt_at, @status_code, @error, @now
-- Applies only while the owner still holds the claim: a result that arrives after its lease was taken
-- over is logged as an attempt but does not overwrite the newer owner's state.
UPDATE deliveries
SET status = @status, attempts = attempts + 1, next_attempt_at = @next_attempt_at, lease_owner = NULL,
    last_status_code = @status_code, last_error = @error, updated_at = @now
WHERE id = @id AND status = 'pending' AND lease_owner = @owner;

-- name: delivery_endpoint
-- @id
SELECT endpoint_id FROM deliveries WHERE id = @id;

-- name: delivery_hold
-- @id, @until: a claimable delivery its endpoint's rate limit holds back to its slot; not an attempt
UPDATE deliveries SET next_attempt_at = @until WHERE id = @id;

-- The moves of one endpoint's waiting deliveries (endpoint-moves.ts): each moves at most @limit rows, the
-- endpoint's unclaimed pending deliveries with ids after @after in id order (deliveries_by_endpoint), and
-- returns their ids, so a move of a large backlog goes in bounded steps, each continuing where the last
-- stopped. A moved row no longer matches its move's condition.

-- name: endpoint_move_park
-- @endpoint_id, @after, @limit: the endpoint was disabled; its waiting deliveries wait for it (NULL:
-- outside the due range)
UPDATE deliveries SET next_attempt_at = NULL
WHERE id IN (SELECT id FROM deliveries
             WHERE endpoint_id = @endpoint_id AND id > @after AND status = 'pending' AND lease_owner IS NULL
               AND next_attempt_at IS NOT NULL
             ORDER BY id LIMIT @limit)
RETURNING id;

-- name: endpoint_move_unpark
-- @endpoint_id, @after, @limit, @now: the endpoint was enabled; what waited for it is due now
UPDATE deliveries SET next_attempt_at = @now
WHERE id IN (SELECT id FROM deliveries
             WHERE endpoint_id = @endpoint_id AND id > @after AND status = 'pending' AND lease_owner IS NULL
               AND (next_attempt_at IS NULL OR next_attempt_at > @now)
             ORDER BY id LIMIT @limit)
RETURNING id;

-- name: endpoint_move_release
-- @endpoint_id, @after, @limit, @now: the endpoint's circuit closed; what it held back is due now
UPDATE deliveries SET next_attempt_at = @now
WHERE id IN (SELECT id FROM deliveries
             WHERE endpoint_id = @endpoint_id AND id > @after AND status = 'pending' AND lease_owner IS NULL
               AND next_attempt_at > @now
             ORDER BY id LIMIT @limit)
RETURNING id;

-- name: endpoint_move_unpace
-- @endpoint_id, @after, @limit, @now, @until: the endpoint recovered from the trouble it was paced for
-- (Store.undeferEndpoint); what waits for it until @until at the latest is due now
UPDATE deliveries SET next_attempt_at = @now
WHERE id IN (SELECT id FROM deliveries
             WHERE endpoint_id = @endpoint_id AND id > @after AND status = 'pending' AND lease_owner IS NULL
               AND next_attempt_at > @now AND next_attempt_at <= @until
             ORDER BY id LIMIT @limit)
RETURNING id;

-- name: endpoint_move_hold
-- @endpoint_id, @after, @limit, @until: an endpoint whose circuit opened; its unclaimed deliveries due
-- before @until wait until then (its probe)
UPDATE deliveries SET next_attempt_at = @until
WHERE id IN (SELECT id FROM deliveries
             WHERE endpoint_id = @endpoint_id AND id > @after AND status = 'pending' AND lease_owner IS NULL
               AND next_attempt_at < @until
             ORDER BY id LIMIT @limit)
RETURNING id;

-- name: endpoint_move_pace
-- @endpoint_id, @after, @limit, @now, @step_ms, @per_step, @steps, @offset: paces the endpoint's unclaimed
-- deliveries due by @now (Store.deferEndpoint), oldest first: the k-th of the whole move (from 0; this
-- step's rows are k = @offset, @offset + 1, …) becomes due at @now + @step_ms * min(@steps, 1 + k / @per_step).
-- The parameters arrive as SQLite REALs (JavaScript numbers), hence the casts: the division must be an
-- integer one.
UPDATE deliveries
SET next_attempt_at = CAST(@now AS INTEGER) + CAST(@step_ms AS INTEGER)
                      * min(CAST(@steps AS INTEGER), 1 + (CAST(@offset AS INTEGER) + paced.k) / CAST(@per_step AS INTEGER))
FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k
      FROM (SELECT id FROM deliveries
            WHERE endpoint_id = @endpoint_id AND id > @after AND status = 'pending' AND lease_owner IS NULL
              AND next_attempt_at <= @now
            ORDER BY id LIMIT @limit)) AS paced
WHERE deliveries.id = paced.id
RETURNING deliveries.id AS id;

-- name: endpoint_move_cancel
-- @endpoint_id, @after, @limit, @now: the endpoint was deleted; its pending deliveries are cancelled,
-- claimed ones too (a result that comes back finds its claim gone, as for a deletion in one statement)
UPDATE deliveries SET status = 'cancelled', next_attempt_at = NULL, lease_owner = NULL, updated_at = @now
WHERE id IN (SELECT id FROM deliveries
             WHERE endpoint_id = @endpoint_id AND id > @after AND status = 'pending'
             ORDER BY id LIMIT @limit)
RETURNING id;

-- name: endpoints_deleted_pending
-- (no parameters): deleted endpoints that still have pending deliveries (a cancel a crash cut short)
SELECT id FROM endpoints p
WHERE p.deleted_at IS NOT NULL
  AND EXISTS (SELECT 1 FROM deliveries d WHERE d.endpoint_id = p.id AND d.status = 'pending');

-- name: claims_release
-- @owner, @ids (JSON array), @now: due again at once
UPDATE deliveries SET lease_owner = NULL, next_attempt_at = @now
WHERE id IN (SELECT value FROM json_each(@ids)) AND status = 'pending' AND lease_owner = @owner;

-- name: next_due
-- (no parameters)
SELECT min(next_attempt_at) AS at FROM deliveries WHERE status = 'pending';

-- name: queue_stats
-- (no parameters): for GET /metrics. The count reads only the partial index deliveries_due (covering:
-- no table rows); the oldest due time walks that index in order and stops at the first delivery of an
-- enabled endpoint. Measured at 1,000,000 pending deliveries: ~55 ms (docs/performance.md).
SELECT (SELECT count(*) FROM deliveries WHERE status = 'pending') AS pending,
       (SELECT d.next_attempt_at FROM deliveries d JOIN endpoints p ON p.id = d.endpoint_id
        WHERE d.status = 'pending' AND p.disabled = 0 AND p.deleted_at IS NULL
        ORDER BY d.next_attempt_at LIMIT 1) AS oldest_due_at;

-- name: delivery_get
-- @merchant_id, @id
SELECT * FROM deliveries WHERE id = @id AND merchant_id = @merchant_id;

-- name: delivery_page
-- @merchant_id, @before (cursor), @endpoint_id, @event_id, @status (each NULL for any), @limit
SELECT * FROM deliveries
WHERE merchant_id = @merchant_id AND id < @before
  AND (@endpoint_id IS NULL OR endpoint_id = @endpoint_id)
  AND (@event_id IS NULL OR event_id = @event_id)
  AND (@status IS NULL OR status = @status)
ORDER BY id DESC LIMIT @limit;

-- name: attempt_list
-- @merchant_id, @delivery_id: oldest first
SELECT * FROM attempts WHERE delivery_id = @delivery_id AND merchant_id = @merchant_id ORDER BY attempt_no, id;

-- name: delivery_retry_now
-- @merchant_id, @id, @now: due now whatever its status (a manual retry of a finished delivery reopens it)
UPDATE deliveries SET status = 'pending', next_attempt_at = @now, lease_owner = NULL, held = 0, skipped_at = NULL,
    updated_at = @now
WHERE id = @id AND merchant_id = @merchant_id AND lease_owner IS NULL;

-- name: endpoint_recover
-- @merchant_id, @endpoint_id, @since, @now: every failed delivery of the endpoint since a time, due now
UPDATE deliveries SET status = 'pending', next_attempt_at = @now, held = 0, skipped_at = NULL, updated_at = @now
WHERE endpoint_id = @endpoint_id AND merchant_id = @merchant_id AND status = 'failed' AND created_at >= @since;

-- name: delivery_counts
-- @merchant_id (NULL for all)
SELECT status, count(*) AS n FROM deliveries WHERE (@merchant_id IS NULL OR merchant_id = @merchant_id) GROUP BY status;

-- name: delivery_counts_since
-- @merchant_id, @since_id (the smallest delivery id of the window's first millisecond: ids carry their
-- creation time): the merchant's deliveries made since then, by status, for the dashboard's overview.
-- A range of deliveries_by_merchant (merchant_id, id) and each row's status: it costs the window's
-- deliveries, never the merchant's whole history.
SELECT status, count(*) AS n FROM deliveries WHERE merchant_id = @merchant_id AND id >= @since_id GROUP BY status;

-- name: claim
-- @now, @limit, @owner, @until (the lease end), @exclude (endpoint ids this dispatcher has no room for),
-- @burst (the rate's tolerance in slots: PAYHOOK_RATE_LIMIT_BURST less one, store/claimed.ts),
-- @floor (the first delivery id of the oldest day that may hold a pending delivery: claim_floor,
-- migration 0020)
--
-- The claim is a function (migration 0022, where its query and what it does are described): one round
-- trip, and one generic plan a connection, kept by PL/pgSQL with the planner settings of the function's
-- own SET clauses. Its rows: the leased deliveries, each with its event and endpoint, in the order they
-- became due, and one more row with no delivery when the rate held some back (rate_held, rate_wait).
SELECT * FROM claim_deliveries(@now, @limit, @owner, @until, @exclude, @burst, @floor);

-- name: claim_floor
-- @at_most: the first delivery id of the oldest day a claim must read (migration 0020)
SELECT claim_floor(@at_most) AS floor;

-- name: results_record
-- Parallel arrays, one element an attempt: @attempt_ids, @delivery_ids, @owners, @attempt_nos,
-- @started_ats, @durations, @status_codes, @response_bodies, @error_classes, @error_messages,
-- @statuses (succeeded | pending | failed), @next_attempt_ats; @now.
--
-- The write is a function (migration 0025, where its query is): one generic plan a connection, kept by
-- PL/pgSQL, instead of a plan made at every call. One INSERT logs every attempt and one UPDATE applies
-- every outcome. An outcome applies only while its owner still holds the claim: a result that arrives
-- after its lease was taken over is logged but does not overwrite the newer owner's state. An attempt id
-- seen before is neither logged nor applied again, so replaying a batch whose COMMIT was lost changes
-- nothing. Should one delivery appear twice, its first result applies (the second finds the claim
-- released), as in SQLite.
-- Measured: 500 results take ~14 ms as this one statement, ~120 ms as 500 single-row statements in one
-- transaction (local server, loaded 2-core VM).
-- The pending check compares with a column of the input (`d.status = r.was`), not with the constant
-- 'pending', on purpose: with the constant, the partial index deliveries_due (next_attempt_at, id) WHERE
-- status = 'pending' matches the statement, and a plan made while the day's partition was still small
-- (a kept generic plan lasts for the connection's life) reads that whole index for `id = ANY (…)`, id
-- being its second column: 400 ms for 350 results at 50,000 pending, the write that capped PostgreSQL
-- throughput at ~400 deliveries/s. Through a join column only the primary key can find the rows
-- (docs/performance.md, "The result write read the whole due index").
SELECT * FROM record_results(@attempt_ids::text[], @delivery_ids::text[], @owners::text[], @attempt_nos::int[],
                             @started_ats::bigint[], @durations::int[], @status_codes::int[], @response_bodies::text[],
                             @error_classes::text[], @error_messages::text[], @statuses::text[],
                             @next_attempt_ats::bigint[], @now::bigint);

-- name: merchants_of_deliveries
-- @ids
SELECT DISTINCT merchant_id FROM deliveries WHERE id = ANY (@ids::text[]) ORDER BY merchant_id;

-- name: endpoints_disable_gone
-- @ids (deliveries whose endpoint answered 410 Gone), @now: each such endpoint is disabled (`gone`)
-- and its waiting deliveries wait for it (next_attempt_at NULL) until it is enabled again. Returns
-- the endpoints it disabled. The caller holds those merchants' endpoint locks.
WITH gone AS (
  SELECT DISTINCT endpoint_id FROM deliveries WHERE id = ANY (@ids::text[])
),
disabled AS (
  UPDATE endpoints p SET disabled = true, disabled_reason = 'gone', updated_at = @now
  FROM gone WHERE p.id = gone.endpoint_id AND NOT p.disabled
  RETURNING p.id, p.merchant_id, p.failing_since
),
parked AS (
  UPDATE deliveries d SET next_attempt_at = NULL
  FROM gone WHERE d.endpoint_id = gone.endpoint_id AND d.status = 'pending' AND d.lease_owner IS NULL
)
SELECT * FROM disabled;

-- name: deliveries_park_for_endpoint
-- @endpoint_id: the endpoint was disabled; its waiting deliveries wait for it (NULL: outside the due
-- index's range). Rows a claimer holds locked are skipped: they are being claimed, and the claim
-- skips a disabled endpoint's deliveries or their result sets a due time the claim skips.
UPDATE deliveries SET next_attempt_at = NULL
WHERE id IN (SELECT id FROM deliveries
             WHERE endpoint_id = @endpoint_id AND status = 'pending' AND lease_owner IS NULL
             FOR UPDATE SKIP LOCKED);

-- name: deliveries_unpark_for_endpoint
-- @endpoint_id, @now, @channel: the endpoint was enabled; what waited for it is due now
WITH unparked AS (
  UPDATE deliveries SET next_attempt_at = @now
  WHERE endpoint_id = @endpoint_id AND status = 'pending' AND lease_owner IS NULL
    AND (next_attempt_at IS NULL OR next_attempt_at > @now)
  RETURNING id
)
SELECT count(*)::int AS n,
       (SELECT count(*) FROM (SELECT pg_notify(@channel, '')
                              WHERE @channel::text IS NOT NULL AND EXISTS (SELECT 1 FROM unparked)) AS woken) AS notified
FROM unparked;

-- name: deliveries_cancel_for_endpoint
-- @endpoint_id, @now: the merchant disabled or deleted the endpoint
UPDATE deliveries SET status = 'cancelled', next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL,
    updated_at = @now
WHERE endpoint_id = @endpoint_id AND status = 'pending';

-- name: claims_release
-- @owner, @ids, @now (due again at once), @channel (NOTIFY, or NULL)
-- A leased row's next_attempt_at is the time it became due (migration 0019), so it is due again as it was,
-- first in line, and the release leaves every indexed column as it was (a HOT update, as the claim).
-- `least` covers a row leased before 0019, whose next_attempt_at was its lease end.
-- The pending check goes through a join column, as in results_record and for the same reason: the rows
-- are found by their primary key, never by a walk of the partial due index (OFFSET 0 keeps the planner
-- from folding x.was back into the constant).
WITH released AS (
  UPDATE deliveries d SET lease_owner = NULL, lease_until = NULL, next_attempt_at = least(d.next_attempt_at, @now)
  FROM (SELECT 'pending'::text AS was OFFSET 0) x
  WHERE d.id = ANY (@ids::text[]) AND d.status = x.was AND d.lease_owner = @owner
  RETURNING d.id
)
SELECT count(*)::int AS n,
       (SELECT count(*) FROM (SELECT pg_notify(@channel, '')
                              WHERE @channel::text IS NOT NULL AND EXISTS (SELECT 1 FROM released)) AS woken) AS notified
FROM released;

-- name: endpoint_defer
-- @endpoint_id, @now, @step_ms, @per_step, @steps: paces the endpoint's unclaimed deliveries due by @now
-- (Store.deferEndpoint): the k-th of them in due order (from 0) becomes due at
-- @now + @step_ms * least(@steps, 1 + k / @per_step), an integer division.
-- Rows another claimer holds locked are skipped, not waited for: they are being claimed, so not waiting.
-- `horizon`: whether rows were left at the horizon (k past the steps); deliveries.ts then sets the
-- endpoint's `paced_until` there in a statement of its own (endpoint_paced_until_set: taking the endpoint's
-- row here, after these deliveries', could deadlock with a result that holds the row and waits for them).
WITH locked AS (
  SELECT id, next_attempt_at FROM deliveries
  WHERE endpoint_id = @endpoint_id AND status = 'pending' AND lease_owner IS NULL AND next_attempt_at <= @now
  FOR UPDATE SKIP LOCKED
),
paced AS (
  SELECT id, row_number() OVER (ORDER BY next_attempt_at, id) - 1 AS k FROM locked
),
moved AS (
  UPDATE deliveries d
  SET next_attempt_at = @now::bigint + @step_ms::bigint * least(@steps::bigint, 1 + p.k / @per_step::bigint)
  FROM paced p
  WHERE d.id = p.id
  RETURNING 1
)
SELECT count(*)::int AS n,
       EXISTS (SELECT 1 FROM paced WHERE k >= @per_step::bigint * @steps::bigint) AS horizon
FROM moved;

-- name: endpoint_undefer
-- @endpoint_id, @now, @until, @channel (NOTIFY, or NULL): the endpoint recovered from the trouble it was
-- paced for (Store.undeferEndpoint): its unclaimed deliveries due after @now and by @until are due now,
-- while it is enabled and its circuit closed. The endpoint's row is read FOR SHARE, so a circuit opening
-- in a result's transaction (which holds it FOR UPDATE) comes wholly before or after this move. Rows
-- another claimer holds locked are skipped: they are being claimed. (deliveries.ts clears the endpoint's
-- `paced_until` first: endpoint_paced_until_clear.)
WITH taking AS (
  SELECT 1 FROM endpoints
  WHERE id = @endpoint_id AND NOT disabled AND circuit_state = 'closed'
  FOR SHARE
),
moved AS (
  UPDATE deliveries SET next_attempt_at = @now::bigint
  WHERE id IN (SELECT id FROM deliveries
               WHERE endpoint_id = @endpoint_id AND status = 'pending' AND lease_owner IS NULL
                 AND next_attempt_at > @now::bigint AND next_attempt_at <= @until::bigint
                 AND EXISTS (SELECT 1 FROM taking)
               FOR UPDATE SKIP LOCKED)
  RETURNING id
)
SELECT count(*)::int AS n,
       (SELECT count(*) FROM (SELECT pg_notify(@channel, '')
                              WHERE @channel::text IS NOT NULL AND EXISTS (SELECT 1 FROM moved)) AS woken) AS notified
FROM moved;

-- name: notify_due
-- @channel: a wake-up sent on its own, after the commits it stands for (see NotifyCoalescer)
SELECT pg_notify(@channel, '');

-- name: next_due
-- @now: the earlier of the first unleased delivery's due time (`a`, walking deliveries_due in order past
-- the leased rows at its head) and the earliest lease end, when that first one is not due yet (a lease
-- that ends makes its delivery due again). The lease ends are read only then (a sub-select in the CASE
-- runs when reached), and only among rows due no later than `a`: every row before `a` in the index is a
-- leased one, so it reads what is in flight, never a backlog. A leased row due after `a` needs no look:
-- its lease began after it was due, later than `a`, so its lease end is later still.
SELECT CASE WHEN a.at <= @now THEN a.at
            ELSE least(a.at, (SELECT min(l.lease_until) FROM deliveries l
                              WHERE l.status = 'pending' AND l.next_attempt_at <= coalesce(a.at, 9223372036854775807)
                                AND l.lease_owner IS NOT NULL AND l.lease_until > @now))
       END AS at
FROM (SELECT min(next_attempt_at) AS at FROM deliveries
      WHERE status = 'pending' AND (lease_owner IS NULL OR coalesce(lease_until, 0) <= @now)) a;

-- name: queue_stats
-- @now: for GET /metrics. The count reads only the partial index deliveries_due; the oldest
-- due time walks it in order and stops at the first delivery of an enabled endpoint (the endpoint check
-- a scalar subquery, as in `claim`, so the plan cannot start from the endpoints). Measured at 1,000,000
-- pending deliveries in docs/performance.md.
SELECT (SELECT count(*)::bigint FROM deliveries WHERE status = 'pending') AS pending,
       (SELECT d.next_attempt_at FROM deliveries d
        WHERE d.status = 'pending' AND (d.lease_owner IS NULL OR coalesce(d.lease_until, 0) <= @now)
          AND (SELECT NOT p.disabled AND p.deleted_at IS NULL FROM endpoints p WHERE p.id = d.endpoint_id)
        ORDER BY d.next_attempt_at, d.id LIMIT 1) AS oldest_due_at;

-- name: delivery_get
-- @merchant_id, @id
SELECT * FROM deliveries WHERE id = @id AND merchant_id = @merchant_id;

-- name: delivery_page
-- @merchant_id, @before (cursor), @endpoint_id, @event_id, @status (each NULL for any), @limit
SELECT * FROM deliveries
WHERE merchant_id = @merchant_id AND id < @before
  AND (@endpoint_id::text IS NULL OR endpoint_id = @endpoint_id)
  AND (@event_id::text IS NULL OR event_id = @event_id)
  AND (@status::text IS NULL OR status = @status)
ORDER BY id DESC LIMIT @limit;

-- name: attempt_list
-- @merchant_id, @delivery_id: oldest first
SELECT * FROM attempts WHERE delivery_id = @delivery_id AND merchant_id = @merchant_id ORDER BY attempt_no, id;

-- name: delivery_retry_now
-- @merchant_id, @id, @now, @channel: due now whatever its status (a manual retry of a finished
-- delivery reopens it); one in flight keeps its claim. Returns the row as it is afterwards.
WITH reopened AS (
  UPDATE deliveries SET status = 'pending', next_attempt_at = @now, lease_owner = NULL, held = false, skipped_at = NULL,
      updated_at = @now
  WHERE id = @id AND merchant_id = @merchant_id AND lease_owner IS NULL
  RETURNING *
),
woken AS (
  SELECT pg_notify(@channel, '') WHERE @channel::text IS NOT NULL AND EXISTS (SELECT 1 FROM reopened)
)
SELECT *, (SELECT count(*) FROM woken) AS notified FROM reopened
UNION ALL
SELECT *, 0 FROM deliveries WHERE id = @id AND merchant_id = @merchant_id AND NOT EXISTS (SELECT 1 FROM reopened);

-- name: endpoint_recover
-- @merchant_id, @endpoint_id, @since, @now, @channel: every failed delivery of the endpoint since a
-- time, due now
WITH recovered AS (
  UPDATE deliveries SET status = 'pending', next_attempt_at = @now, held = false, skipped_at = NULL, updated_at = @now
  WHERE endpoint_id = @endpoint_id AND merchant_id = @merchant_id AND status = 'failed' AND created_at >= @since
  RETURNING id
)
SELECT count(*)::int AS n,
       (SELECT count(*) FROM (SELECT pg_notify(@channel, '')
                              WHERE @channel::text IS NOT NULL AND EXISTS (SELECT 1 FROM recovered)) AS woken) AS notified
FROM recovered;

-- name: delivery_counts
-- @merchant_id (NULL for all)
SELECT status, count(*)::int AS n FROM deliveries WHERE (@merchant_id::text IS NULL OR merchant_id = @merchant_id) GROUP BY status;

-- name: delivery_counts_since
-- @merchant_id, @since_id (the smallest delivery id of the window's first millisecond: ids carry their
-- creation time): the merchant's deliveries made since then, by status, for the dashboard's overview.
-- A range of deliveries_by_merchant (merchant_id, id) and each row's status: it costs the window's
-- deliveries, never the merchant's whole history.
SELECT status, count(*)::int AS n FROM deliveries WHERE merchant_id = @merchant_id AND id >= @since_id GROUP BY status;

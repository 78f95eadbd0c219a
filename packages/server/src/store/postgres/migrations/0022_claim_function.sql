-- 0022_claim_function: the claim (sql/deliveries.sql, claim_deliveries) in a function of its own, so that
-- a claim is one round trip and PostgreSQL keeps one generic plan for it on each connection.
--
-- Once its tables have statistics PostgreSQL plans the claim at every call, and planning it took longer
-- than running it (docs/performance.md, "One plan for the claim"). The store then ran it in a transaction
-- of its own that set `plan_cache_mode = force_generic_plan` and `enable_seqscan = off` with SET LOCAL:
-- three round trips a claim (BEGIN with the settings, the claim, COMMIT), each a wait for a core on a
-- busy machine. PL/pgSQL keeps the plan of each query of a function for the connection's life, and a
-- function's SET clauses hold while it runs and are undone when it returns: the same generic plan, the
-- same settings seen by nothing else, in one statement and its implicit transaction, with or without
-- prepared statements on the client's side (a transaction pooler: docs/deployment.md). Measured in
-- docs/performance.md, "The claim in one round trip".
--
-- Why generic and without sequential scans: a kept plan is made from the tables as they are then, an
-- empty day among them. A scan of an empty partition costs nothing, of a full one every claim, so
-- sequential scans are ruled out of it, and migration 0021 keeps empty days unanalysed, so that their
-- primary key is the index the plan takes. PostgreSQL makes the plan again when a table it reads is
-- analysed, and a pooled connection lasts at most five minutes (store/postgres/db.ts), so a plan made on
-- a state the tables have left lives no longer than that even where autovacuum is off.
--
-- `synchronous_commit` is not one of the SET clauses on purpose: a SET clause is undone when the function
-- returns, before the commit it is for. The query sets it with set_config(…, true) for the transaction,
-- as the claim always did, and a setting made that way inside a function outlives it.
--
-- The claim's text below is the statement's as it stood in sql/deliveries.sql, parameters renamed
-- (@now is a_now, and so on), and its comment with it; a change to the claim is now a migration that
-- replaces this function.
--
-- a_now, a_limit, a_owner, a_until (the lease end), a_exclude (endpoint ids this dispatcher has no room
-- for), a_burst (the rate's tolerance in slots: PAYHOOK_RATE_LIMIT_BURST less one, store/claimed.ts),
-- a_floor (the first delivery id of the oldest day that may hold a pending delivery: claim_floor,
-- migration 0020)
--
-- One statement. `due` locks the oldest due deliveries of enabled endpoints that no other claimer has
-- locked (SKIP LOCKED: concurrent claimers take disjoint sets and never wait on each other; a row a
-- claimer committed meanwhile is re-checked against the lease and dropped). MATERIALIZED keeps the
-- LIMIT applied once, whatever plan the UPDATE gets. The UPDATE leases them, and the outer query joins
-- each to its event and endpoint so a dispatcher makes no other query per delivery.
--
-- The endpoint check is a scalar subquery, not a join, on purpose: with a join and stale statistics
-- (a queue table that grew by a million rows since the last ANALYZE) the planner drove the query from
-- the endpoints and sorted every due delivery on each claim (3 s a claim at 1,000,000 pending). As a
-- subquery it cannot be flattened, so the only sensible plan walks deliveries_due in order and stops
-- at the LIMIT.
--
-- A claim commits without waiting for the WAL flush (synchronous_commit off for this transaction
-- only, set by the statement itself so it stays one round trip): a claim is only a lease, and one lost
-- in a crash of PostgreSQL leaves its deliveries due and unowned, as a dispatcher's crash does when its
-- lease ends. The attempt is made again (a result whose claim was lost is logged, not applied), never
-- lost; every result and every append still commits durably, and flushes the claims before it. The
-- claim sits on the path from accept to arrival: measured in docs/performance.md.
--
-- Delivery controls (docs/delivery.md#delivery-controls) ride in the same statement, so a claim stays
-- one round trip: the endpoint check also skips endpoints whose circuit is open (no probe due) or whose
-- rate has no slot left. `controlled` then locks, in id order, the endpoints of this batch that have a
-- rate limit or a circuit not closed (none in the common case: that CTE reads nothing more), and reads
-- their newest row versions (FOR UPDATE waits for a concurrent claimer's commit and returns the row
-- it wrote), so slots and probes are taken atomically across dispatchers. `grants` says how many of
-- each endpoint's claimed rows may go: a rate slot each (GCRA: the theoretical arrival time rate_tat
-- moves on by 1000/rate ms a request; a request may go while rate_tat - now <= a_burst slots), and
-- one probe for an open circuit. The rest are not leased (attempts unchanged): a rate's are `held`,
-- due again at their own rate slot; a circuit's stay as they are, skipped by the endpoint check while
-- the probe is out, then released when it succeeds or moved to the next probe when it fails.
--
-- deliveries and events are partitioned by day (migration 0007). The leased rows and their events are
-- named by `= ANY (ARRAY(…))`, not by a join: with a join, a freshly planned claim (the first five on
-- each connection, or every one without prepared statements) hashed every partition of both tables
-- (0.6-1.1 s at 300,000 deliveries); with an array of ids it probes each partition's index instead
-- (20-25 ms), and the BETWEEN of the smallest and largest id lets it skip, at run time, the partitions
-- none of them falls in (most days: due deliveries are recent), 8-12 ms. Measured in
-- docs/performance.md.
--
-- Each reference to deliveries is also bounded below by the first id of the oldest day that holds a
-- pending delivery (a_floor: the store's floor of at most a second ago, migration 0020), so the days
-- before it are left out: of the plan when PostgreSQL plans the claim for its parameters, at the plan's
-- start when it keeps a plan for every call. Each day a claim reads costs it: with the month of days
-- PAYHOOK_RETENTION_DAYS keeps, a claim took three times as long (docs/performance.md, "The claim's
-- days"). The ordering check (`x`) is bounded the same way: the floor counts held deliveries too. Events
-- are not: a replay's new delivery (today's id) goes out for an event of any age. Bounded below only,
-- never as a range: with no statistics yet (a new day's partition) PostgreSQL takes a range of ids for a
-- few rows, and then sorts every due delivery instead of walking the due index (measured there).
CREATE FUNCTION claim_deliveries(
  a_now bigint, a_limit integer, a_owner text, a_until bigint, a_exclude text[], a_burst integer, a_floor text)
RETURNS TABLE (
  id text, event_id text, event_type text, attempts integer, endpoint_id text, merchant_id text,
  ordering_key text, body text, event_created_at bigint, traceparent text, url text, headers text,
  format text, api_version text, payload_style text, timeout_ms integer, retry_schedule integer[],
  circuit_dirty boolean, rate_held integer, rate_wait bigint, due_at bigint)
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH due AS MATERIALIZED (
    SELECT d.id, d.next_attempt_at, d.endpoint_id
    FROM deliveries d
    WHERE (SELECT set_config('synchronous_commit', 'off', true)) = 'off'
      AND d.status = 'pending' AND d.next_attempt_at <= a_now AND d.id >= a_floor
      -- Not leased, or its lease ended (migration 0019: a lease is lease_owner with lease_until).
      AND (d.lease_owner IS NULL OR coalesce(d.lease_until, 0) <= a_now)
      AND (SELECT NOT p.disabled AND p.deleted_at IS NULL
                  AND (p.circuit_state = 'closed' OR p.circuit_next_probe_at <= a_now)
                  AND (p.rate_limit IS NULL OR p.rate_tat - a_now <= a_burst::int * 1000.0 / p.rate_limit)
           FROM endpoints p WHERE p.id = d.endpoint_id)
      AND d.endpoint_id <> ALL (a_exclude::text[])
      -- Ordered delivery (sql/ordering.sql): a keyed delivery goes only when no earlier one of its key
      -- blocks it. A blocking row another claimer has locked is still seen as pending, so two claimers
      -- never take two deliveries of one key.
      AND (d.ordering_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM deliveries x
            WHERE x.endpoint_id = d.endpoint_id AND x.ordering_key = d.ordering_key AND x.event_id < d.event_id
              AND (x.status = 'pending' OR x.held) AND x.id >= a_floor))
    ORDER BY d.next_attempt_at, d.id
    LIMIT a_limit
    FOR UPDATE OF d SKIP LOCKED
  ),
  controlled AS MATERIALIZED (
    SELECT p.id, p.rate_limit, p.rate_tat, p.circuit_state, p.circuit_next_probe_at
    FROM endpoints p
    WHERE p.id IN (SELECT endpoint_id FROM due) AND (p.rate_limit IS NOT NULL OR p.circuit_state <> 'closed')
    ORDER BY p.id
    FOR UPDATE OF p
  ),
  grants AS MATERIALIZED (
    SELECT c.id, c.rate_limit, c.circuit_state, greatest(c.rate_tat, a_now) AS tat0,
           least((SELECT count(*) FROM due WHERE due.endpoint_id = c.id),
                 CASE WHEN c.circuit_state = 'closed' THEN 2147483647
                      WHEN c.circuit_next_probe_at <= a_now THEN 1 ELSE 0 END,
                 CASE WHEN c.rate_limit IS NULL THEN 2147483647
                      ELSE greatest(0, floor((a_now - greatest(c.rate_tat, a_now)) * c.rate_limit / 1000.0 + a_burst::int)::int + 1)
                 END) AS granted
    FROM controlled c
  ),
  reserved AS (
    UPDATE endpoints p
    SET rate_tat = CASE WHEN g.rate_limit IS NULL THEN p.rate_tat
                        ELSE ceil(g.tat0 + g.granted * 1000.0 / g.rate_limit)::bigint END,
        circuit_state = CASE WHEN g.circuit_state <> 'closed' AND g.granted > 0 THEN 'half_open' ELSE p.circuit_state END,
        circuit_next_probe_at = CASE WHEN g.circuit_state <> 'closed' AND g.granted > 0 THEN a_until
                                     ELSE p.circuit_next_probe_at END
    FROM grants g WHERE p.id = g.id
  ),
  ranked AS MATERIALIZED (
    SELECT due.id, g.granted, g.rate_limit, g.tat0, g.circuit_state,
           row_number() OVER (PARTITION BY due.endpoint_id ORDER BY due.next_attempt_at, due.id) AS rk
    FROM due JOIN grants g ON g.id = due.endpoint_id
  ),
  held AS (
    UPDATE deliveries d
    SET next_attempt_at = greatest(a_now + 1, ceil(r.tat0 + (r.rk - 1 - a_burst::int) * 1000.0 / r.rate_limit)::bigint)
    FROM ranked r
    WHERE d.id = r.id AND d.id >= a_floor AND r.rk > r.granted AND r.circuit_state = 'closed' AND r.rate_limit IS NOT NULL
    RETURNING d.next_attempt_at - a_now AS wait
  ),
  claimed AS (
    UPDATE deliveries d SET lease_owner = a_owner, lease_until = a_until
    WHERE d.id = ANY (ARRAY(SELECT id FROM due))
      AND d.id BETWEEN (SELECT min(id) FROM due) AND (SELECT max(id) FROM due)
      AND d.id >= a_floor
      AND NOT EXISTS (SELECT 1 FROM ranked r WHERE r.id = d.id AND r.rk > r.granted)
    RETURNING d.id, d.event_id, d.event_type, d.attempts, d.endpoint_id, d.merchant_id, d.ordering_key
  )
  SELECT * FROM (
    SELECT c.id, c.event_id, c.event_type, c.attempts, c.endpoint_id, c.merchant_id, c.ordering_key,
           e.body, e.created_at AS event_created_at, e.traceparent,
           p.url, p.headers::text AS headers, p.format, p.api_version, p.payload_style, p.timeout_ms,
           p.retry_schedule,
           (p.circuit_state <> 'closed' OR p.circuit_failures > 0) AS circuit_dirty, 0 AS rate_held,
           0::bigint AS rate_wait, due.next_attempt_at AS due_at
    FROM claimed c
    JOIN due ON due.id = c.id
    JOIN events e ON e.id = c.event_id AND e.id = ANY (ARRAY(SELECT event_id FROM claimed))
                    AND e.id BETWEEN (SELECT min(event_id) FROM claimed) AND (SELECT max(event_id) FROM claimed)
    JOIN endpoints p ON p.id = c.endpoint_id
    UNION ALL
    -- One row more, with no delivery, when the rate held some back: how many, how long in all (metrics).
    SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, n, w, NULL
    FROM (SELECT count(*)::int AS n, coalesce(sum(wait), 0)::bigint AS w FROM held) h WHERE n > 0
  ) rows
  ORDER BY due_at, id;
END
$$;

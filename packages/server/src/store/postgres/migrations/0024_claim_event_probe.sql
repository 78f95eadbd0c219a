-- 0024_claim_event_probe: the claim reads its rows' events in one scan (claimed_events), not one scan a row.
--
-- 0022's claim joined each leased row to its event: a nested loop whose inner side was an Append over the
-- partitions of events, parameterized by the row's event_id. On every row that Append ran its run-time
-- partition pruning again, and the array of all the claim's event ids was among its conditions, so the
-- pruning looked at every element of it once per row: 58-60 µs a row for a claim of 126 rows
-- (auto_explain with log_analyze, the throughput benchmark on PostgreSQL), most of the claim's time, and
-- growing with the claim's size. Without the array in the join it was still 36 µs a row. Here the events
-- are read once, by the array of their ids bounded by the smallest and largest (the same index scan, the
-- partitions pruned once): 0.15 ms for 64 rows; the claimed rows then take theirs by a hash join.
--
-- Measured with pg_stat_statements over the throughput benchmark (100,000 events to 1 endpoint, then to 10;
-- the builds alternated): the claim's statement time for the 200,000 deliveries 19,920-23,701 ms with
-- 0022 (six runs), 16,978-19,437 ms with this one (four runs); PostgreSQL's backends' CPU 40.2 and 40.6 s
-- against 37.1 and 38.0 s (docs/performance.md, "The claim's events in one scan").
--
-- The signature is 0022's, so the function is replaced in place (a process of the previous version calls
-- the same function and gets the same rows). Everything but `claimed_events` and the join to it is 0022's
-- text unchanged; its header says what the rest does.
CREATE OR REPLACE FUNCTION claim_deliveries(
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
  ),
  claimed_events AS MATERIALIZED (
    SELECT e.id, e.body, e.created_at, e.traceparent
    FROM events e
    WHERE e.id = ANY (ARRAY(SELECT event_id FROM claimed))
      AND e.id BETWEEN (SELECT min(event_id) FROM claimed) AND (SELECT max(event_id) FROM claimed)
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
    JOIN claimed_events e ON e.id = c.event_id
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

-- 0025_results_function: the result write (sql/deliveries.sql, results_record) in a function of its own,
-- so PostgreSQL keeps one generic plan for it on each connection instead of planning it at every call.
--
-- The statement was planned at each call, its delivery ids as constants, so that each plan pruned the
-- partitions of `deliveries` to the days its rows are in (migration 0007) and was made for the tables as
-- they were then. Planning it took ~0.5 ms a call: 682 of 4,062 ms of its time for 100,000 deliveries
-- with one dispatcher, 2,055 of 9,209 ms with four (pg_stat_statements with track_planning, the scale-out
-- benchmark), where each dispatcher writes smaller batches (27 results a call against 74). A call of 30
-- results cost ~2 ms, ~1.4 ms of it whatever the batch's size (docs/performance.md, "The result write's
-- plan, kept").
--
-- Here, as for the claim (migration 0022): PL/pgSQL keeps the plan of the query for the connection's
-- life; `plan_cache_mode = force_generic_plan` makes that plan generic from the first call, and the
-- function's SET clauses hold only while it runs. The ids are a parameter, so the partitions are pruned
-- when the plan is run (its initial pruning, once a call), not when it is made. Sequential scans and
-- nested loops are ruled out of it: a kept plan is made from the tables as they are at the first call,
-- possibly an empty day, and it must find the rows by primary key however large the day grows (a scan
-- of a full partition would cost every call; a nested loop over the input would probe the partitions
-- once a row, run-time pruning included, as 0024's header measured for the claim). The pending check
-- compares with a column of the input on purpose (sql/deliveries.sql says why).
--
-- The query is the statement's as it stood in sql/deliveries.sql, parameters renamed (@delivery_ids is
-- a_delivery_ids, and so on); its comment there says what it does. A change to it is now a migration
-- that replaces this function.
CREATE FUNCTION record_results(
  a_attempt_ids text[], a_delivery_ids text[], a_owners text[], a_attempt_nos integer[], a_started_ats bigint[],
  a_durations integer[], a_status_codes integer[], a_response_bodies text[], a_error_classes text[],
  a_error_messages text[], a_statuses text[], a_next_attempt_ats bigint[], a_now bigint)
RETURNS TABLE (logged integer, applied integer)
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET enable_nestloop = off
AS $$
DECLARE
  v_lo text;
  v_hi text;
BEGIN
  -- The ids' bounds, as parameters of the query: an array parameter prunes no partition, a range does.
  SELECT min(x), max(x) INTO v_lo, v_hi FROM unnest(a_delivery_ids) AS x;
  RETURN QUERY
  WITH input AS (
    SELECT * FROM unnest(a_attempt_ids, a_delivery_ids, a_owners, a_attempt_nos, a_started_ats, a_durations,
                         a_status_codes, a_response_bodies, a_error_classes, a_error_messages, a_statuses,
                         a_next_attempt_ats)
           WITH ORDINALITY AS t (attempt_id, delivery_id, owner, attempt_no, started_at, duration_ms, status_code,
                                 response_body, error_class, error_message, status, next_attempt_at, ord)
  ),
  logged_rows AS (
    INSERT INTO attempts (id, delivery_id, merchant_id, attempt_no, started_at, duration_ms, status_code,
                          response_body, error_class, error_message, next_retry_at)
    SELECT i.attempt_id, i.delivery_id, d.merchant_id, i.attempt_no, i.started_at, i.duration_ms, i.status_code,
           i.response_body, i.error_class, i.error_message, CASE WHEN i.status = 'pending' THEN i.next_attempt_at END
    FROM input i JOIN deliveries d
      ON d.id = i.delivery_id AND d.id = ANY (a_delivery_ids) AND d.id BETWEEN v_lo AND v_hi
    ORDER BY i.ord
    ON CONFLICT (delivery_id, id) DO NOTHING
    RETURNING attempts.id
  ),
  applied_rows AS (
    UPDATE deliveries d
    SET status = r.status, attempts = d.attempts + 1, next_attempt_at = r.next_attempt_at, lease_owner = NULL,
        lease_until = NULL, last_status_code = r.status_code, last_error = r.error_message, updated_at = a_now
    FROM (SELECT DISTINCT ON (i.delivery_id) i.*, 'pending'::text AS was
          FROM input i JOIN logged_rows l ON l.id = i.attempt_id
          ORDER BY i.delivery_id, i.ord) AS r
    WHERE d.id = r.delivery_id AND d.id = ANY (a_delivery_ids) AND d.id BETWEEN v_lo AND v_hi
      AND d.status = r.was AND d.lease_owner = r.owner
    RETURNING d.id
  )
  SELECT (SELECT count(*)::int FROM logged_rows), (SELECT count(*)::int FROM applied_rows);
END
$$;

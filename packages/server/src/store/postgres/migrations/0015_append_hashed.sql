-- 0015_append_hashed: the append of migration 0014 without its one quadratic step.
--
-- 0014's fan-out joined the inserted events back to the input (`FROM inserted n JOIN input i ON i.id =
-- n.id`). In a PL/pgSQL body the statement is planned once for the session with parameters of unknown
-- length, and `unnest` of a parameter is estimated at 10 rows: the planner chose a nested loop, which
-- for a batch of 1,000 events compares 1,000,000 pairs (110 of the 137 ms of a batch, read with
-- auto_explain in the throughput benchmark; docs/performance.md, "The append's fan-out compared every
-- pair"). The fan-out now reads the input once and asks `i.id IN (SELECT id FROM inserted)` under `IS
-- TRUE`: a sublink that is not a plain condition of the WHERE is not turned into a join, so it is run
-- as a hashed subplan, one hash table of the inserted ids built once and probed once per event,
-- whatever the estimates. Same signature, same result; everything else is 0014's text unchanged (its
-- header says what the function does and why it takes its locks first).
CREATE OR REPLACE FUNCTION append_events(
  lock_space integer, lock_keys integer[],
  ids text[], merchant_ids text[], types text[], bodies text[], idempotency_keys text[], created_ats bigint[],
  traceparents text[], delivery_prefixes text[], ordering_keys text[], about_endpoints text[], channel text)
RETURNS TABLE (ord integer, created boolean, deliveries integer, notified bigint)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  k integer;
BEGIN
  FOREACH k IN ARRAY ARRAY(SELECT DISTINCT u FROM unnest(lock_keys) AS u ORDER BY u) LOOP
    PERFORM pg_advisory_xact_lock_shared(lock_space, k);
  END LOOP;
  -- A statement of its own: its snapshot is taken now, after the locks (see the header).
  RETURN QUERY
  WITH input AS (
    SELECT * FROM unnest(ids, merchant_ids, types, bodies, idempotency_keys, created_ats, traceparents,
                         delivery_prefixes, ordering_keys, about_endpoints)
           WITH ORDINALITY AS t (id, merchant_id, type, body, idempotency_key, created_at, traceparent,
                                 delivery_prefix, ordering_key, about_endpoint, ord)
  ),
  keyed AS (
    INSERT INTO event_idempotency (merchant_id, idempotency_key, event_id)
    SELECT merchant_id, idempotency_key, id FROM input WHERE idempotency_key IS NOT NULL ORDER BY ord
    ON CONFLICT DO NOTHING
    RETURNING event_id
  ),
  inserted AS (
    INSERT INTO events (id, merchant_id, type, body, idempotency_key, created_at, traceparent, ordering_key)
    SELECT id, merchant_id, type, body, idempotency_key, created_at, traceparent, ordering_key FROM input
    WHERE idempotency_key IS NULL OR id IN (SELECT event_id FROM keyed)
    ORDER BY ord
    ON CONFLICT DO NOTHING
    RETURNING id
  ),
  fanned_out AS (
    INSERT INTO deliveries (id, event_id, endpoint_id, merchant_id, event_type, status, attempts, next_attempt_at,
                            created_at, updated_at, ordering_key)
    -- The random half of the id: 8 bytes of a v4 UUID as 16 upper-case hex digits (valid Crockford base32).
    -- An ordered endpoint's delivery takes the event's ordering key, and is parked (next_attempt_at NULL,
    -- sql/ordering.sql) behind an earlier delivery of its key that blocks it.
    SELECT i.delivery_prefix || upper(encode(substr(uuid_send(gen_random_uuid()), 9, 8), 'hex')),
           i.id, p.id, i.merchant_id, i.type, 'pending', 0,
           CASE WHEN p.disabled THEN NULL
                WHEN p.ordered AND i.ordering_key IS NOT NULL AND EXISTS (
                  SELECT 1 FROM deliveries x
                  WHERE x.endpoint_id = p.id AND x.ordering_key = i.ordering_key AND x.event_id < i.id
                    AND (x.status = 'pending' OR x.held))
                THEN NULL ELSE i.created_at END,
           i.created_at, i.created_at, CASE WHEN p.ordered THEN i.ordering_key END
    FROM input i
    JOIN endpoints p ON p.merchant_id = i.merchant_id AND p.deleted_at IS NULL
    -- Only the events inserted now fan out. `IS TRUE` keeps the IN a hashed subplan (see the header).
    WHERE (i.id IN (SELECT id FROM inserted)) IS TRUE
      AND event_type_matches(p.event_types, i.type)
      AND (i.about_endpoint IS NULL
           OR (p.id <> i.about_endpoint AND EXISTS (
                 SELECT 1 FROM unnest(p.event_types) f
                 WHERE f = i.type OR (f <> '*' AND right(f, 2) = '.*' AND starts_with(i.type, left(f, -1))))))
    RETURNING event_id
  ),
  per_event AS (
    SELECT event_id, count(*)::int AS n FROM fanned_out GROUP BY event_id
  )
  SELECT i.ord::int, n.id IS NOT NULL, coalesce(c.n, 0),
         (SELECT count(*) FROM (SELECT pg_notify(channel, '')
                                WHERE channel IS NOT NULL AND EXISTS (SELECT 1 FROM fanned_out)) AS woken)
  FROM input i
  LEFT JOIN inserted n ON n.id = i.id
  LEFT JOIN per_event c ON c.event_id = i.id
  ORDER BY i.ord;
END
$$;

-- 0014_append_function: the outbox write as one function, so an append is one round trip.
--
-- Before, an append was three: BEGIN with the merchants' shared endpoint locks, the append statement,
-- COMMIT. The locks must be held before the append reads endpoints: a disable, a delete or a 410 Gone
-- takes the merchant's lock exclusively, and an append that read the endpoints before such a change
-- committed would make a due delivery for an endpoint already disabled, or one for an endpoint already
-- deleted (its deliveries cancelled), that nothing would ever cancel. The locks cannot go into the
-- append statement itself, whose snapshot is taken before any of its parts runs. In a function they
-- can: a VOLATILE function in a READ COMMITTED transaction takes a new snapshot for every statement of
-- its body, so the append below, a statement of its own, sees every change committed by whoever held
-- the lock before it (test/append.postgres.test.ts runs that race). `SELECT * FROM append_events(…)`
-- in autocommit is then the whole append: the locks and the rows in one transaction, one round trip.
-- In a transaction of the payment module it runs the same way, between the module's own statements.
--
-- The append itself is the statement sql/events.sql `events_append` held until 0014, unchanged; a
-- change to it is now a migration of its own (`CREATE OR REPLACE FUNCTION`, same signature, or a new
-- name for a new one: processes of the previous version call the old until they stop).
--
-- Parameters: @lock_space and @lock_keys, the shared advisory locks to take (db.ts `LOCK_SPACE` and
-- core.ts `endpointLock` of each merchant; taken in key order, so no two holders of several wait on
-- each other in opposite orders); then parallel arrays, one element an event: ids, merchant_ids, types,
-- bodies, idempotency_keys (NULL elements for none), created_ats, traceparents (NULL elements for
-- none), delivery_prefixes (`del_` and the 10 time characters of a delivery id made at the event's
-- time), ordering_keys (NULL elements for none), about_endpoints (the endpoint an operational event is
-- about, NULL elements for every other event: store/fanout.ts's rule); channel: the NOTIFY channel, or
-- NULL to leave the wake-up to the caller.
--
-- The events, and for each one that is new a pending delivery per endpoint of its merchant whose
-- filter matches, due at once (one of a disabled endpoint waits: next_attempt_at NULL; one of an
-- ordered endpoint behind an earlier delivery of its ordering key is parked the same way). An
-- idempotency key is taken in event_idempotency first (unique per merchant there: events is
-- partitioned by id, and a unique index of it must contain the id, migration 0007); `ON CONFLICT DO
-- NOTHING` skips a key seen before (a row another transaction is inserting is waited for), and only
-- events whose key was taken, or that have none, are inserted. An event id already stored is skipped
-- too, which makes a retry after a lost reply harmless (its key is taken by itself). A repeated key
-- within the batch keeps the first (rows are inserted in input order).
--
-- Returns one row an input event, in input order: whether it was inserted, how many deliveries, and
-- whether the NOTIFY was sent (the same count on every row).
CREATE FUNCTION append_events(
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
    FROM inserted n
    JOIN input i ON i.id = n.id
    JOIN endpoints p ON p.merchant_id = i.merchant_id AND p.deleted_at IS NULL
    WHERE event_type_matches(p.event_types, i.type)
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

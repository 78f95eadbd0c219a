-- 0023_append_type_match: the append tests an endpoint's event-type filter inline instead of calling
-- event_type_matches (migration 0001).
--
-- event_type_matches is a SQL function whose body holds a subquery (EXISTS over the filter's elements),
-- so PostgreSQL cannot inline it: each append ran it through the SQL-function executor, which prepares
-- the function's body on its first call in every statement. That preparation was most of what an append
-- of a few events cost beyond its rows: 495-516 µs of server time for an append of one event, 359-429
-- µs with the test written out here; 1,223-1,474 µs against 1,036-1,103 µs for ten events to ten
-- merchants, 4,951-4,991 against 4,501-4,720 µs for a hundred (`track_functions`, docs/performance.md,
-- "The append's type filter, inline"). The test is the same: a NULL filter matches every type, an
-- element matches its own type, '*' every type, and `prefix.*` every type that starts with `prefix.`;
-- the subquery runs only for a filter that holds none of the first three. event_type_matches stays for
-- the listings and replays, which call it once per statement's row as before.
--
-- The signature is 0019's, so the function is replaced in place (a process of the previous version
-- calls the same function, and gets the same rows). Everything but the filter test in `fanout` is
-- 0019's text unchanged; its header and those of 0014 to 0018 say what the rest does.
CREATE OR REPLACE FUNCTION append_events(
  lock_space integer, lock_keys integer[],
  ids text[], merchant_ids text[], types text[], bodies text[], idempotency_keys text[], created_ats bigint[],
  traceparents text[], delivery_prefixes text[], ordering_keys text[], about_endpoints text[], channel text,
  offer_owner text, offer_until bigint, offer_room integer, offer_endpoints text[], offer_endpoint_rooms integer[],
  offer_other_room integer)
RETURNS TABLE (ord integer, created boolean, deliveries integer, notified bigint, claimed json)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  k integer;
BEGIN
  FOREACH k IN ARRAY ARRAY(SELECT DISTINCT u FROM unnest(lock_keys) AS u ORDER BY u) LOOP
    PERFORM pg_advisory_xact_lock_shared(lock_space, k);
  END LOOP;
  -- A statement of its own: its snapshot is taken now, after the locks (see 0014's header).
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
  fanout AS (
    -- The random half of the id: 8 bytes of a v4 UUID as 16 upper-case hex digits (valid Crockford base32).
    -- An ordered endpoint's delivery takes the event's ordering key, and is parked (next_attempt_at NULL,
    -- sql/ordering.sql) behind an earlier delivery of its key that blocks it.
    SELECT i.delivery_prefix || upper(encode(substr(uuid_send(gen_random_uuid()), 9, 8), 'hex')) AS id,
           i.id AS event_id, p.id AS endpoint_id, i.merchant_id, i.type, i.ord,
           CASE WHEN p.disabled THEN NULL
                WHEN p.ordered AND i.ordering_key IS NOT NULL AND EXISTS (
                  SELECT 1 FROM deliveries x
                  WHERE x.endpoint_id = p.id AND x.ordering_key = i.ordering_key AND x.event_id < i.id
                    AND (x.status = 'pending' OR x.held))
                THEN NULL
                -- While the circuit is open (or its probe out), the delivery waits for the probe (0017's
                -- header); behind a pace's horizon it waits there (this file's header), the later of the two.
                WHEN greatest(CASE WHEN p.circuit_state <> 'closed' THEN p.circuit_next_probe_at END, p.paced_until)
                     > i.created_at
                THEN greatest(CASE WHEN p.circuit_state <> 'closed' THEN p.circuit_next_probe_at END, p.paced_until)
                ELSE i.created_at END AS due,
           i.created_at, CASE WHEN p.ordered THEN i.ordering_key END AS ordering_key,
           -- Whether the offer may take it: nothing for a claim to apply (the header).
           (offer_owner IS NOT NULL AND NOT p.disabled AND NOT (p.ordered AND i.ordering_key IS NOT NULL)
            AND p.rate_limit IS NULL AND p.circuit_state = 'closed' AND p.circuit_failures = 0
            AND (p.paced_until IS NULL OR p.paced_until <= i.created_at)) AS clean
    FROM input i
    JOIN endpoints p ON p.merchant_id = i.merchant_id AND p.deleted_at IS NULL
    -- Only the events inserted now fan out. `IS TRUE` keeps the IN a hashed subplan (0015's header).
    WHERE (i.id IN (SELECT id FROM inserted)) IS TRUE
      -- event_type_matches written out (this file's header): exact and '*' as array tests, the
      -- `prefix.*` wildcards read only when neither matched.
      AND (p.event_types IS NULL OR i.type = ANY (p.event_types) OR '*' = ANY (p.event_types)
           OR EXISTS (SELECT 1 FROM unnest(p.event_types) f
                      WHERE right(f, 2) = '.*' AND starts_with(i.type, left(f, -1))))
      AND (i.about_endpoint IS NULL
           OR (p.id <> i.about_endpoint AND EXISTS (
                 SELECT 1 FROM unnest(p.event_types) f
                 WHERE f = i.type OR (f <> '*' AND right(f, 2) = '.*' AND starts_with(i.type, left(f, -1))))))
  ),
  fanned_out AS (
    INSERT INTO deliveries (id, event_id, endpoint_id, merchant_id, event_type, status, attempts, next_attempt_at,
                            lease_owner, lease_until, created_at, updated_at, ordering_key)
    SELECT id, event_id, endpoint_id, merchant_id, type, 'pending', 0,
           due, CASE WHEN lease THEN offer_owner END, CASE WHEN lease THEN offer_until END,
           created_at, created_at, ordering_key
    -- The offer's room per endpoint (`fits`), then in all (`lease`); events in input order within each.
    FROM (SELECT f.*, fits AND row_number() OVER (PARTITION BY fits ORDER BY ord, endpoint_id) <= offer_room AS lease
          FROM (SELECT f.*,
                       clean AND row_number() OVER (PARTITION BY clean, endpoint_id ORDER BY ord)
                                 <= coalesce((SELECT r.room FROM unnest(offer_endpoints, offer_endpoint_rooms) AS r (endpoint_id, room)
                                              WHERE r.endpoint_id = f.endpoint_id LIMIT 1), offer_other_room) AS fits
                FROM fanout f) f) f
    RETURNING id, event_id, endpoint_id, lease_owner IS NOT NULL AS leased,
              lease_owner IS NULL AND next_attempt_at > created_at AS held
  ),
  per_event AS (
    SELECT o.event_id, count(*)::int AS n,
           json_agg(json_build_object('id', o.id, 'endpoint_id', p.id, 'url', p.url, 'headers', p.headers::text,
                                      'format', p.format, 'api_version', p.api_version,
                                      'payload_style', p.payload_style, 'timeout_ms', p.timeout_ms,
                                      'retry_schedule', p.retry_schedule))
             FILTER (WHERE o.leased) AS claimed
    FROM fanned_out o
    LEFT JOIN endpoints p ON o.leased AND p.id = o.endpoint_id
    GROUP BY o.event_id
  )
  SELECT i.ord::int, n.id IS NOT NULL, coalesce(c.n, 0),
         (SELECT count(*) FROM (SELECT pg_notify(channel, '')
                                WHERE channel IS NOT NULL AND EXISTS (SELECT 1 FROM fanned_out WHERE NOT leased AND NOT held)) AS woken),
         c.claimed
  FROM input i
  LEFT JOIN inserted n ON n.id = i.id
  LEFT JOIN per_event c ON c.event_id = i.id
  ORDER BY i.ord;
END
$$;

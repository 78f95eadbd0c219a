-- 0019_lease_until: a claim's lease gets a column of its own, so leasing a delivery leaves every indexed
-- column as it was and PostgreSQL can write the leased row version as a HOT update: on the same page,
-- with no new entry in any of the deliveries' indexes. Before, a lease moved `next_attempt_at` to the
-- lease end, and `next_attempt_at` is the first column of deliveries_due, so each claimed row got a new
-- entry in all five indexes of `deliveries` (docs/performance.md, "PostgreSQL's cost per delivery").
--
-- A delivery is leased while `lease_owner` is set and `lease_until` is later than now; its
-- `next_attempt_at` stays the time it became due, so a lease that ends (a dispatcher that died) leaves
-- it due at once, first in line, and a released one is due again as it was. The claim (sql/deliveries.sql)
-- walks past the leased rows at the head of deliveries_due; they are the ones in flight, as many as the
-- dispatchers hold. A row leased before this migration has `lease_until` NULL and its lease end in
-- `next_attempt_at`, and is read that way (a NULL `lease_until` is no lease of this kind), so nothing
-- needs rewriting. The other way round does not hold: a dispatcher of an earlier version would take a row
-- leased this way as due. Stop the earlier version's dispatchers before starting this one's
-- (docs/deployment.md, "Rolling deploys").
--
-- A HOT update needs room on the row's page for the new version. The deliveries of a page are claimed
-- together (they are due together), so the page must hold each of its rows twice: each day's partition of
-- `deliveries` is now made with fillfactor 45 (0007 made them with 80, which left room for about one
-- row in four: measured in docs/performance.md), and the partitions that exist get it for their new pages.
-- The result that follows is not a HOT update (it moves the row out of deliveries_due), but finds its
-- room on the same page once the claim's old versions are pruned.
--
-- The append's claims (0016) write their lease the same way: `next_attempt_at` is the time the delivery is
-- due, `lease_until` the offer's lease end. The signature is 0018's, so the function is replaced in place;
-- everything but the INSERT of `fanned_out` is 0018's text unchanged.
ALTER TABLE deliveries ADD COLUMN lease_until bigint;

DO $$
DECLARE
  part regclass;
BEGIN
  FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'deliveries'::regclass LOOP
    EXECUTE format('ALTER TABLE %s SET (fillfactor = 45)', part);
  END LOOP;
END
$$;

-- 0007's function with the new fillfactor, and nothing else changed.
CREATE OR REPLACE FUNCTION ensure_day_partitions(from_ms bigint, to_ms bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  day bigint := from_ms - (from_ms % 86400000);
  made integer := 0;
  suffix text;
  lo text;
  hi text;
  t record;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('payhook:partitions:' || current_schema()));
  WHILE day < to_ms LOOP
    suffix := to_char(to_timestamp(day / 1000) AT TIME ZONE 'UTC', 'YYYYMMDD');
    lo := id_time_chars(day);
    hi := id_time_chars(day + 86400000);
    FOR t IN SELECT * FROM (VALUES ('events', 'evt_', ''),
                                   ('deliveries', 'del_', ' WITH (fillfactor = 45, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05)'),
                                   ('attempts', 'del_', '')) AS v (tbl, prefix, storage) LOOP
      IF to_regclass(t.tbl || '_p' || suffix) IS NULL THEN
        BEGIN
          EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)%s',
                         t.tbl || '_p' || suffix, t.tbl, t.prefix || lo, t.prefix || hi, t.storage);
          made := made + 1;
        EXCEPTION WHEN check_violation THEN
          NULL;
        END;
      END IF;
    END LOOP;
    day := day + 86400000;
  END LOOP;
  RETURN made;
END
$$;

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
      AND event_type_matches(p.event_types, i.type)
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

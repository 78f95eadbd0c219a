-- name: events_append
-- Parallel arrays, one element an event: @ids, @merchant_ids, @types, @bodies, @idempotency_keys (NULL
-- elements for none), @created_ats, @traceparents (NULL elements for none), @delivery_prefixes (`del_`
-- and the 10 time characters of a delivery id made at the event's time), @ordering_keys (NULL elements for
-- none), @about_endpoints (the endpoint an operational event is about, NULL elements for every other
-- event: store/fanout.ts's rule); @channel: NOTIFY channel, or NULL to leave the wake-up to the caller.
--
-- The whole outbox write in one statement: the events, and for each one that is new a pending delivery
-- per endpoint of its merchant whose filter matches, due at once (one of a disabled endpoint waits:
-- next_attempt_at NULL). An idempotency key is taken in event_idempotency first (unique per merchant
-- there: events is partitioned by id, and a unique index of it must contain the id, migration 0007);
-- `ON CONFLICT DO NOTHING` skips a key seen before (a row another transaction is inserting is waited
-- for), and only events whose key was taken, or that have none, are inserted. An event id already
-- stored is skipped too, which makes a retry after a lost COMMIT harmless (its key is taken by itself).
-- A repeated key within the batch keeps the first (rows are inserted in input order). The caller holds
-- the merchants' shared endpoint locks, so a concurrent disable cannot miss deliveries made here.
--
-- Returns one row an input event, in input order: whether it was inserted and how many deliveries.
WITH input AS (
  SELECT * FROM unnest(@ids::text[], @merchant_ids::text[], @types::text[], @bodies::text[],
                       @idempotency_keys::text[], @created_ats::bigint[], @traceparents::text[],
                       @delivery_prefixes::text[], @ordering_keys::text[], @about_endpoints::text[])
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
  SELECT event_id, count(*)::int AS deliveries FROM fanned_out GROUP BY event_id
)
SELECT i.ord::int AS ord, n.id IS NOT NULL AS created, coalesce(c.deliveries, 0) AS deliveries,
       (SELECT count(*) FROM (SELECT pg_notify(@channel, '')
                              WHERE @channel::text IS NOT NULL AND EXISTS (SELECT 1 FROM fanned_out)) AS woken) AS notified
FROM input i
LEFT JOIN inserted n ON n.id = i.id
LEFT JOIN per_event c ON c.event_id = i.id
ORDER BY i.ord;

-- name: events_resolve
-- @ids, @merchant_ids, @idempotency_keys (parallel arrays): the stored event for each input that
-- events_append did not insert, found by its own id (a retried append that had committed) or by its
-- idempotency key; `delivery_count` says how many deliveries it has (for the first case)
SELECT i.ord::int AS ord, e.*, e.id = i.id AS same_id,
       (SELECT count(*)::int FROM deliveries d WHERE d.event_id = e.id) AS delivery_count
FROM unnest(@ids::text[], @merchant_ids::text[], @idempotency_keys::text[]) WITH ORDINALITY AS i (id, merchant_id, idempotency_key, ord)
JOIN LATERAL (
  SELECT * FROM events e
  WHERE e.id = i.id
     OR e.id = (SELECT k.event_id FROM event_idempotency k
                WHERE k.merchant_id = i.merchant_id AND k.idempotency_key = i.idempotency_key)
  ORDER BY e.id = i.id DESC
  LIMIT 1
) e ON true;

-- name: event_get
-- @merchant_id, @id
SELECT * FROM events WHERE id = @id AND merchant_id = @merchant_id;

-- Both pages read ids strictly between @lo and @hi (built from after/before/cursor by the caller).
-- @types is an array of names and prefix.* wildcards, or NULL for every type.

-- name: event_page_asc
-- @merchant_id, @lo, @hi, @types, @limit
SELECT * FROM events
WHERE merchant_id = @merchant_id AND id > @lo AND id < @hi
  AND (@types::text[] IS NULL OR event_type_matches(@types::text[], type))
ORDER BY id ASC LIMIT @limit;

-- name: event_page_desc
-- @merchant_id, @lo, @hi, @types, @limit
SELECT * FROM events
WHERE merchant_id = @merchant_id AND id > @lo AND id < @hi
  AND (@types::text[] IS NULL OR event_type_matches(@types::text[], type))
ORDER BY id DESC LIMIT @limit;

-- name: events_prune
-- @below (an event id: smaller ids are older than the retention), @limit: events before @below none of
-- whose deliveries is still pending, with their deliveries, those deliveries' attempts, their resends
-- and idempotency keys, in one statement. Every delivery of a removed event goes, whatever its status:
-- one reopened by a manual retry after the check would otherwise be left pending without its event.
-- The row-wise prune: for the default partitions and for days that could not be dropped whole (a
-- delivery still pending); dropping a day is drop_day_partition (migration 0007).
WITH old AS (
  SELECT e.id FROM events e
  WHERE e.id < @below
    AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
  ORDER BY e.id
  LIMIT @limit
  FOR UPDATE SKIP LOCKED
),
removed_events AS (
  DELETE FROM events e USING old WHERE e.id = old.id RETURNING e.id
),
removed_deliveries AS (
  DELETE FROM deliveries d USING removed_events r WHERE d.event_id = r.id RETURNING d.id
),
removed_attempts AS (
  DELETE FROM attempts a USING removed_deliveries r WHERE a.delivery_id = r.id RETURNING 1
),
removed_resends AS (
  DELETE FROM resends s USING removed_events r WHERE s.event_id = r.id
),
removed_keys AS (
  DELETE FROM event_idempotency k USING removed_events r WHERE k.event_id = r.id
)
SELECT (SELECT count(*)::int FROM removed_events) AS events,
       (SELECT count(*)::int FROM removed_deliveries) AS deliveries,
       (SELECT count(*)::int FROM removed_attempts) AS attempts;

-- name: prune_orphans
-- @below (an event id), @limit: after day partitions were dropped, the idempotency keys and resends
-- of events before @below that are gone (those tables are not partitioned); at most @limit of each.
WITH gone_keys AS (
  SELECT k.merchant_id, k.idempotency_key FROM event_idempotency k
  WHERE k.event_id < @below AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = k.event_id)
  LIMIT @limit
),
removed_keys AS (
  DELETE FROM event_idempotency k USING gone_keys g
  WHERE k.merchant_id = g.merchant_id AND k.idempotency_key = g.idempotency_key
  RETURNING 1
),
gone_resends AS (
  SELECT s.id FROM resends s
  WHERE s.event_id < @below AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = s.event_id)
  LIMIT @limit
),
removed_resends AS (
  DELETE FROM resends s USING gone_resends g WHERE s.id = g.id RETURNING 1
)
SELECT (SELECT count(*)::int FROM removed_keys) AS keys, (SELECT count(*)::int FROM removed_resends) AS resends;

-- name: event_resend
-- @id, @merchant_id, @event_id, @now, @channel: records a resend of an event of the merchant and makes
-- every delivery of it to a live endpoint due now, whatever its status (one in flight keeps its
-- claim: it is being sent now). `found` is 0 when the merchant has no such event. Safe to run again
-- after a lost reply: the resend id is taken once, and reopening twice is reopening once.
WITH ev AS (
  SELECT id FROM events WHERE id = @event_id AND merchant_id = @merchant_id
),
recorded AS (
  INSERT INTO resends (id, merchant_id, event_id, created_at)
  SELECT @id, @merchant_id, id, @now FROM ev
  ON CONFLICT (id) DO NOTHING
),
reopened AS (
  UPDATE deliveries d SET status = 'pending', next_attempt_at = @now, lease_owner = NULL, held = false, skipped_at = NULL, updated_at = @now
  FROM endpoints p
  WHERE d.event_id IN (SELECT id FROM ev) AND d.merchant_id = @merchant_id AND d.lease_owner IS NULL
    AND p.id = d.endpoint_id AND NOT p.disabled AND p.deleted_at IS NULL
  RETURNING d.id
)
SELECT (SELECT count(*)::int FROM ev) AS found, (SELECT count(*)::int FROM reopened) AS deliveries,
       (SELECT count(*) FROM (SELECT pg_notify(@channel, '')
                              WHERE @channel::text IS NOT NULL AND EXISTS (SELECT 1 FROM reopened)) AS woken) AS notified;

-- name: resend_page
-- @merchant_id, @after (a resend id), @types (names and prefix.* wildcards, or NULL), @limit: the
-- merchant's resends after @after, oldest first, each with its event
SELECT r.id AS resend_id, r.created_at AS resent_at, e.*
FROM resends r JOIN events e ON e.id = r.event_id
WHERE r.merchant_id = @merchant_id AND r.id > @after
  AND (@types::text[] IS NULL OR event_type_matches(@types::text[], e.type))
ORDER BY r.id LIMIT @limit;

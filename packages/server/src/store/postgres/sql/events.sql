-- name: events_append
-- @lock_space, @lock_keys (the merchants' shared endpoint locks: db.ts LOCK_SPACE, core.ts endpointLock),
-- then parallel arrays, one element an event: @ids, @merchant_ids, @types, @bodies, @idempotency_keys (NULL
-- elements for none), @created_ats, @traceparents (NULL elements for none), @delivery_prefixes (`del_` and
-- the 10 time characters of a delivery id made at the event's time), @ordering_keys (NULL elements for
-- none), @about_endpoints (the endpoint an operational event is about, NULL elements for every other
-- event: store/fanout.ts's rule); @channel: NOTIFY channel, or NULL to leave the wake-up to the caller.
--
-- The whole outbox write, locks included, in one call: the function of migration 0014 (its text now
-- migration 0016's) takes the locks,
-- then writes the events and their deliveries in a statement of its own (the header of
-- migrations/0014_append_function.sql says why it must be a second statement, and holds the SQL). In
-- autocommit this is the whole append, one round trip; in a caller's transaction it runs inside it.
--
-- The dispatcher's offer (Store.offerNewDeliveries), or NULLs for none: @offer_owner, @offer_until (the
-- lease end), @offer_room, @offer_endpoints and @offer_endpoint_rooms (parallel arrays: endpoints with a
-- room of their own), @offer_other_room (any other endpoint's); migration 0016 says what it claims.
--
-- Returns one row an input event, in input order: ord, created (whether it was inserted), deliveries
-- (how many), notified (whether the NOTIFY was sent: only when some were left to the claim), claimed
-- (JSON, NULL for none: the deliveries claimed for the offer, with their endpoints' columns).
SELECT * FROM append_events(@lock_space::int, @lock_keys::int[], @ids::text[], @merchant_ids::text[],
                            @types::text[], @bodies::text[], @idempotency_keys::text[], @created_ats::bigint[],
                            @traceparents::text[], @delivery_prefixes::text[], @ordering_keys::text[],
                            @about_endpoints::text[], @channel::text, @offer_owner::text, @offer_until::bigint,
                            @offer_room::int, @offer_endpoints::text[], @offer_endpoint_rooms::int[],
                            @offer_other_room::int);

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

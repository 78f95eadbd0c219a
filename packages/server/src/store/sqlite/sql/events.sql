-- name: event_insert
-- @id, @merchant_id, @type, @body (the envelope), @idempotency_key (or NULL), @created_at, @traceparent (or NULL),
-- @ordering_key (or NULL)
INSERT INTO events (id, merchant_id, type, body, idempotency_key, created_at, traceparent, ordering_key)
VALUES (@id, @merchant_id, @type, @body, @idempotency_key, @created_at, @traceparent, @ordering_key);

-- name: event_by_idempotency_key
-- @merchant_id, @idempotency_key
SELECT * FROM events WHERE merchant_id = @merchant_id AND idempotency_key = @idempotency_key;

-- name: event_get
-- @merchant_id, @id
SELECT * FROM events WHERE id = @id AND merchant_id = @merchant_id;

-- Both pages read ids strictly between @lo and @hi (built from after/before/cursor by the caller).
-- @types is a JSON array of names, prefix.* wildcards and `*` (every type, as in PostgreSQL's
-- event_type_matches and endpoint filters), or NULL for every type.

-- name: event_page_asc
-- @merchant_id, @lo, @hi, @types, @limit
SELECT * FROM events
WHERE merchant_id = @merchant_id AND id > @lo AND id < @hi
  AND (@types IS NULL OR EXISTS (
        SELECT 1 FROM json_each(@types) t
        WHERE t.value = '*' OR t.value = events.type
           OR (substr(t.value, -2) = '.*'
               AND substr(events.type, 1, length(t.value) - 1) = substr(t.value, 1, length(t.value) - 1))))
ORDER BY id ASC LIMIT @limit;

-- name: event_page_desc
-- @merchant_id, @lo, @hi, @types, @limit
SELECT * FROM events
WHERE merchant_id = @merchant_id AND id > @lo AND id < @hi
  AND (@types IS NULL OR EXISTS (
        SELECT 1 FROM json_each(@types) t
        WHERE t.value = '*' OR t.value = events.type
           OR (substr(t.value, -2) = '.*'
               AND substr(events.type, 1, length(t.value) - 1) = substr(t.value, 1, length(t.value) - 1))))
ORDER BY id DESC LIMIT @limit;

-- name: resend_insert
-- @id, @merchant_id, @event_id, @now: a resend of an event of the merchant; nothing when it has no such event
INSERT INTO resends (id, merchant_id, event_id, created_at)
SELECT @id, merchant_id, id, @now FROM events WHERE id = @event_id AND merchant_id = @merchant_id;

-- name: resend_reopen_deliveries
-- @merchant_id, @event_id, @now: every delivery of the event to a live endpoint, due now whatever its
-- status; one in flight keeps its claim (it is being sent now)
UPDATE deliveries SET status = 'pending', next_attempt_at = @now, lease_owner = NULL, held = 0, skipped_at = NULL, updated_at = @now
WHERE event_id = @event_id AND merchant_id = @merchant_id AND lease_owner IS NULL
  AND endpoint_id IN (SELECT id FROM endpoints
                      WHERE merchant_id = @merchant_id AND disabled = 0 AND deleted_at IS NULL);

-- name: resend_page
-- @merchant_id, @after (a resend id), @types (JSON array of names and prefix.* wildcards, or NULL), @limit:
-- the merchant's resends after @after, oldest first, each with its event
SELECT r.id AS resend_id, r.created_at AS resent_at, e.*
FROM resends r JOIN events e ON e.id = r.event_id
WHERE r.merchant_id = @merchant_id AND r.id > @after
  AND (@types IS NULL OR EXISTS (
        SELECT 1 FROM json_each(@types) t
        WHERE t.value = '*' OR t.value = e.type
           OR (substr(t.value, -2) = '.*'
               AND substr(e.type, 1, length(t.value) - 1) = substr(t.value, 1, length(t.value) - 1))))
ORDER BY r.id LIMIT @limit;

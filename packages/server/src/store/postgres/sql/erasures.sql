-- Erasures on PostgreSQL: candidates found by a substring of the body, redacted bodies written back, the
-- record kept (erasures/service.ts decides what is personal data).

-- name: erasure_find_events
-- @merchant_id, @needle (lower-case), @after (an event id), @limit
SELECT id, body AS text FROM events
WHERE merchant_id = @merchant_id AND id > @after AND strpos(lower(body), @needle) > 0
ORDER BY id LIMIT @limit;

-- name: erasure_attempt_texts
-- @merchant_id, @ids (event ids): the response bodies of their deliveries' attempts
SELECT a.id, a.delivery_id, a.response_body AS text
FROM deliveries d JOIN attempts a ON a.delivery_id = d.id
WHERE d.event_id = ANY (@ids::text[]) AND d.merchant_id = @merchant_id
  AND a.merchant_id = @merchant_id AND a.response_body IS NOT NULL
ORDER BY a.id;

-- name: erasure_record
-- @event_ids, @event_bodies (parallel), @attempt_ids, @attempt_delivery_ids, @attempt_bodies (parallel),
-- and the record: @id, @merchant_id, @subject_kind, @subject_hash, @events_redacted, @attempts_redacted,
-- @created_at. Only rows of @merchant_id are written; attempts are found by their partition key.
WITH redacted_events AS (
  UPDATE events e SET body = i.body
  FROM unnest(@event_ids::text[], @event_bodies::text[]) AS i (id, body)
  WHERE e.id = i.id AND e.merchant_id = @merchant_id
  RETURNING 1
),
redacted_attempts AS (
  UPDATE attempts a SET response_body = i.body
  FROM unnest(@attempt_ids::text[], @attempt_delivery_ids::text[], @attempt_bodies::text[]) AS i (id, delivery_id, body)
  WHERE a.delivery_id = i.delivery_id AND a.id = i.id AND a.merchant_id = @merchant_id
  RETURNING 1
)
INSERT INTO erasures (id, merchant_id, subject_kind, subject_hash, events_redacted, attempts_redacted, created_at)
SELECT @id, @merchant_id, @subject_kind, @subject_hash, @events_redacted, @attempts_redacted, @created_at
FROM (SELECT (SELECT count(*) FROM redacted_events) + (SELECT count(*) FROM redacted_attempts)) AS written;

-- name: erasure_get
-- @merchant_id, @id
SELECT * FROM erasures WHERE id = @id AND merchant_id = @merchant_id;

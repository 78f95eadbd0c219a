-- Erasures on SQLite: candidates found by a substring of the body, redacted bodies written back, the
-- record kept (erasures/service.ts decides what is personal data).

-- name: erasure_find_events
-- @merchant_id, @needle (lower-case), @after (an event id), @limit
SELECT id, body AS text FROM events
WHERE merchant_id = @merchant_id AND id > @after AND instr(lower(body), @needle) > 0
ORDER BY id LIMIT @limit;

-- name: erasure_attempt_texts
-- @merchant_id, @ids (a JSON array of event ids): the response bodies of their deliveries' attempts
SELECT a.id, a.delivery_id, a.response_body AS text
FROM deliveries d JOIN attempts a ON a.delivery_id = d.id
WHERE d.event_id IN (SELECT value FROM json_each(@ids)) AND d.merchant_id = @merchant_id
  AND a.merchant_id = @merchant_id AND a.response_body IS NOT NULL
ORDER BY a.id;

-- name: erasure_event_update
-- @merchant_id, @id, @body
UPDATE events SET body = @body WHERE id = @id AND merchant_id = @merchant_id;

-- name: erasure_attempt_update
-- @merchant_id, @id, @body
UPDATE attempts SET response_body = @body WHERE id = @id AND merchant_id = @merchant_id;

-- name: erasure_insert
-- @id, @merchant_id, @subject_kind, @subject_hash, @events_redacted, @attempts_redacted, @created_at
INSERT INTO erasures (id, merchant_id, subject_kind, subject_hash, events_redacted, attempts_redacted, created_at)
VALUES (@id, @merchant_id, @subject_kind, @subject_hash, @events_redacted, @attempts_redacted, @created_at);

-- name: erasure_get
-- @merchant_id, @id
SELECT * FROM erasures WHERE id = @id AND merchant_id = @merchant_id;

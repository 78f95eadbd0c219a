-- name: endpoint_insert
-- every column of a new endpoint, and its first signing secret (@secret): one statement
WITH endpoint AS (
  INSERT INTO endpoints (id, merchant_id, url, description, event_types, disabled, disabled_reason, headers, format,
                         api_version, payload_style, timeout_ms, rate_limit, retry_schedule, created_at, updated_at)
  VALUES (@id, @merchant_id, @url, @description, @event_types::text[], @disabled, @disabled_reason, @headers::jsonb,
          @format, @api_version, @payload_style, @timeout_ms, @rate_limit, @retry_schedule::int[], @created_at, @updated_at)
  RETURNING id
)
INSERT INTO endpoint_secrets (endpoint_id, secret, created_at, expires_at)
SELECT endpoint.id, @secret, @created_at, NULL FROM endpoint;

-- name: endpoint_get
-- @merchant_id, @id  (the merchant scopes every read: another merchant's endpoint is not found)
SELECT * FROM endpoints WHERE id = @id AND merchant_id = @merchant_id AND deleted_at IS NULL;

-- name: endpoint_get_for_update
-- @merchant_id, @id: the row, locked until the transaction ends (patches and rotations read-modify-write)
SELECT * FROM endpoints WHERE id = @id AND merchant_id = @merchant_id AND deleted_at IS NULL FOR UPDATE;

-- name: endpoint_page
-- @merchant_id, @before (cursor), @limit
SELECT * FROM endpoints
WHERE merchant_id = @merchant_id AND deleted_at IS NULL AND id < @before
ORDER BY id DESC LIMIT @limit;

-- name: endpoint_update
-- @id, @merchant_id and every mutable column
UPDATE endpoints
SET url = @url, description = @description, event_types = @event_types::text[], disabled = @disabled,
    disabled_reason = @disabled_reason, headers = @headers::jsonb, format = @format, api_version = @api_version,
    payload_style = @payload_style, timeout_ms = @timeout_ms,
    rate_limit = @rate_limit, retry_schedule = @retry_schedule::int[], circuit_state = @circuit_state,
    circuit_failures = @circuit_failures, circuit_opens = @circuit_opens,
    circuit_next_probe_at = @circuit_next_probe_at, failing_since = @failing_since, updated_at = @updated_at
WHERE id = @id AND merchant_id = @merchant_id AND deleted_at IS NULL;

-- name: endpoint_delete
-- @merchant_id, @id, @now
UPDATE endpoints SET deleted_at = @now, updated_at = @now
WHERE id = @id AND merchant_id = @merchant_id AND deleted_at IS NULL
RETURNING id;

-- name: secret_rotate
-- @endpoint_id, @secret, @now, @expires_at: the current secret keeps signing until @expires_at and
-- @secret becomes current. Runs after endpoint_get_for_update in the same transaction, so a concurrent
-- rotation has committed (and is seen here) or waits.
-- Reading `expired` first makes the expiry happen before the insert (an unread data-modifying CTE
-- runs last), so the one-current-secret index never sees two.
WITH expired AS (
  UPDATE endpoint_secrets SET expires_at = @expires_at WHERE endpoint_id = @endpoint_id AND expires_at IS NULL
  RETURNING 1
)
INSERT INTO endpoint_secrets (endpoint_id, secret, created_at, expires_at)
SELECT @endpoint_id, @secret, @now, NULL FROM (SELECT count(*) FROM expired) AS done;

-- name: secrets_signing
-- @endpoint_id, @now: the current secret first, then rotated-out ones still valid, newest first
SELECT secret, created_at, expires_at FROM endpoint_secrets
WHERE endpoint_id = @endpoint_id AND (expires_at IS NULL OR expires_at > @now)
ORDER BY expires_at IS NOT NULL, seq DESC;

-- name: endpoint_count_live
-- @merchant_id: the merchant's endpoints that count against its quota (deleted ones do not)
SELECT count(*)::int AS n FROM endpoints WHERE merchant_id = @merchant_id AND deleted_at IS NULL;

-- name: secrets_to_reseal
-- @prefix, @after, @limit: signing secrets not sealed with @prefix, locked; rows another process is
-- sealing right now are skipped (it does them)
SELECT seq, secret FROM endpoint_secrets WHERE left(secret, length(@prefix::text)) <> @prefix::text AND seq > @after::bigint
ORDER BY seq LIMIT @limit::int FOR UPDATE SKIP LOCKED;

-- name: secrets_reseal
-- @seqs, @secrets: the rows locked by secrets_to_reseal, sealed
UPDATE endpoint_secrets s SET secret = v.secret FROM unnest(@seqs::bigint[], @secrets::text[]) AS v(seq, secret) WHERE s.seq = v.seq;

-- name: headers_to_reseal
-- @prefix, @after, @limit: endpoints (deleted ones too) whose headers are not a jsonb string sealed with @prefix
SELECT id, headers::text AS headers FROM endpoints
WHERE NOT (jsonb_typeof(headers) = 'string' AND left(headers #>> '{}', length(@prefix::text)) = @prefix::text) AND id > @after::text
ORDER BY id LIMIT @limit::int FOR UPDATE SKIP LOCKED;

-- name: headers_reseal
-- @ids, @headers: the rows locked by headers_to_reseal, sealed (a jsonb string)
UPDATE endpoints e SET headers = to_jsonb(v.headers) FROM unnest(@ids::text[], @headers::text[]) AS v(id, headers) WHERE e.id = v.id;

-- name: endpoints_circuit_for_update
-- @ids: the circuit breaker's columns of these endpoints (store/circuit.ts), locked in id order (the
-- claim statement locks controlled endpoints in that order too)
SELECT id, merchant_id, disabled, circuit_state, circuit_failures, circuit_opens, circuit_next_probe_at, failing_since
FROM endpoints WHERE id = ANY (@ids::text[]) ORDER BY id FOR UPDATE;

-- name: endpoints_circuit_set
-- Parallel arrays: @ids, @states, @failures, @opens, @next_probe_ats, @failing_sinces; @holds (move the
-- endpoint's waiting deliveries to its next probe), @releases (make them due now), @disables
-- (disable it, `failing`, and let its deliveries wait), @now. Waiting deliveries another claimer holds
-- locked are skipped (they are being claimed).
-- `moved` locks the rows to move in a sub-select of its own, joined to `input` inside it, so it runs once.
-- It named them as `d.id IN (SELECT … WHERE w.endpoint_id = i.id … FOR UPDATE SKIP LOCKED)` before, which
-- refers to `input` from within: PostgreSQL then ran that sub-select again for every row of the
-- endpoint, a time that grows with the square of its backlog (an endpoint with 72,146 waiting: over a
-- minute, holding the endpoint's row and the results' transaction, against 3.4 s now: docs/performance.md,
-- "A circuit's moves on PostgreSQL, once per statement").
WITH input AS (
  SELECT * FROM unnest(@ids::text[], @states::text[], @failures::int[], @opens::int[], @next_probe_ats::bigint[],
                       @failing_sinces::bigint[], @holds::bool[], @releases::bool[], @disables::bool[])
         AS t (id, state, failures, opens, next_probe_at, failing_since, hold, release, disable)
),
circuits AS (
  UPDATE endpoints p
  SET circuit_state = i.state, circuit_failures = i.failures, circuit_opens = i.opens,
      circuit_next_probe_at = i.next_probe_at, failing_since = i.failing_since,
      -- A release makes due what a pace put off too; new deliveries no longer wait at its horizon (0018).
      paced_until = CASE WHEN i.release THEN NULL ELSE p.paced_until END,
      disabled = p.disabled OR i.disable,
      disabled_reason = CASE WHEN i.disable AND NOT p.disabled THEN 'failing' ELSE p.disabled_reason END,
      updated_at = CASE WHEN i.disable AND NOT p.disabled THEN @now ELSE p.updated_at END
  FROM input i WHERE p.id = i.id
),
moved AS (
  UPDATE deliveries d
  SET next_attempt_at = CASE WHEN w.disable THEN NULL WHEN w.hold THEN w.next_probe_at ELSE @now END
  FROM (SELECT x.id, i.disable, i.hold, i.next_probe_at
        FROM input i JOIN deliveries x ON x.endpoint_id = i.id
        WHERE (i.hold OR i.release OR i.disable) AND x.status = 'pending' AND x.lease_owner IS NULL
          AND (i.disable OR (i.hold AND x.next_attempt_at < i.next_probe_at)
               OR (i.release AND x.next_attempt_at > @now))
        FOR UPDATE OF x SKIP LOCKED) w
  WHERE d.id = w.id
  RETURNING d.next_attempt_at
)
SELECT count(*) FILTER (WHERE next_attempt_at = @now)::int AS released FROM moved;

-- name: endpoint_paced_until_set
-- @id, @until: a pace left deliveries at its horizon @until (endpoint_defer); the endpoint's new deliveries
-- are appended there too (migration 0018)
UPDATE endpoints SET paced_until = greatest(paced_until, @until::bigint) WHERE id = @id;

-- name: endpoint_paced_until_clear
-- @id: the endpoint recovered (Store.undeferEndpoint); its new deliveries are due at once again
UPDATE endpoints SET paced_until = NULL WHERE id = @id AND paced_until IS NOT NULL;

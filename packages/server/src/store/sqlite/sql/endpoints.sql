-- name: endpoint_insert
-- every column of a new endpoint
INSERT INTO endpoints (id, merchant_id, url, description, event_types, disabled, disabled_reason, headers, format,
                       api_version, payload_style, timeout_ms, rate_limit, retry_schedule, created_at, updated_at)
VALUES (@id, @merchant_id, @url, @description, @event_types, @disabled, @disabled_reason, @headers, @format,
        @api_version, @payload_style, @timeout_ms, @rate_limit, @retry_schedule, @created_at, @updated_at);

-- name: endpoint_get
-- @merchant_id, @id  (the merchant scopes every read: another merchant's endpoint is not found)
SELECT * FROM endpoints WHERE id = @id AND merchant_id = @merchant_id AND deleted_at IS NULL;

-- name: endpoint_page
-- @merchant_id, @before (cursor), @limit
SELECT * FROM endpoints
WHERE merchant_id = @merchant_id AND deleted_at IS NULL AND id < @before
ORDER BY id DESC LIMIT @limit;

-- name: endpoint_update
-- @id, @merchant_id and every mutable column
UPDATE endpoints
SET url = @url, description = @description, event_types = @event_types, disabled = @disabled,
    disabled_reason = @disabled_reason, headers = @headers, format = @format, api_version = @api_version,
    payload_style = @payload_style, timeout_ms = @timeout_ms,
    rate_limit = @rate_limit, retry_schedule = @retry_schedule, circuit_state = @circuit_state,
    circuit_failures = @circuit_failures, circuit_opens = @circuit_opens,
    circuit_next_probe_at = @circuit_next_probe_at, failing_since = @failing_since, updated_at = @updated_at
WHERE id = @id AND merchant_id = @merchant_id AND deleted_at IS NULL;

-- name: endpoint_delete
-- @merchant_id, @id, @now
UPDATE endpoints SET deleted_at = @now, updated_at = @now
WHERE id = @id AND merchant_id = @merchant_id AND deleted_at IS NULL;

-- name: endpoint_disable
-- @id, @reason ('gone': it answered 410; 'failing': no success for PAYHOOK_DISABLE_AFTER), @now
UPDATE endpoints SET disabled = 1, disabled_reason = @reason, updated_at = @now WHERE id = @id AND disabled = 0;

-- name: endpoints_for_fanout
-- @merchant_id: the endpoints a new event of this merchant goes to; a disabled one's deliveries wait, an
-- open circuit's wait for its probe (circuit_next_probe_at), a paced one's for its horizon (paced_until).
-- The columns after `ordered` are what a delivery claimed as it is created needs (Store.appendEvents'
-- DirectClaim): the same as claim_select's.
SELECT id, event_types, disabled, ordered,
       url, headers, format, api_version, payload_style, timeout_ms, retry_schedule, rate_limit, circuit_state,
       circuit_failures, circuit_next_probe_at, paced_until
FROM endpoints WHERE merchant_id = @merchant_id AND deleted_at IS NULL;

-- name: endpoint_paced_until_set
-- @id, @until: a pace left deliveries at its horizon @until (endpoint-moves.ts); new ones wait there too
UPDATE endpoints SET paced_until = max(coalesce(paced_until, 0), CAST(@until AS INTEGER)) WHERE id = @id;

-- name: endpoint_paced_until_clear
-- @id: the endpoint recovered (Store.undeferEndpoint); its new deliveries are due at once again
UPDATE endpoints SET paced_until = NULL WHERE id = @id AND paced_until IS NOT NULL;

-- name: endpoint_deleted_at
-- @id: when the endpoint was deleted (NULL: it was not)
SELECT deleted_at FROM endpoints WHERE id = @id;

-- name: endpoint_circuit_get
-- @id: the circuit breaker's columns (store/circuit.ts)
SELECT id, merchant_id, disabled, circuit_state, circuit_failures, circuit_opens, circuit_next_probe_at, failing_since
FROM endpoints WHERE id = @id;

-- name: endpoint_circuit_set
-- @id and the circuit breaker's columns
UPDATE endpoints SET circuit_state = @circuit_state, circuit_failures = @circuit_failures,
                     circuit_opens = @circuit_opens, circuit_next_probe_at = @circuit_next_probe_at,
                     failing_since = @failing_since
WHERE id = @id;

-- name: endpoint_claim_controls
-- @id, @rate_tat, @circuit_state, @circuit_next_probe_at: what a claim took of the rate and the circuit
UPDATE endpoints SET rate_tat = @rate_tat, circuit_state = @circuit_state, circuit_next_probe_at = @circuit_next_probe_at
WHERE id = @id;

-- name: secret_insert
-- @endpoint_id, @secret, @created_at
INSERT INTO endpoint_secrets (endpoint_id, secret, created_at, expires_at) VALUES (@endpoint_id, @secret, @created_at, NULL);

-- name: secret_expire_current
-- @endpoint_id, @expires_at: the current secret keeps signing until then
UPDATE endpoint_secrets SET expires_at = @expires_at WHERE endpoint_id = @endpoint_id AND expires_at IS NULL;

-- name: secrets_signing
-- @endpoint_id, @now: the current secret first, then rotated-out ones still valid, newest first
SELECT secret, created_at, expires_at FROM endpoint_secrets
WHERE endpoint_id = @endpoint_id AND (expires_at IS NULL OR expires_at > @now)
ORDER BY expires_at IS NOT NULL, seq DESC;

-- name: endpoint_count_live
-- @merchant_id: the merchant's endpoints that count against its quota (deleted ones do not)
SELECT count(*) AS n FROM endpoints WHERE merchant_id = @merchant_id AND deleted_at IS NULL;

-- name: secrets_to_reseal
-- @prefix, @after, @limit: signing secrets (current and rotated-out) not sealed with @prefix, by seq
SELECT seq, secret FROM endpoint_secrets WHERE substr(secret, 1, length(@prefix)) <> @prefix AND seq > @after ORDER BY seq LIMIT @limit;

-- name: secret_reseal
-- @seq, @old, @secret: only when no one changed it meanwhile
UPDATE endpoint_secrets SET secret = @secret WHERE seq = @seq AND secret = @old;

-- name: headers_to_reseal
-- @prefix, @after, @limit: endpoints (deleted ones too) whose headers are not sealed with @prefix, by id
SELECT id, headers FROM endpoints WHERE substr(headers, 1, length(@prefix)) <> @prefix AND id > @after ORDER BY id LIMIT @limit;

-- name: headers_reseal
-- @id, @old, @headers: only when no one changed them meanwhile
UPDATE endpoints SET headers = @headers WHERE id = @id AND headers = @old;

-- name: dashboard_session_insert
-- @id_hash, @merchant_id, @api_key (sealed or null), @scopes (read or read,write), @link_nonce (or null),
-- @created_at, @expires_at: no row inserted when the link nonce was used already
INSERT INTO dashboard_sessions (id_hash, merchant_id, api_key, scopes, link_nonce, created_at, expires_at)
VALUES (@id_hash, @merchant_id, @api_key, @scopes, @link_nonce, @created_at, @expires_at)
ON CONFLICT DO NOTHING;

-- name: dashboard_session_get
-- @id_hash, @now: the session, while it has not expired
SELECT id_hash, merchant_id, api_key, scopes, link_nonce, created_at, expires_at
FROM dashboard_sessions WHERE id_hash = @id_hash AND expires_at > @now;

-- name: dashboard_session_delete
-- @id_hash
DELETE FROM dashboard_sessions WHERE id_hash = @id_hash;

-- name: dashboard_session_prune
-- @now: sessions past their end; a portal session's row (its nonce) stays a day after it began, past
-- the longest a link can live (PAYHOOK_PORTAL_LINK_TTL ≤ 24 h), so its link stays refused until then
DELETE FROM dashboard_sessions
WHERE expires_at <= @now AND (link_nonce IS NULL OR created_at <= @now - 86400000);

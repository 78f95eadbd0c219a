-- name: merchant_insert
-- @id, @name, @created_at
INSERT INTO merchants (id, name, created_at) VALUES (@id, @name, @created_at);

-- name: merchant_live_scope_insert
-- @id (the merchant id + '_live', src/modes.ts), @name, @created_at, @live_of (the merchant)
INSERT INTO merchants (id, name, created_at, live_of) VALUES (@id, @name, @created_at, @live_of);

-- name: merchant_get
-- @id
SELECT id, name, created_at FROM merchants WHERE id = @id;

-- name: merchant_page
-- @before  list ids below this one (the cursor), newest first; merchants only, not their live scopes
-- @limit   rows to return (the caller asks one more than it shows, to know whether a next page exists)
SELECT id, name, created_at FROM merchants WHERE live_of IS NULL AND id < @before ORDER BY id DESC LIMIT @limit;

-- name: api_key_insert
-- @id, @merchant_id (NULL for admin), @hash (sha256 hex), @prefix, @name, @scopes ('read' or 'read,write'), @created_at
INSERT INTO api_keys (id, merchant_id, hash, prefix, name, scopes, created_at)
VALUES (@id, @merchant_id, @hash, @prefix, @name, @scopes, @created_at);

-- name: api_key_find
-- @hash  sha256 hex of the presented key
SELECT id, merchant_id, prefix, name, scopes, created_at, last_used_at FROM api_keys WHERE hash = @hash AND revoked_at IS NULL;

-- name: api_key_page
-- @merchant_id, @before (cursor), @limit: the merchant's live keys, newest first
SELECT id, merchant_id, prefix, name, scopes, created_at, last_used_at FROM api_keys
WHERE merchant_id = @merchant_id AND revoked_at IS NULL AND id < @before
ORDER BY id DESC LIMIT @limit;

-- name: api_key_revoke
-- @merchant_id, @id, @now: the key's hash when this revoked it (so the caller can drop it from its cache)
UPDATE api_keys SET revoked_at = @now
WHERE id = @id AND merchant_id = @merchant_id AND revoked_at IS NULL
RETURNING hash;

-- name: api_key_touch
-- @id, @at: when the key was last used; never moves back
UPDATE api_keys SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @at);

-- name: merchant_insert
-- @id, @name, @created_at and its first key: @key_id, @hash, @prefix; its live scope @live_id
-- (src/modes.ts) and, when @live_key_id is not null, the live scope's first key: @live_key_id,
-- @live_hash, @live_prefix. One statement, so all or none; each first key is the read+write "default"
WITH merchant AS (
  INSERT INTO merchants (id, name, created_at) VALUES (@id, @name, @created_at) RETURNING id
), live AS (
  INSERT INTO merchants (id, name, created_at, live_of) SELECT @live_id, @name, @created_at, id FROM merchant
  RETURNING id
), test_key AS (
  INSERT INTO api_keys (id, merchant_id, hash, prefix, name, scopes, created_at)
  SELECT @key_id, merchant.id, @hash, @prefix, 'default', 'read,write', @created_at FROM merchant
)
INSERT INTO api_keys (id, merchant_id, hash, prefix, name, scopes, created_at)
SELECT CAST(@live_key_id AS text), live.id, @live_hash, @live_prefix, 'default', 'read,write', @created_at
FROM live WHERE CAST(@live_key_id AS text) IS NOT NULL;

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

-- name: merchant_insert
-- @id, @name, @created_at and its first key: @key_id, @hash, @prefix (one statement, so both or neither)
WITH merchant AS (
  INSERT INTO merchants (id, name, created_at) VALUES (@id, @name, @created_at) RETURNING id
)
INSERT INTO api_keys (id, merchant_id, hash, prefix, created_at)
SELECT @key_id, merchant.id, @hash, @prefix, @created_at FROM merchant;

-- name: merchant_get
-- @id
SELECT id, name, created_at FROM merchants WHERE id = @id;

-- name: merchant_page
-- @before  list ids below this one (the cursor), newest first
-- @limit   rows to return (the caller asks one more than it shows, to know whether a next page exists)
SELECT id, name, created_at FROM merchants WHERE id < @before ORDER BY id DESC LIMIT @limit;

-- name: api_key_insert
-- @id, @merchant_id (NULL for admin), @hash (sha256 hex), @prefix, @created_at
INSERT INTO api_keys (id, merchant_id, hash, prefix, created_at)
VALUES (@id, @merchant_id, @hash, @prefix, @created_at);

-- name: api_key_find
-- @hash  sha256 hex of the presented key
SELECT id, merchant_id, prefix, created_at FROM api_keys WHERE hash = @hash AND revoked_at IS NULL;

-- 0003_api_keys: keys a merchant manages itself. A key gets a name, its scopes ('read' or
-- 'read,write') and when it was last used (written at most once a minute per key, see
-- merchants/service.ts). Every key made before this migration becomes the read+write key "default",
-- which is also what a new merchant's first key is. Core tables only.

ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT 'default';
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read,write' CHECK (scopes IN ('read', 'read,write'));
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;

-- A merchant's live keys, newest first (GET /v1/api-keys).
CREATE INDEX api_keys_by_merchant ON api_keys (merchant_id, id) WHERE revoked_at IS NULL;

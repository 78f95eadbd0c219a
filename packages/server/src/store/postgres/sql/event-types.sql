-- Event types merchants register (migration 0004).

-- name: event_type_insert
-- @merchant_id, @name, @description, @schema (JSON text or NULL), @created_at: a row, or none when the merchant has that name
INSERT INTO event_types (merchant_id, name, description, schema, created_at)
VALUES (@merchant_id, @name, @description, @schema, @created_at)
ON CONFLICT (merchant_id, name) DO NOTHING
RETURNING name;

-- name: event_type_list
-- @merchant_id: all of the merchant's types, by name (a merchant has at most a few hundred)
SELECT merchant_id, name, description, schema, created_at FROM event_types
WHERE merchant_id = @merchant_id ORDER BY name;

-- name: event_type_delete
-- @merchant_id, @name: a row when it was deleted
DELETE FROM event_types WHERE merchant_id = @merchant_id AND name = @name RETURNING name;

-- name: settings_get
-- @key  the setting's name
SELECT value FROM settings WHERE key = @key;

-- name: settings_put_if_absent
-- @key, @value
INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO NOTHING;

-- name: settings_get
-- @key  the setting's name
SELECT value FROM settings WHERE key = @key;

-- name: settings_put_if_absent
-- @key, @value: returns the value now stored; no row when another transaction inserted the key after
-- this statement's snapshot (the caller reads it again)
WITH inserted AS (
  INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO NOTHING RETURNING value
)
SELECT value FROM inserted
UNION ALL
SELECT value FROM settings WHERE key = @key;

-- name: settings_write_probe
-- @value: the time of the probe; a real write, so a read-only or full database fails here
INSERT INTO settings (key, value) VALUES ('write_probe', @value)
ON CONFLICT (key) DO UPDATE SET value = excluded.value;

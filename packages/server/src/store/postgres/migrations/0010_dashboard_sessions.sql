-- 0010_dashboard_sessions (the PostgreSQL twin of sqlite/migrations/0010_dashboard_sessions.sql): who is signed in to the dashboard (/dashboard). A session is found by the
-- SHA-256 of its random id (the cookie holds the id with its HMAC, never a key); a session signed in
-- with an API key keeps that key sealed by the master key (the dashboard calls the API with it, so a
-- revoked key ends the session at once); one signed in through a portal link keeps the link's nonce,
-- unique, which is what makes a link single-use on every API process. Core tables only.

CREATE TABLE dashboard_sessions (
  id_hash      TEXT PRIMARY KEY,          -- hex SHA-256 of the session id
  merchant_id  TEXT,                      -- null: the admin key
  api_key      TEXT,                      -- sealed (enc:v1:…); null for a portal session
  scopes       TEXT NOT NULL,             -- read or read,write (as api_keys.scopes)
  link_nonce   TEXT UNIQUE,               -- the portal link it was opened with; null for a key session
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL
);
-- Sign-ins remove the expired sessions.
CREATE INDEX dashboard_sessions_by_expiry ON dashboard_sessions (expires_at);

-- deltackpt schema, version 1: checkpoints, thread heads, settings.
-- Applied by the library on open, or by hand: sqlite3 agent.db < 0001_initial.up.sql
-- (wrap in BEGIN; ... COMMIT; to make a manual application atomic).

CREATE TABLE deltackpt_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  -- FNV-1a 64 of the .up.sql file, as 16 hex digits. NULL when applied by
  -- hand: the library fills it in the first time it opens the database.
  checksum   TEXT,
  applied_at TEXT NOT NULL
);

-- Per-database settings, e.g. payload_encoding = json | lz4.
CREATE TABLE deltackpt_settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per thread: its latest checkpoint. A save moves head_id in the
-- same transaction that inserts the checkpoint.
CREATE TABLE threads (
  thread_id  TEXT PRIMARY KEY,
  head_id    TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE checkpoints (
  seq           INTEGER PRIMARY KEY,  -- insertion order
  thread_id     TEXT NOT NULL,
  checkpoint_id TEXT NOT NULL UNIQUE,
  parent_id     TEXT,                 -- a delta row's delta is against this row
  step          INTEGER NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('full', 'delta')),
  base_id       TEXT NOT NULL,        -- the full row this row's chain starts from
  depth         INTEGER NOT NULL CHECK (depth >= 0),
  created_at    TEXT NOT NULL,        -- ISO-8601 UTC, microseconds
  metadata      TEXT NOT NULL,        -- JSON object
  pending_nodes TEXT NOT NULL,        -- JSON array of strings
  encoding      TEXT NOT NULL,        -- json: payload is JSON text; lz4: a blob
  payload_size  INTEGER NOT NULL,     -- bytes of payload as stored
  state_size    INTEGER NOT NULL,     -- bytes of the full state as compact JSON
  checksum      TEXT NOT NULL,        -- FNV-1a 64 of payload, 16 hex digits
  payload       BLOB NOT NULL         -- full: the state; delta: a delta document
);

CREATE INDEX checkpoints_by_thread ON checkpoints (thread_id, seq);

INSERT INTO deltackpt_settings (key, value) VALUES ('payload_encoding', 'json');
INSERT INTO deltackpt_migrations (version, name, checksum, applied_at)
VALUES (1, 'initial', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

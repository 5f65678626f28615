-- deltackpt schema, version 6: a quarantine for unreadable rows.
-- `deltackpt repair` (RowStore::quarantine) moves a row that cannot be
-- loaded (a damaged payload, a broken chain) here, with every delta row
-- whose chain passes through it, so that the rest of the thread can be
-- pruned, compacted and saved to again. The rows keep every column as
-- stored, byte for byte, for inspection:
--   sqlite3 agent.db "SELECT checkpoint_id, reason FROM quarantined_checkpoints"
-- No CHECK constraints: what is kept may be what is damaged.

CREATE TABLE quarantined_checkpoints (
  seq            INTEGER PRIMARY KEY,  -- the order rows were moved in
  original_seq   INTEGER NOT NULL,     -- the row's seq in checkpoints
  thread_id      TEXT NOT NULL,
  checkpoint_ns  TEXT NOT NULL,
  checkpoint_id  TEXT NOT NULL,
  parent_id      TEXT,
  step           INTEGER,
  kind           TEXT,
  base_id        TEXT,
  depth          INTEGER,
  created_at     TEXT,
  metadata       TEXT,
  pending_nodes  TEXT,
  encoding       TEXT,
  payload_size   INTEGER,
  state_size     INTEGER,
  checksum       TEXT,
  payload        BLOB,
  reason         TEXT NOT NULL,        -- why it was moved
  quarantined_at TEXT NOT NULL         -- ISO-8601 UTC, microseconds
);

CREATE INDEX quarantined_by_thread ON quarantined_checkpoints (thread_id, seq);

INSERT INTO deltackpt_migrations (version, name, checksum, applied_at)
VALUES (6, 'quarantine', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

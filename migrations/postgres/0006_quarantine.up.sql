-- deltackpt schema, version 6: a quarantine for unreadable rows.
-- `deltackpt repair` (RowStore::quarantine) moves a row that cannot be
-- loaded (a damaged payload, a broken chain) here, with every delta row
-- whose chain passes through it, so that the rest of the thread can be
-- pruned, compacted and saved to again. The rows keep every column as
-- stored, byte for byte, for inspection:
--   psql "$URL" -c "SELECT checkpoint_id, reason FROM quarantined_checkpoints"
-- No CHECK constraints: what is kept may be what is damaged.

CREATE TABLE quarantined_checkpoints (
  seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- the order rows were moved in
  original_seq   bigint NOT NULL,      -- the row's seq in checkpoints
  thread_id      text COLLATE "C" NOT NULL,
  checkpoint_ns  text COLLATE "C" NOT NULL,
  checkpoint_id  text COLLATE "C" NOT NULL,
  parent_id      text COLLATE "C",
  step           bigint,
  kind           text,
  base_id        text COLLATE "C",
  depth          integer,
  created_at     timestamptz,
  metadata       text,
  pending_nodes  text,
  encoding       text,
  payload_size   bigint,
  state_size     bigint,
  checksum       text,
  payload        text,
  payload_bytes  bytea,
  reason         text NOT NULL,        -- why it was moved
  quarantined_at timestamptz NOT NULL
);

CREATE INDEX quarantined_by_thread ON quarantined_checkpoints (thread_id, seq);

INSERT INTO deltackpt_migrations (version, name, checksum, applied_at)
VALUES (6, 'quarantine', NULL, now());

-- deltackpt schema, version 1: checkpoints, thread heads, settings.
-- Applied by the library on open (in one transaction, under an advisory
-- lock), or by hand in one transaction: psql "$URL" -1 -f 0001_initial.up.sql
-- Plain PostgreSQL only: no extensions, functions, triggers or jsonb, and
-- nothing that cannot run inside a transaction.

CREATE TABLE deltackpt_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  -- FNV-1a 64 of the .up.sql file, as 16 hex digits. NULL when applied by
  -- hand: the library fills it in the first time it opens the database.
  checksum   text,
  applied_at timestamptz NOT NULL
);

-- Per-database settings, e.g. payload_encoding = json | lz4.
CREATE TABLE deltackpt_settings (
  key   text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);

-- Ids compare byte for byte (COLLATE "C"): fast, and sorted the way the
-- library sorts them, whatever the database's locale.

-- One row per thread: its latest checkpoint. A save moves head_id in the
-- same statement that inserts the checkpoint, under the row's lock.
CREATE TABLE threads (
  thread_id  text COLLATE "C" PRIMARY KEY,
  head_id    text COLLATE "C" NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE checkpoints (
  seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- insertion order
  thread_id     text COLLATE "C" NOT NULL,
  checkpoint_id text COLLATE "C" NOT NULL UNIQUE,
  parent_id     text COLLATE "C",     -- a delta row's delta is against this row
  step          bigint NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('full', 'delta')),
  base_id       text COLLATE "C" NOT NULL,  -- the full row this row's chain starts from
  depth         integer NOT NULL CHECK (depth >= 0),
  created_at    timestamptz NOT NULL, -- microseconds, as saved
  metadata      text NOT NULL,        -- JSON object
  pending_nodes text NOT NULL,        -- JSON array of strings
  encoding      text NOT NULL,        -- json: payload holds JSON text; lz4: payload_bytes
  payload_size  bigint NOT NULL,      -- bytes of the payload as stored
  state_size    bigint NOT NULL,      -- bytes of the full state as compact JSON
  checksum      text NOT NULL,        -- FNV-1a 64 of the payload bytes, 16 hex digits
  -- The payload (full: the state; delta: a delta document) is in exactly one
  -- of these. JSON text goes in `payload`, kept as text rather than json or
  -- jsonb so its bytes (key order, escapes such as \u0000, number spelling)
  -- stay exactly as written and checksummed; read it with payload::json.
  -- Binary encodings (lz4), and any payload that is not valid UTF-8 text,
  -- go in `payload_bytes`.
  payload       text,
  payload_bytes bytea,
  CONSTRAINT checkpoints_one_payload CHECK ((payload IS NULL) <> (payload_bytes IS NULL))
);

CREATE INDEX checkpoints_by_thread ON checkpoints (thread_id, seq);

INSERT INTO deltackpt_settings (key, value) VALUES ('payload_encoding', 'json');
INSERT INTO deltackpt_migrations (version, name, checksum, applied_at)
VALUES (1, 'initial', NULL, now());

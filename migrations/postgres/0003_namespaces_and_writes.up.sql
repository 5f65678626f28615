-- deltackpt schema, version 3: checkpoint namespaces and pending writes.
-- A thread holds one chain of checkpoints per namespace ('' for the root
-- graph; a subgraph's, such as 'node:<id>', beside it); pending writes are
-- task results saved against a checkpoint before the next one exists.

ALTER TABLE checkpoints ADD COLUMN checkpoint_ns text COLLATE "C" NOT NULL DEFAULT '';
-- Lists in checkpoint id order (LangGraph's: its ids are time-ordered).
CREATE INDEX checkpoints_by_id_order ON checkpoints (thread_id, checkpoint_ns, checkpoint_id);
-- list() across threads with a metadata filter (jsonb @> on the text column,
-- which stays text so its bytes stay as written and checksummed).
CREATE INDEX checkpoints_by_metadata ON checkpoints USING gin ((metadata::jsonb) jsonb_path_ops);

-- Heads are per (thread, namespace); every existing head is a root head.
ALTER TABLE threads ADD COLUMN checkpoint_ns text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE threads DROP CONSTRAINT threads_pkey;
ALTER TABLE threads ADD PRIMARY KEY (thread_id, checkpoint_ns);

-- One row per write. The checkpoint it names need not exist (runtimes write
-- while the checkpoint is being saved), so there is no foreign key. Read a
-- value as text with convert_from(value, 'UTF8').
CREATE TABLE writes (
  thread_id     text COLLATE "C" NOT NULL,
  checkpoint_ns text COLLATE "C" NOT NULL,
  checkpoint_id text COLLATE "C" NOT NULL,
  task_id       text COLLATE "C" NOT NULL,
  idx           bigint NOT NULL,       -- negative: a special write (error, interrupt, ...)
  task_path     text COLLATE "C" NOT NULL,
  channel       text NOT NULL,
  type          text NOT NULL,         -- the runtime serializer's type tag
  value_size    bigint NOT NULL,       -- bytes of value
  value         bytea NOT NULL,        -- as the runtime serialized it
  PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
);

INSERT INTO deltackpt_migrations (version, name, checksum, applied_at)
VALUES (3, 'namespaces_and_writes', NULL, now());

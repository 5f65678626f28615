-- deltackpt schema, version 3: checkpoint namespaces and pending writes.
-- A thread holds one chain of checkpoints per namespace ('' for the root
-- graph; a subgraph's, such as 'node:<id>', beside it); pending writes are
-- task results saved against a checkpoint before the next one exists.

ALTER TABLE checkpoints ADD COLUMN checkpoint_ns TEXT NOT NULL DEFAULT '';
-- Lists in checkpoint id order (LangGraph's: its ids are time-ordered).
CREATE INDEX checkpoints_by_id_order ON checkpoints (thread_id, checkpoint_ns, checkpoint_id);

-- Heads are per (thread, namespace). SQLite cannot change a primary key in
-- place, so the table is rebuilt; every existing head is a root head.
CREATE TABLE threads_v3 (
  thread_id     TEXT NOT NULL,
  checkpoint_ns TEXT NOT NULL DEFAULT '',
  head_id       TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  PRIMARY KEY (thread_id, checkpoint_ns)
) WITHOUT ROWID;
INSERT INTO threads_v3 (thread_id, checkpoint_ns, head_id, created_at, updated_at)
SELECT thread_id, '', head_id, created_at, updated_at FROM threads;
DROP TABLE threads;
ALTER TABLE threads_v3 RENAME TO threads;

-- One row per write. The checkpoint it names need not exist (runtimes write
-- while the checkpoint is being saved), so there is no foreign key.
CREATE TABLE writes (
  thread_id     TEXT NOT NULL,
  checkpoint_ns TEXT NOT NULL,
  checkpoint_id TEXT NOT NULL,
  task_id       TEXT NOT NULL,
  idx           INTEGER NOT NULL,     -- negative: a special write (error, interrupt, ...)
  task_path     TEXT NOT NULL,
  channel       TEXT NOT NULL,
  type          TEXT NOT NULL,        -- the runtime serializer's type tag
  value_size    INTEGER NOT NULL,     -- bytes of value
  value         BLOB NOT NULL,        -- as the runtime serialized it; TEXT when UTF-8
  PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
) WITHOUT ROWID;

INSERT INTO deltackpt_migrations (version, name, checksum, applied_at)
VALUES (3, 'namespaces_and_writes', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- Reverts 0003_namespaces_and_writes. Pending writes, and every checkpoint
-- outside the root namespace, are lost.
DROP TABLE IF EXISTS writes;
DELETE FROM checkpoints WHERE checkpoint_ns <> '';
CREATE TABLE threads_v2 (
  thread_id  TEXT PRIMARY KEY,
  head_id    TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO threads_v2 (thread_id, head_id, created_at, updated_at)
SELECT thread_id, head_id, created_at, updated_at FROM threads WHERE checkpoint_ns = '';
DROP TABLE threads;
ALTER TABLE threads_v2 RENAME TO threads;
DROP INDEX checkpoints_by_id_order;
ALTER TABLE checkpoints DROP COLUMN checkpoint_ns;
DELETE FROM deltackpt_migrations WHERE version = 3;

-- Reverts 0003_namespaces_and_writes. Pending writes, and every checkpoint
-- outside the root namespace, are lost.
DROP TABLE IF EXISTS writes;
DELETE FROM checkpoints WHERE checkpoint_ns <> '';
DELETE FROM threads WHERE checkpoint_ns <> '';
ALTER TABLE threads DROP CONSTRAINT threads_pkey;
ALTER TABLE threads DROP COLUMN checkpoint_ns;
ALTER TABLE threads ADD PRIMARY KEY (thread_id);
DROP INDEX IF EXISTS checkpoints_by_metadata;
DROP INDEX checkpoints_by_id_order;
ALTER TABLE checkpoints DROP COLUMN checkpoint_ns;
DELETE FROM deltackpt_migrations WHERE version = 3;

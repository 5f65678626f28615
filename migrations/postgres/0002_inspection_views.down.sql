-- Reverts 0002_inspection_views.
DROP INDEX IF EXISTS checkpoints_by_thread_time;
DROP VIEW IF EXISTS checkpoint_lineage;
DROP VIEW IF EXISTS thread_summary;
DELETE FROM deltackpt_migrations WHERE version = 2;

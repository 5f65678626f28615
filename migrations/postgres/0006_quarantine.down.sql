-- Reverts 0006_quarantine. Refused while quarantined rows exist, so that
-- going back never deletes them: look at them, then empty the table
-- yourself (DELETE FROM quarantined_checkpoints) when they are not wanted.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM quarantined_checkpoints) THEN
    RAISE EXCEPTION 'deltackpt 0006 down: quarantined rows exist; delete them from quarantined_checkpoints first';
  END IF;
END $$;
DROP TABLE quarantined_checkpoints;
DELETE FROM deltackpt_migrations WHERE version = 6;

-- Reverts 0006_quarantine. Refused while quarantined rows exist, so that
-- going back never deletes them: look at them, then empty the table
-- yourself (DELETE FROM quarantined_checkpoints) when they are not wanted.
CREATE TEMP TABLE deltackpt_down_0006 (refuse INTEGER);
CREATE TEMP TRIGGER deltackpt_down_0006_refuse BEFORE INSERT ON deltackpt_down_0006
WHEN EXISTS (SELECT 1 FROM main.quarantined_checkpoints)
BEGIN
  SELECT RAISE(ABORT, 'deltackpt 0006 down: quarantined rows exist; delete them from quarantined_checkpoints first');
END;
INSERT INTO deltackpt_down_0006 VALUES (1);
DROP TABLE deltackpt_down_0006;
DROP TABLE quarantined_checkpoints;
DELETE FROM deltackpt_migrations WHERE version = 6;

-- Reverts 0005_chain_compression. Version 4 reads neither zstd-chain rows
-- nor the zstd-full-rows setting: with zstd-chain rows present this fails
-- (rewrite them first: deltackpt compact --encoding zstd-full-rows, or
-- json), and zstd-full-rows becomes zstd (full rows and writes compressed).
CREATE TEMP TABLE deltackpt_down_0005 (refuse INTEGER);
CREATE TEMP TRIGGER deltackpt_down_0005_refuse BEFORE INSERT ON deltackpt_down_0005
WHEN EXISTS (SELECT 1 FROM main.checkpoints WHERE encoding = 'zstd-chain')
BEGIN
  SELECT RAISE(ABORT, 'deltackpt 0005 down: zstd-chain rows exist; run deltackpt compact --encoding zstd-full-rows first');
END;
INSERT INTO deltackpt_down_0005 VALUES (1);
DROP TABLE deltackpt_down_0005;
UPDATE deltackpt_settings SET value = 'zstd' WHERE key = 'payload_encoding' AND value = 'zstd-full-rows';
DELETE FROM deltackpt_migrations WHERE version = 5;

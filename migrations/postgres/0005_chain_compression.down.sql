-- Reverts 0005_chain_compression. Version 4 reads neither zstd-chain rows
-- nor the zstd-full-rows setting: with zstd-chain rows present this fails
-- (rewrite them first: deltackpt compact --encoding zstd-full-rows, or
-- json), and zstd-full-rows becomes zstd (full rows and writes compressed).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM checkpoints WHERE encoding = 'zstd-chain') THEN
    RAISE EXCEPTION 'deltackpt 0005 down: zstd-chain rows exist; run deltackpt compact --encoding zstd-full-rows first';
  END IF;
END $$;
UPDATE deltackpt_settings SET value = 'zstd' WHERE key = 'payload_encoding' AND value = 'zstd-full-rows';
DELETE FROM deltackpt_migrations WHERE version = 5;

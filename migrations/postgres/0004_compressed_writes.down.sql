-- Reverts 0004_compressed_writes. Compressed pending writes are lost
-- (version 3 cannot read them); the others stay.
DELETE FROM writes WHERE value_encoding <> 'none';
ALTER TABLE writes DROP COLUMN value_encoding;
DELETE FROM deltackpt_migrations WHERE version = 4;

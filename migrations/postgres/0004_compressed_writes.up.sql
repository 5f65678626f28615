-- deltackpt schema, version 4: pending-write values may be compressed.
-- A store whose payload_encoding is zstd keeps a value as one zstd frame
-- when that is smaller; value_encoding says which ('none': the runtime's
-- bytes as they were given).

ALTER TABLE writes ADD COLUMN value_encoding text NOT NULL DEFAULT 'none';

INSERT INTO deltackpt_migrations (version, name, checksum, applied_at)
VALUES (4, 'compressed_writes', NULL, now());

-- deltackpt schema, version 5: chain compression. No table changes; the
-- version tells older libraries (which cannot read these) to refuse the
-- database rather than misread it. A database with no checkpoint yet (a new
-- one) starts with the new default, zstd-full-rows; others keep theirs.
-- payload_encoding may now be 'zstd-full-rows' (full rows as zstd, deltas
-- JSON text) besides 'json', 'zstd' and 'lz4'; in a 'zstd' store a delta
-- row's encoding is 'zstd-chain': its payload_bytes are the checksum column
-- of the chain's full row (8 bytes, little endian), then one zstd frame
-- compressed with that full row's JSON text as a raw-content dictionary.

UPDATE deltackpt_settings SET value = 'zstd-full-rows'
WHERE key = 'payload_encoding' AND value = 'json' AND NOT EXISTS (SELECT 1 FROM checkpoints);

INSERT INTO deltackpt_migrations (version, name, checksum, applied_at)
VALUES (5, 'chain_compression', NULL, now());

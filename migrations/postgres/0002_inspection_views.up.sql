-- deltackpt schema, version 2: views for people inspecting a store with
-- psql, and an index for age-based retention.

-- One row per thread: how it is stored and what it saves.
CREATE VIEW thread_summary AS
SELECT thread_id,
       count(*)                                                  AS checkpoints,
       sum(CASE WHEN kind = 'full' THEN 1 ELSE 0 END)            AS full_rows,
       sum(CASE WHEN kind = 'delta' THEN 1 ELSE 0 END)           AS delta_rows,
       sum(payload_size)::bigint                                 AS stored_bytes,
       sum(state_size)::bigint                                   AS full_state_bytes,
       round(1.0 * sum(state_size) / greatest(sum(payload_size), 1), 1) AS compression,
       max(depth)                                                AS longest_chain,
       max(step)                                                 AS last_step,
       min(created_at)                                           AS first_saved,
       max(created_at)                                           AS last_saved
FROM checkpoints
GROUP BY thread_id;

-- One row per checkpoint with where it comes from: its parent's step and the
-- full row its delta chain starts from.
CREATE VIEW checkpoint_lineage AS
SELECT c.thread_id,
       c.step,
       c.checkpoint_id,
       c.kind,
       c.depth,
       c.parent_id,
       p.step AS parent_step,
       c.base_id,
       b.step AS base_step,
       c.payload_size,
       c.state_size,
       c.created_at
FROM checkpoints c
LEFT JOIN checkpoints p ON p.checkpoint_id = c.parent_id
LEFT JOIN checkpoints b ON b.checkpoint_id = c.base_id;

CREATE INDEX checkpoints_by_thread_time ON checkpoints (thread_id, created_at);

INSERT INTO deltackpt_migrations (version, name, checksum, applied_at)
VALUES (2, 'inspection_views', NULL, now());

// Importing an adk-graph SQLite checkpoint store into any deltackpt store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "deltackpt/checkpointer.hpp"
#include "deltackpt/export.hpp"
#include "deltackpt/maintenance.hpp"

namespace deltackpt {

struct ImportResult {
  std::size_t threads = 0;       // imported by this call
  std::size_t checkpoints = 0;   // imported by this call
  std::size_t skipped_threads = 0;  // imported whole by an earlier call
  std::vector<std::string> imported_threads;
  std::int64_t source_state_bytes = 0;  // bytes of the states imported, as adk-graph stored them
};

// Reads the `graph_checkpoints` table of an adk-graph SQLite database
// (id, thread_id, state, step, pending_nodes, metadata, created_at, and the
// optional cleared_interrupt, attempts, child_ledger) and saves every
// checkpoint into `target`, keeping ids, steps, times, pending nodes and
// metadata. Each thread goes oldest first by created_at read as a time
// (any RFC 3339 form), then step; rows written by adk-graph's own
// DeltaCheckpointer (metadata "__delta_ckpt_type": "delta") are rebuilt by
// applying their MapDelta to the state of the row their
// "__delta_ckpt_base_id" names, which becomes their parent (a fork when it
// is not the latest: adk-graph re-runs steps); those bookkeeping keys are
// dropped from metadata; adk-graph's extra columns, when set, go to
// metadata under "adk".
// Each thread is imported whole or not at all, and a thread the target
// already holds with exactly the source's ids is skipped, so a failed
// import can be run again. Throws InvalidArgument when the source has no
// such table; Corruption naming the row when a row cannot be read (bad
// JSON, a malformed MapDelta, a delta without payload or with a base
// outside its thread); Conflict when the target has a thread of that id
// with other checkpoints. The source is opened read-only.
DELTACKPT_EXPORT ImportResult import_adk_sqlite(const std::string& source_path, Checkpointer& target,
                                                const Progress& progress = {});

}  // namespace deltackpt

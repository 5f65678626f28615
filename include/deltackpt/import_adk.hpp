// Importing an adk-graph SQLite checkpoint store into any deltackpt store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "deltackpt/checkpointer.hpp"
#include "deltackpt/export.hpp"
#include "deltackpt/maintenance.hpp"

namespace deltackpt {

struct ImportResult {
  std::size_t threads = 0;
  std::size_t checkpoints = 0;
  std::int64_t source_state_bytes = 0;  // bytes of the states as adk-graph stored them
};

// Reads the `graph_checkpoints` table of an adk-graph SQLite database
// (id, thread_id, state, step, pending_nodes, metadata, created_at, and the
// optional cleared_interrupt, attempts, child_ledger) and saves every
// checkpoint into `target`, oldest first per thread, keeping ids, steps,
// times, pending nodes and metadata. Rows written by adk-graph's own
// DeltaCheckpointer (metadata "__delta_ckpt_type": "delta") are rebuilt to
// full states first, and those bookkeeping keys are dropped from metadata;
// adk-graph's extra columns, when set, go to metadata under "adk".
// Throws InvalidArgument when the source has no such table, Corruption
// naming the row when a row cannot be read. The source is opened read-only.
DELTACKPT_EXPORT ImportResult import_adk_sqlite(const std::string& source_path, Checkpointer& target,
                                                const Progress& progress = {});

}  // namespace deltackpt

// The in-memory backend: rows kept in process memory, gone when it ends.
#pragma once

#include <memory>

#include "deltackpt/checkpointer.hpp"
#include "deltackpt/export.hpp"
#include "deltackpt/limits.hpp"

namespace deltackpt {

struct MemoryOptions {
  Limits limits;
};

/**
 * A Checkpointer that keeps full rows in memory, in the same row records the
 * SQL backends store (wrap it in DeltaCheckpointer for deltas). For tests and
 * short-lived runs. Safe for concurrent use from many threads.
 *
 * **Example**:
 *   auto cp = deltackpt::open_memory();
 *   std::string id = cp->save({.thread_id = "t1", .state = {{"n", 1}}});
 */
DELTACKPT_EXPORT std::unique_ptr<Checkpointer> open_memory(const MemoryOptions& options = {});

}  // namespace deltackpt

// The in-memory backend: rows kept in process memory, gone when it ends.
#pragma once

#include <memory>

#include "deltackpt/export.hpp"
#include "deltackpt/row_store.hpp"

namespace deltackpt {

/**
 * A RowStore that keeps rows in process memory, the same row records the
 * SQL backends store. For tests and short-lived runs. Safe for concurrent
 * use from many threads.
 *
 * **Example**:
 *   deltackpt::DeltaCheckpointer cp(deltackpt::open_memory());
 *   std::string id = cp.save({.thread_id = "t1", .state = {{"n", 1}}});
 */
DELTACKPT_EXPORT std::unique_ptr<RowStore> open_memory();

}  // namespace deltackpt

// A DeltaCheckpointer that writes full rows only: the plain backend, as the
// tests that are about a backend rather than deltas use it.
#pragma once

#include <memory>

#include "deltackpt/delta_checkpointer.hpp"

namespace deltackpt::testing {

inline std::unique_ptr<DeltaCheckpointer> full_rows(std::unique_ptr<RowStore> store) {
  return std::make_unique<DeltaCheckpointer>(std::move(store), DeltaOptions::full_rows());
}

// Over a store that outlives it, with nothing cached: reads what is stored.
inline std::unique_ptr<DeltaCheckpointer> reader_of(RowStore& store) {
  return std::make_unique<DeltaCheckpointer>(store, DeltaOptions::full_rows());
}

}  // namespace deltackpt::testing

// What prune() deletes and rewrites, decided from headers alone: a pure
// function, tested apart from any store.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "deltackpt/checkpoint.hpp"
#include "deltackpt/row_store.hpp"

namespace deltackpt::detail {

struct PrunePlan {
  // Checkpoint ids to delete.
  std::vector<std::string> remove;
  // A kept row whose header changes: a delta whose parent is deleted becomes
  // a full row (its payload must become its state); a delta further down
  // that chain keeps its payload but gets a new base_id and depth.
  struct Change {
    std::size_t index;  // into the headers planned from
    RowHeader header;   // as it will be
    bool becomes_full;
  };
  std::vector<Change> changes;  // in the order of the headers

  std::size_t rewritten_as_full() const noexcept;
};

// The plan for a thread's `headers` (oldest first, parents before children,
// as RowStore::rows returns them) under `policy` at time `now`. Keeps the
// newest row always. Throws Corruption when a kept delta's parent is not
// among the headers.
PrunePlan plan_prune(const std::vector<RowHeader>& headers, const RetentionPolicy& policy, Timestamp now);

}  // namespace deltackpt::detail

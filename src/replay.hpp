// Forward replay of a thread's rows, parents before children, keeping only
// the states still needed by rows to come.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "deltackpt/json.hpp"
#include "deltackpt/limits.hpp"
#include "deltackpt/row_store.hpp"

namespace deltackpt::detail {

// The state of `row`: its payload for a full row, else `parent` with the
// row's delta applied. Throws Corruption naming the row.
Json rebuild_row(const StoredRow& row, const Json* parent, const Limits& limits);

// Applies delta row `row` to `state` in place; returns the bytes of the
// delta's JSON text (what the replay budget counts, compressed or not).
// Throws Corruption naming the row.
std::size_t apply_row_delta(Json& state, const StoredRow& row, const Limits& limits);

class ForwardReplay {
 public:
  // `rows` oldest first, as RowStore::rows returns them; must outlive this.
  ForwardReplay(const std::vector<StoredRow>& rows, const Limits& limits);

  struct Step {
    std::shared_ptr<const Json> state;
    // The parent's state when the parent is in the thread and good.
    std::shared_ptr<const Json> parent;
  };
  // Rebuilds rows[i]; call for i = 0, 1, ... in order. Throws Corruption
  // naming the row; a row whose parent failed fails too.
  Step next(std::size_t i);

 private:
  struct Slot {
    std::shared_ptr<const Json> state;
    std::size_t children_left = 0;
    bool bad = false;
  };
  const std::vector<StoredRow>& rows_;
  const Limits& limits_;
  std::unordered_map<std::string, Slot> slots_;
};

}  // namespace deltackpt::detail

// A strategy the bench measures against deltackpt's own: another project's
// checkpointing algorithm, re-implemented over deltackpt's RowStore so that it
// runs on the same backends and is measured the same way. bench/compare/
// holds the baselines (adk-graph's); run_one() knows them only through this.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deltackpt/checkpoint.hpp"
#include "deltackpt/json.hpp"
#include "deltackpt/row_store.hpp"

namespace deltackpt::bench {

// The calls of a checkpointer the bench times. Not thread-safe (the bench
// uses one thread).
class BaselineCheckpointer {
 public:
  virtual ~BaselineCheckpointer() = default;
  // Returns the new checkpoint's id.
  virtual std::string save(const Checkpoint& cp) = 0;
  virtual std::optional<Checkpoint> load(std::string_view thread_id) = 0;
  virtual std::optional<Checkpoint> load_by_id(std::string_view checkpoint_id) = 0;
  // Every state of the thread, oldest first.
  virtual std::vector<Checkpoint> history(std::string_view thread_id) = 0;
  // Figures of its own, published in the run's "extra" (e.g. where saves
  // spent their time).
  virtual Json extra() const { return Json::object(); }
};

struct Baseline {
  std::string strategy;  // its name in --strategy, the tables and results
  // Opens it over the run's store, which outlives it.
  std::function<std::unique_ptr<BaselineCheckpointer>(RowStore& store)> open;
  // Which of the rows it wrote hold deltas (the tables' full/delta counts).
  std::function<bool(const RowHeader& header)> is_delta_row;
  // False when loads may return the top-level keys in another order than
  // saved: loaded states are then compared with their top-level keys sorted.
  bool keeps_key_order = true;
  // True when every load reads the whole thread: its replay bytes are then
  // those of every row so far.
  bool loads_whole_thread = false;
};

}  // namespace deltackpt::bench

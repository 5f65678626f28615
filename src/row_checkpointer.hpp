// The one Checkpointer implementation over a RowStore: full rows, or full
// rows and deltas when wrapped by DeltaCheckpointer. Reading always replays,
// so a plain checkpointer still reads a store that holds deltas.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "deltackpt/checkpointer.hpp"
#include "deltackpt/delta_checkpointer.hpp"
#include "deltackpt/row_store.hpp"
#include "state_cache.hpp"
#include "state_figures.hpp"

namespace deltackpt::detail {

// True when `delta` applied to `state` (whose figures are `figures`) gives
// a state with the figures `wanted`. Leaves `state` changed either way.
bool delta_rebuilds(Json& state, StateFigures figures, const Json& delta, StateFigures wanted);

class RowCheckpointer final : public Checkpointer {
 public:
  // `store` must outlive this object. With `write_deltas` false every row is
  // a full row and options.full_snapshot_interval is ignored.
  RowCheckpointer(RowStore& store, DeltaOptions options, bool write_deltas);
  // Owns the store.
  RowCheckpointer(std::unique_ptr<RowStore> store, DeltaOptions options, bool write_deltas);

  using Checkpointer::list;
  using Checkpointer::save;
  std::string save(const Checkpoint& cp, const SaveOptions& options) override;
  std::optional<Checkpoint> load(std::string_view thread_id) override;
  std::optional<Checkpoint> load_by_id(std::string_view checkpoint_id) override;
  std::vector<CheckpointInfo> list(std::string_view thread_id, const ListOptions& options) override;
  std::vector<Checkpoint> history(std::string_view thread_id) override;
  std::vector<std::string> threads() override;
  std::size_t remove_thread(std::string_view thread_id) override;
  PruneResult prune(std::string_view thread_id, const RetentionPolicy& policy) override;
  RowStore* row_store() noexcept override { return &store_; }

  const DeltaOptions& options() const noexcept { return options_; }
  SaveCounters counters() const noexcept;

 private:
  struct Parent {
    RowHeader header;
    CachedState cached;
  };
  struct BuiltRow {
    StoredRow row;
    std::optional<Json> delta;  // set for delta rows
    // Where the row sits in its chain, for the cache.
    ChainPosition position;
    // The row's state when check_delta built it from the parent's; the
    // cache keeps it for the next save.
    std::shared_ptr<Json> state_after;
    std::optional<std::uint64_t> fingerprint;  // of the row's state, when known
  };
  // Applies the delta of `built` to the parent's state and checks that it
  // rebuilds cp.state (delta_rebuilds); if not, turns `built` into a full
  // row and counts it. Takes the parent's cached state when it can.
  void check_delta(const Checkpoint& cp, BuiltRow& built, Parent& parent, const std::string& where);
  // After the store took `built`: counts it, moves the thread's head, and
  // caches its state for the next save.
  void committed(const Checkpoint& cp, BuiltRow& built);
  // Validates cp.state and builds its row: a delta against `parent` when the
  // policy allows and it pays, else a full row.
  BuiltRow build_row(const Checkpoint& cp, const std::string& id, Timestamp created,
                     const std::optional<Parent>& parent, const std::string& where);
  // A full row of a state already validated at `state_bytes`; its parent is
  // `parent_id` (empty: the store appends it after the head).
  BuiltRow build_full_row(const Checkpoint& cp, const std::string& id, Timestamp created,
                          std::size_t state_bytes, const std::string& parent_id);
  // The header of that row, after checking the state's size limit.
  BuiltRow build_full_row_header(const Checkpoint& cp, const std::string& id, Timestamp created,
                                 std::size_t state_bytes, const std::string& parent_id) const;
  std::size_t validated_state_bytes(const Checkpoint& cp, const std::string& where) const;
  std::optional<Parent> resolve_parent(const Checkpoint& cp, bool use_head_cache);
  CachedState rebuild(const std::vector<StoredRow>& chain, std::string_view wanted_id);
  Checkpoint to_checkpoint(const RowHeader& header, Json state) const;
  CheckpointInfo to_info(const RowHeader& header) const;
  void validate_ids(const Checkpoint& cp) const;
  // True when the thread's head is no longer `expected` (a Conflict came
  // from a moved head, not from a duplicate id).
  bool head_moved(const std::string& thread_id, const std::string& expected);

  std::unique_ptr<RowStore> owned_store_;
  RowStore& store_;
  DeltaOptions options_;
  bool write_deltas_;
  struct {
    std::atomic<std::uint64_t> full_rows{0}, delta_rows{0}, deltas_refused{0};
  } counters_;
  StateCache cache_;
  std::mutex heads_mutex_;
  // The head each thread had after this process's last save to it: the
  // implicit parent of the next save, checked atomically by the store.
  std::unordered_map<std::string, std::string> heads_;
};

}  // namespace deltackpt::detail

// DeltaCheckpointer: the Checkpointer over a RowStore, storing occasional full
// rows and, between them, small JSON deltas.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "deltackpt/checkpointer.hpp"
#include "deltackpt/diff.hpp"
#include "deltackpt/export.hpp"
#include "deltackpt/limits.hpp"
#include "deltackpt/row_store.hpp"

namespace deltackpt {

// The default DeltaOptions::cache_bytes: 1/16 of the memory this process
// may use (the machine's, or its cgroup's limit when lower), at least 64 MiB.
DELTACKPT_EXPORT std::size_t default_cache_bytes() noexcept;

struct DeltaOptions {
  // A full row at least every this many checkpoints along a chain: a load
  // replays at most this many rows minus one. 1 stores full rows only.
  // Default: 200 (chosen with the bench, see docs/BENCHMARKS.md).
  std::size_t full_snapshot_interval = 200;
  // A full row as soon as a load of the new row would replay more than
  // (1 + replay_budget) times its state: the chain's full row plus every
  // delta since. Counted in JSON text bytes, before any payload compression:
  // what a load parses and applies. The bound follows the state a load
  // rebuilds, so a state that grows from a small full row, or gets one large
  // new value, stays a chain as long as its loads stay cheap. Default: 1.0.
  double replay_budget = 1.0;
  // Optionally, a full row when a delta over 16 KiB is larger than this
  // fraction of its state, even though the replay budget allows it; the
  // diff then stops as soon as the delta is sure to be that large. Default:
  // 1.0, off: the replay budget decides (chosen with the bench, see
  // docs/BENCHMARKS.md).
  double max_delta_fraction = 1.0;
  // Memory for recent states (least recently used first out, each charged
  // about 3x its JSON text, what a parsed state takes), so a save need not
  // read its parent back and a load of a head this process saved or loaded
  // need not replay. Holds each thread's head; load_by_id() of other
  // checkpoints does not fill it. 0 disables the cache. Default:
  // default_cache_bytes(), from the memory the process may use.
  std::size_t cache_bytes = default_cache_bytes();
  // When a save's parent is not cached and the cache is turning over (it
  // evicted a state since its current entries were put: more live threads
  // than cache_bytes holds), write a full row rather than read the parent's
  // chain back and replay it. A full row costs a save less than that replay, so saves never
  // cost more than full-row saves at any number of threads; the price is
  // storage while the cache is too small (docs/design.md says how to size
  // it). False: always replay and write a delta. Default: true.
  bool full_row_when_cache_is_full = true;
  DiffOptions diff;
  Limits limits;

  // Options that write full rows only (full_snapshot_interval 1): what
  // OpenOptions{.deltas = false} uses. Such a checkpointer caches nothing.
  static DeltaOptions full_rows() {
    DeltaOptions options;
    options.full_snapshot_interval = 1;
    return options;
  }
};

// What a DeltaCheckpointer's saves wrote since it was made, in this process.
struct SaveCounters {
  std::uint64_t full_rows = 0;
  std::uint64_t delta_rows = 0;
  // Deltas written as full rows instead because they did not rebuild the
  // state they were made from. Every delta save applies its delta to the
  // parent's state before writing and compares the size and a fingerprint
  // of the result with those of the state it was given (computed apart from
  // the diff); a mismatch is a bug in deltackpt, worth reporting, and costs
  // one full row rather than data.
  std::uint64_t deltas_refused = 0;
  // Saves whose parent's state was not cached, so they read its chain and
  // replayed it first (a cache miss on the save path: what a cache too
  // small for the live threads costs).
  std::uint64_t parents_rebuilt = 0;
};

// The counters as a JSON object: {"full_rows", "delta_rows",
// "deltas_refused", "parents_rebuilt"}.
DELTACKPT_EXPORT Json to_json(const SaveCounters& counters);

// The state cache of a DeltaCheckpointer (DeltaOptions::cache_bytes): what
// its lookups found since it was made, and what it holds now. Size it so
// that the saves' parents are hits (SaveCounters::parents_rebuilt stays
// near 0): about 3x the JSON text of the live threads' heads.
struct CacheCounters {
  std::uint64_t hits = 0;       // lookups (saves' parents, loads) that found the state
  std::uint64_t misses = 0;     // lookups that did not
  std::uint64_t evictions = 0;  // states dropped, least recently used first, to stay within capacity
  std::uint64_t entries = 0;    // states held now
  std::uint64_t bytes = 0;      // what they are charged now (an estimate of their memory)
  std::uint64_t capacity_bytes = 0;
};

// {"hits", "misses", "evictions", "entries", "bytes", "capacity_bytes"}.
DELTACKPT_EXPORT Json to_json(const CacheCounters& counters);

/**
 * The Checkpointer over a RowStore: stores each checkpoint as a full row or,
 * between full rows, as the JSON delta of its state against its parent's
 * state, as `options` say (full_snapshot_interval 1: full rows only). Loads
 * fetch the chain from the nearest full row in one query and replay it, so
 * any DeltaCheckpointer reads any store, whatever wrote it. Safe for
 * concurrent use from many threads.
 *
 * **Example**:
 *   deltackpt::DeltaCheckpointer cp(deltackpt::open_sqlite({.path = "agent.db"}));
 *   cp.save({.thread_id = "t1", .step = 0, .state = {{"messages", Json::array()}}});
 *   auto latest = cp.load("t1");
 */
class DELTACKPT_EXPORT DeltaCheckpointer final : public Checkpointer {
 public:
  // Owns `store`. Throws InvalidArgument when `store` is null or an option
  // is out of range.
  explicit DeltaCheckpointer(std::unique_ptr<RowStore> store, DeltaOptions options = {});
  // Borrows `store`, which must outlive this object (several checkpointers,
  // or maintenance, over one store).
  explicit DeltaCheckpointer(RowStore& store, DeltaOptions options = {});
  ~DeltaCheckpointer() override;
  DeltaCheckpointer(const DeltaCheckpointer&) = delete;
  DeltaCheckpointer& operator=(const DeltaCheckpointer&) = delete;

  using Checkpointer::history;
  using Checkpointer::list;
  using Checkpointer::load;
  using Checkpointer::prune;
  using Checkpointer::save;
  using Checkpointer::save_delta;
  std::string save(const Checkpoint& cp, const SaveOptions& options) override;
  // O(the delta) when the parent's state is cached: the delta is applied to
  // it in place, checked where it sets values, and written as it is when
  // the policy takes a delta row here.
  std::string save_delta(const Checkpoint& cp, const Json& delta, const SaveOptions& options) override;
  std::optional<Checkpoint> load(std::string_view thread_id, std::string_view checkpoint_ns) override;
  std::optional<Checkpoint> load_by_id(std::string_view checkpoint_id) override;
  std::optional<CheckpointInfo> info(std::string_view checkpoint_id) override;
  std::vector<CheckpointInfo> list(const ListOptions& options) override;
  std::vector<ListedCheckpoint> list_states(const ListOptions& options) override;
  std::vector<Checkpoint> history(std::string_view thread_id, std::string_view checkpoint_ns) override;
  std::vector<std::string> threads() override;
  std::vector<std::string> namespaces(std::string_view thread_id) override;
  std::size_t remove_thread(std::string_view thread_id) override;
  PruneResult prune(std::string_view thread_id, std::string_view checkpoint_ns,
                    const RetentionPolicy& policy) override;
  void put_writes(const CheckpointKey& key, const std::vector<PendingWrite>& writes) override;
  std::vector<PendingWrite> writes(const CheckpointKey& key) override;

  // The rows behind this checkpointer, for maintenance (maintenance.hpp).
  RowStore& row_store() noexcept;
  const DeltaOptions& options() const noexcept;
  SaveCounters counters() const noexcept;
  CacheCounters cache_counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace deltackpt

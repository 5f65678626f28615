// A bounded, thread-safe LRU cache of reconstructed states, by checkpoint id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "delta_policy.hpp"
#include "deltackpt/delta_checkpointer.hpp"
#include "deltackpt/json.hpp"
#include "zstd_frames.hpp"

namespace deltackpt::detail {

// A state and where it sits in its chain: what a save needs of its parent to
// write a delta against it.
struct CachedState {
  ChainPosition position;
  std::shared_ptr<const Json> state;
  // The state passed validate_value under this process's limits (it was
  // saved here), so a diff against it need only check what changed. A state
  // rebuilt from rows was checked for its size only.
  bool validated = false;
  // fingerprint(*state), once a save has computed it (see state_figures.hpp).
  std::optional<std::uint64_t> fingerprint;
  // The dictionary of the chain's full row, for writing: kept by a store
  // that compresses deltas against it (charged to the cache with the state;
  // the entries of one chain share it).
  std::shared_ptr<const ChainDictionary> dictionary;
};

class StateCache {
 public:
  explicit StateCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}

  std::optional<CachedState> get(std::string_view checkpoint_id);
  void put(const std::string& checkpoint_id, CachedState entry);
  // Removes the entry and returns its state for the caller to modify, when
  // nobody else holds it but the caller, through `held` (which is then
  // reset); nullptr (and the entry stays) otherwise. Lets a save turn its
  // parent's cached state into its own in O(delta).
  std::shared_ptr<Json> take(std::string_view checkpoint_id, std::shared_ptr<const Json>& held);
  // Drops the entry, if any.
  void forget(std::string_view checkpoint_id);
  // Drops every entry of the thread (after prune or remove rewrote its rows).
  void forget_thread(std::string_view thread_id);

  std::size_t size_bytes() const;
  // Whether the cache is turning over: it evicted a state since its
  // current entries were put, so states are dropped before they are used
  // again (more live threads than it holds).
  bool under_pressure() const;

  // What get() found and what eviction dropped since the cache was made,
  // and what it holds now.
  CacheCounters counters() const;

 private:
  using Order = std::list<std::string>;
  struct Slot {
    CachedState entry;
    Order::iterator order;
  };
  using Slots = std::unordered_map<std::string, Slot>;
  void evict_locked();
  // Removes the entry from slots_, order_ and used_; returns the next slot.
  Slots::iterator erase_locked(Slots::iterator it);

  mutable std::mutex mutex_;
  std::size_t capacity_;
  std::size_t used_ = 0;
  std::uint64_t hits_ = 0, misses_ = 0, evictions_ = 0;
  std::uint64_t puts_since_eviction_ = 0;
  Order order_;  // most recently used first
  Slots slots_;
};

}  // namespace deltackpt::detail

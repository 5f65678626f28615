// LRU by bytes: entries are charged an estimate of the memory their parsed
// state takes.
#include "state_cache.hpp"

#include <iterator>

namespace deltackpt::detail {
namespace {
// A parsed nlohmann::ordered_json takes 2 to 3 times its compact text (the
// five workloads' final states: 2.1x to 3x), so the limit is on memory.
constexpr std::size_t kParsedPerSerializedByte = 3;

std::size_t cost(const CachedState& e) {
  return static_cast<std::size_t>(e.position.state_bytes) * kParsedPerSerializedByte + 256 +
         (e.dictionary ? e.dictionary->memory_bytes() : 0);
}
}  // namespace

std::optional<CachedState> StateCache::get(std::string_view checkpoint_id) {
  std::lock_guard lock(mutex_);
  const auto it = slots_.find(std::string(checkpoint_id));
  if (it == slots_.end()) {
    ++misses_;
    return std::nullopt;
  }
  ++hits_;
  order_.splice(order_.begin(), order_, it->second.order);
  return it->second.entry;
}

void StateCache::put(const std::string& checkpoint_id, CachedState entry) {
  if (cost(entry) > capacity_) return;
  std::lock_guard lock(mutex_);
  if (const auto it = slots_.find(checkpoint_id); it != slots_.end()) erase_locked(it);
  used_ += cost(entry);
  ++puts_since_eviction_;
  order_.push_front(checkpoint_id);
  slots_.emplace(checkpoint_id, Slot{std::move(entry), order_.begin()});
  evict_locked();
}

std::shared_ptr<Json> StateCache::take(std::string_view checkpoint_id,
                                       std::shared_ptr<const Json>& held) {
  std::lock_guard lock(mutex_);
  const auto it = slots_.find(std::string(checkpoint_id));
  if (it == slots_.end()) return nullptr;
  const std::shared_ptr<const Json>& cached = it->second.entry.state;
  // Under the lock nobody can get() a new reference: the entry's and the
  // caller's are all there are.
  if (cached != held || cached.use_count() != 2) return nullptr;
  held.reset();
  // Cached states are created non-const (make_shared<Json>) and only handed
  // out as const; with the last reference here, modifying it is safe.
  auto state = std::const_pointer_cast<Json>(cached);
  erase_locked(it);
  return state;
}

void StateCache::forget(std::string_view checkpoint_id) {
  std::lock_guard lock(mutex_);
  if (const auto it = slots_.find(std::string(checkpoint_id)); it != slots_.end()) erase_locked(it);
}

void StateCache::forget_thread(std::string_view thread_id) {
  std::lock_guard lock(mutex_);
  for (auto it = slots_.begin(); it != slots_.end();) {
    it = it->second.entry.position.thread_id == thread_id ? erase_locked(it) : std::next(it);
  }
}

std::size_t StateCache::size_bytes() const {
  std::lock_guard lock(mutex_);
  return used_;
}

bool StateCache::under_pressure() const {
  std::lock_guard lock(mutex_);
  return evictions_ > 0 && puts_since_eviction_ <= slots_.size();
}

CacheCounters StateCache::counters() const {
  std::lock_guard lock(mutex_);
  return CacheCounters{hits_, misses_, evictions_, slots_.size(), used_, capacity_};
}

void StateCache::evict_locked() {
  while (used_ > capacity_ && !order_.empty()) {
    erase_locked(slots_.find(order_.back()));
    ++evictions_;
    puts_since_eviction_ = 0;
  }
}

StateCache::Slots::iterator StateCache::erase_locked(Slots::iterator it) {
  used_ -= cost(it->second.entry);
  order_.erase(it->second.order);
  return slots_.erase(it);
}

}  // namespace deltackpt::detail

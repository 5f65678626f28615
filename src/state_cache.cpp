// LRU by bytes: entries are charged an estimate of the memory their parsed
// state takes.
#include "state_cache.hpp"

namespace deltackpt::detail {
namespace {
// A parsed nlohmann::ordered_json takes 2 to 3 times its compact text (the
// five workloads' final states: 2.1x to 3x), so the limit is on memory.
constexpr std::size_t kParsedPerSerializedByte = 3;

std::size_t cost(const CachedState& e) {
  return static_cast<std::size_t>(e.position.state_bytes) * kParsedPerSerializedByte + 256;
}
}  // namespace

std::optional<CachedState> StateCache::get(std::string_view checkpoint_id) {
  std::lock_guard lock(mutex_);
  const auto it = slots_.find(std::string(checkpoint_id));
  if (it == slots_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second.order);
  return it->second.entry;
}

void StateCache::put(const std::string& checkpoint_id, CachedState entry) {
  if (cost(entry) > capacity_) return;
  std::lock_guard lock(mutex_);
  if (const auto it = slots_.find(checkpoint_id); it != slots_.end()) {
    used_ -= cost(it->second.entry);
    order_.erase(it->second.order);
    slots_.erase(it);
  }
  used_ += cost(entry);
  order_.push_front(checkpoint_id);
  slots_.emplace(checkpoint_id, Slot{std::move(entry), order_.begin()});
  evict_locked();
}

std::shared_ptr<Json> StateCache::take(std::string_view checkpoint_id) {
  std::lock_guard lock(mutex_);
  const auto it = slots_.find(std::string(checkpoint_id));
  if (it == slots_.end() || it->second.entry.state.use_count() != 1) return nullptr;
  // Cached states are created non-const (make_shared<Json>) and only handed
  // out as const; with the last reference here, modifying it is safe.
  auto state = std::const_pointer_cast<Json>(std::move(it->second.entry.state));
  used_ -= cost(it->second.entry);
  order_.erase(it->second.order);
  slots_.erase(it);
  return state;
}

void StateCache::forget(std::string_view checkpoint_id) {
  std::lock_guard lock(mutex_);
  const auto it = slots_.find(std::string(checkpoint_id));
  if (it == slots_.end()) return;
  used_ -= cost(it->second.entry);
  order_.erase(it->second.order);
  slots_.erase(it);
}

void StateCache::forget_thread(std::string_view thread_id) {
  std::lock_guard lock(mutex_);
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (it->second.entry.position.thread_id == thread_id) {
      used_ -= cost(it->second.entry);
      order_.erase(it->second.order);
      it = slots_.erase(it);
    } else {
      ++it;
    }
  }
}

std::size_t StateCache::size_bytes() const {
  std::lock_guard lock(mutex_);
  return used_;
}

void StateCache::evict_locked() {
  while (used_ > capacity_ && !order_.empty()) {
    const auto it = slots_.find(order_.back());
    used_ -= cost(it->second.entry);
    slots_.erase(it);
    order_.pop_back();
  }
}

}  // namespace deltackpt::detail

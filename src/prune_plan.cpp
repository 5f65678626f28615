// Deciding what prune() keeps.
#include "prune_plan.hpp"

#include <string_view>
#include <unordered_map>

#include "delta_policy.hpp"
#include "row_codec.hpp"

namespace deltackpt::detail {

std::size_t PrunePlan::rewritten_as_full() const noexcept {
  std::size_t n = 0;
  for (const Change& c : changes) n += c.becomes_full ? 1 : 0;
  return n;
}

namespace {

Timestamp oldest_kept(const RetentionPolicy& policy, Timestamp now) {
  if (!policy.max_age) return Timestamp::min();
  // An age reaching before the clock's range keeps everything: now - age
  // would overflow (an oversized --max-age once deleted nearly every row).
  // min + age cannot overflow, as the age is not negative.
  if (Timestamp::min().time_since_epoch() + *policy.max_age > now.time_since_epoch()) return Timestamp::min();
  return now - *policy.max_age;
}

}  // namespace

PrunePlan plan_prune(const std::vector<RowHeader>& headers, const RetentionPolicy& policy, Timestamp now) {
  const std::size_t n = headers.size();
  const Timestamp oldest = oldest_kept(policy, now);
  std::vector<bool> keep(n);
  PrunePlan plan;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t rank = n - 1 - i;  // 0 for the newest
    keep[i] = rank == 0 ||
              ((!policy.keep_last || rank < *policy.keep_last) && headers[i].created_at >= oldest);
    if (!keep[i]) plan.remove.push_back(headers[i].checkpoint_id);
  }
  if (plan.remove.empty()) return plan;

  // New chain positions, parents first: a kept delta whose parent goes
  // starts a chain of its own; its descendants' base and depth follow.
  std::unordered_map<std::string_view, std::size_t> index;
  std::vector<ChainPosition> position(n);
  for (std::size_t i = 0; i < n; ++i) {
    const RowHeader& h = headers[i];
    index.emplace(h.checkpoint_id, i);
    if (!keep[i]) continue;
    if (h.kind == RowKind::kFull) {
      position[i] = ChainPosition::of_full_row(h);
      continue;
    }
    const auto parent = index.find(h.parent_id);
    if (parent == index.end()) {
      throw_row_corruption(h, "the row its delta is against (" + h.parent_id + ") is missing");
    }
    const bool becomes_full = !keep[parent->second];
    position[i] = becomes_full ? ChainPosition::of_full_row(h)
                               : position[parent->second].after_delta(0, h.state_size);
    RowHeader changed = h;
    position[i].stamp(changed);
    if (becomes_full || changed.base_id != h.base_id || changed.depth != h.depth) {
      plan.changes.push_back({i, std::move(changed), becomes_full});
    }
  }
  return plan;
}

}  // namespace deltackpt::detail

// Chain positions and the delta policy.
#include "delta_policy.hpp"

#include <string>

#include "deltackpt/errors.hpp"

namespace deltackpt::detail {

ChainPosition ChainPosition::of_full_row(const RowHeader& h) {
  return ChainPosition{h.thread_id, h.checkpoint_ns, h.checkpoint_id, 0, 0, h.state_size, h.state_size};
}

ChainPosition ChainPosition::of_row(const RowHeader& h) {
  return ChainPosition{h.thread_id, h.checkpoint_ns, h.base_id, h.depth, 0, 0, h.state_size};
}

ChainPosition ChainPosition::after_delta(std::int64_t delta_bytes, std::int64_t state) const {
  return ChainPosition{thread_id, checkpoint_ns, base_id, depth + 1, chain_delta_bytes + delta_bytes, base_bytes, state};
}

void ChainPosition::stamp(RowHeader& h) const {
  h.kind = depth == 0 ? RowKind::kFull : RowKind::kDelta;
  h.base_id = depth == 0 ? h.checkpoint_id : base_id;
  h.depth = depth;
}

DeltaPolicy::DeltaPolicy(DeltaOptions options) : options_(std::move(options)) {
  if (options_.full_snapshot_interval == 0) {
    throw InvalidArgument("deltackpt: DeltaOptions.full_snapshot_interval must be at least 1");
  }
  // Written so that NaN fails too.
  if (!(options_.replay_budget >= 0.0)) {
    throw InvalidArgument("deltackpt: DeltaOptions.replay_budget must be at least 0");
  }
  if (!(options_.max_delta_fraction >= 0.0)) {
    throw InvalidArgument("deltackpt: DeltaOptions.max_delta_fraction must be at least 0");
  }
  const Limits& limits = options_.limits;
  if (limits.max_depth < 1 || limits.max_depth > kMaxDepthLimit) {
    throw InvalidArgument("deltackpt: Limits.max_depth must be between 1 and " + std::to_string(kMaxDepthLimit));
  }
  if (limits.max_id_bytes == 0) throw InvalidArgument("deltackpt: Limits.max_id_bytes must be at least 1");
  if (limits.max_state_bytes < 2) throw InvalidArgument("deltackpt: Limits.max_state_bytes must be at least 2 (\"{}\")");
}

bool DeltaPolicy::delta_pays(std::size_t delta_bytes, std::size_t state_bytes,
                             const ChainPosition& parent) const noexcept {
  // What a load of the new row parses and applies: the chain's full row and
  // every delta after it. Bounded by the state it rebuilds, not by the full
  // row, so a small state that grows (or gets one large value) stays a chain.
  const double replayed = static_cast<double>(parent.base_bytes) + static_cast<double>(parent.chain_delta_bytes) +
                          static_cast<double>(delta_bytes);
  return delta_bytes < state_bytes && !size_limit().exceeded(delta_bytes, state_bytes) &&
         replayed <= (1.0 + options_.replay_budget) * static_cast<double>(state_bytes);
}

}  // namespace deltackpt::detail

// When a DeltaCheckpointer (and compact()) writes a delta rather than a full row.
#pragma once

#include <cstddef>
#include <cstdint>

#include "deltackpt/delta_checkpointer.hpp"

namespace deltackpt::detail {

// Deltas up to this size are never too large for max_delta_fraction:
// replaying one costs next to nothing, and small states stay delta-encoded.
inline constexpr std::size_t kAlwaysSmallDeltaBytes = 16 * 1024;

// True when a delta of `delta_bytes` is too large a share of its state.
inline bool delta_too_large(const DeltaOptions& options, double delta_bytes, double state_bytes) {
  return delta_bytes > static_cast<double>(kAlwaysSmallDeltaBytes) &&
         delta_bytes > options.max_delta_fraction * state_bytes;
}

// True when a delta of `delta_bytes` for a state of `state_bytes` may extend
// a chain whose deltas already hold `chain_delta_bytes` after a full row of
// `base_bytes`. (The interval is checked before diffing, so not here.)
inline bool delta_pays(const DeltaOptions& options, std::size_t delta_bytes, std::size_t state_bytes,
                       std::int64_t chain_delta_bytes, std::int64_t base_bytes) {
  const auto delta = static_cast<double>(delta_bytes);
  return delta_bytes < state_bytes &&
         !delta_too_large(options, delta, static_cast<double>(state_bytes)) &&
         static_cast<double>(chain_delta_bytes) + delta <=
             options.replay_budget * static_cast<double>(base_bytes);
}

}  // namespace deltackpt::detail

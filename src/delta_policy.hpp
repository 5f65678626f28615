// Where a row sits in its delta chain, and the one rule for when the next
// row may be a delta: what save, compact, prune and verify all follow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "deltackpt/delta_checkpointer.hpp"
#include "deltackpt/row_store.hpp"
#include "diff/measured_diff.hpp"

namespace deltackpt::detail {

// Deltas up to this size are never too large for max_delta_fraction:
// replaying one costs next to nothing, and small states stay delta-encoded.
inline constexpr std::size_t kAlwaysSmallDeltaBytes = 16 * 1024;

// A row's place in its chain. Every byte count here is JSON text, before any
// payload compression: what a load parses and applies (the replay budget's
// unit, DeltaOptions::replay_budget).
struct ChainPosition {
  std::string thread_id;
  std::string checkpoint_ns;
  std::string base_id;                 // the chain's full row
  std::int32_t depth = 0;              // deltas from base_id to this row
  std::int64_t chain_delta_bytes = 0;  // text bytes of those deltas
  std::int64_t base_bytes = 0;         // text bytes of the full row's state
  std::int64_t state_bytes = 0;        // text bytes of this row's state

  // The position of the full row `h`: a chain of its own.
  static ChainPosition of_full_row(const RowHeader& h);
  // The position stored row `h`'s own columns claim (what verify checks
  // its children against).
  static ChainPosition of_row(const RowHeader& h);
  // The position of a delta row right after this one, whose delta has
  // `delta_bytes` of text and whose state has `state_bytes`.
  ChainPosition after_delta(std::int64_t delta_bytes, std::int64_t state_bytes) const;
  // Sets h.kind, h.base_id and h.depth to this position (full at depth 0).
  void stamp(RowHeader& h) const;
};

// DeltaOptions, checked once, and the decisions made from them.
class DeltaPolicy {
 public:
  // Throws InvalidArgument naming the option that is out of range.
  explicit DeltaPolicy(DeltaOptions options);

  const DeltaOptions& options() const noexcept { return options_; }

  // False for full_snapshot_interval 1: every row is a full row.
  bool writes_deltas() const noexcept { return options_.full_snapshot_interval > 1; }

  // Memory for recent states: none when no save diffs against them.
  std::size_t cache_bytes() const noexcept { return writes_deltas() ? options_.cache_bytes : 0; }

  // Whether the row after `parent` may be a delta at all (the interval);
  // asked before diffing.
  bool may_follow(const ChainPosition& parent) const noexcept {
    return static_cast<std::size_t>(parent.depth) + 1 < options_.full_snapshot_interval;
  }

  // When a delta is too large a share of its state (max_delta_fraction);
  // the diff applies it as it goes, to stop early.
  DeltaSizeLimit size_limit() const noexcept { return {options_.max_delta_fraction, kAlwaysSmallDeltaBytes}; }

  // Whether a delta of `delta_bytes` for a state of `state_bytes` is written
  // after `parent` rather than a full row: smaller than the state, not too
  // large, and within the chain's replay budget.
  bool delta_pays(std::size_t delta_bytes, std::size_t state_bytes, const ChainPosition& parent) const noexcept;

 private:
  DeltaOptions options_;
};

}  // namespace deltackpt::detail

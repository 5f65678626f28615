// diff() for a checkpointer's save: validates and sizes the new state in the
// same walk, so a small change to a large state costs a small amount.
#pragma once

#include <cstddef>

#include "deltackpt/diff.hpp"
#include "json_internal.hpp"

namespace deltackpt::detail {

// When a delta is too large a share of its state to be worth writing (the
// rule DeltaOptions::max_delta_fraction documents): over `always_small_bytes`
// and over `max_fraction` of the state. The default never says so.
struct DeltaSizeLimit {
  double max_fraction = 1.0;
  std::size_t always_small_bytes = 0;
  // The integer test first: it settles most calls (the diff asks per value).
  bool exceeded(std::size_t delta_bytes, std::size_t state_bytes) const noexcept {
    return delta_bytes > always_small_bytes &&
           static_cast<double>(delta_bytes) > max_fraction * static_cast<double>(state_bytes);
  }
};

struct MeasuredDiff {
  Json delta;
  // serialized_size(to), when to_valid.
  std::size_t to_bytes = 0;
  // False when `to` breaks a limit of validate_value; then delta and
  // to_bytes mean nothing, and validate_value(to) says what is wrong.
  bool to_valid = true;
  // True when the delta would surely exceed the size limit (it must carry
  // more new values than that whole): the diff stopped there, and delta and
  // to_bytes mean nothing; `to` was not fully checked.
  bool too_large = false;
};

// diff(from, to), plus the checks and the size validate_value(to) would
// give, computed only over what `to` does not share with `from`. Stops early
// once the delta is sure to exceed `limit` for `to`'s size.
// REQUIRES: from passes validate_value with `limits` and has serialized
// size `from_bytes` (a state this process saved or rebuilt and checked).
MeasuredDiff diff_measured(const Json& from, std::size_t from_bytes, const Json& to,
                           const DiffOptions& options, const ValueLimits& limits,
                           DeltaSizeLimit limit = {});

}  // namespace deltackpt::detail

// diff() for a checkpointer's save: validates and sizes the new state in the
// same walk, so a small change to a large state costs a small amount.
#pragma once

#include <cstddef>

#include "deltackpt/diff.hpp"
#include "json_internal.hpp"

namespace deltackpt::detail {

struct MeasuredDiff {
  Json delta;
  // serialized_size(to), when to_valid.
  std::size_t to_bytes = 0;
  // False when `to` breaks a limit of validate_value; then delta and
  // to_bytes mean nothing, and validate_value(to) says what is wrong.
  bool to_valid = true;
  // True when the delta would surely be larger than max_delta_fraction of
  // `to` and than min_stop_bytes (it must carry more new values than that
  // whole): the diff stopped
  // there, and delta and to_bytes mean nothing; `to` was not fully checked.
  bool too_large = false;
};

// diff(from, to), plus the checks and the size validate_value(to) would
// give, computed only over what `to` does not share with `from`. Stops early
// once the delta is sure to exceed both max_delta_fraction of `to`'s size
// and min_stop_bytes.
// REQUIRES: from passes validate_value with `limits` and has serialized
// size `from_bytes` (a state this process saved or rebuilt and checked).
MeasuredDiff diff_measured(const Json& from, std::size_t from_bytes, const Json& to,
                           const DiffOptions& options, const ValueLimits& limits,
                           double max_delta_fraction = 1.0, std::size_t min_stop_bytes = 0);

}  // namespace deltackpt::detail

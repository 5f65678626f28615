// A delta a caller hands to save_delta: the values it puts into a state,
// checked as a state's values are, and the smallest delta that does the same.
#pragma once

#include <string>

#include "deltackpt/diff.hpp"
#include "deltackpt/json.hpp"
#include "json_internal.hpp"

namespace deltackpt::detail {

// Checks each value `delta` would put into a state (`set` values, array
// `ins` elements, object keys it adds or patches, string `ins` text) as
// validate_value checks a state, at the depth the delta puts it, so that
// applying it to a valid state gives a valid state. Throws InvalidArgument
// naming `what` and the path. A malformed delta is left to the applier.
void validate_delta_values(const Json& delta, const ValueLimits& limits, const std::string& what);

// `delta` with each `set` of an object or array that `base` already has
// there replaced by diff()'s patch from the old value, where that is smaller:
// a caller may say "this value is now V" and the row still stores only what
// changed. Applies to `base` exactly as `delta` does. `delta` must have
// passed validate_delta_values, and `base` validate_value, with `limits`.
Json smallest_delta(const Json& base, const Json& delta, const DiffOptions& options, const ValueLimits& limits);

}  // namespace deltackpt::detail

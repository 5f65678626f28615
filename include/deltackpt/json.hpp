// The JSON value type of checkpoint states, and exact comparison of values.
#pragma once

#include <nlohmann/json.hpp>

#include "deltackpt/export.hpp"

namespace deltackpt {

// States keep their keys in insertion order, so a state comes back exactly as
// it was saved (an agent runtime in Python or JavaScript relies on that order).
using Json = nlohmann::ordered_json;

// True when `a` and `b` serialize to the same text: same types, same key
// order, integers by value, floats bit for bit (so 1 != 1.0 and 0.0 != -0.0).
// nlohmann's operator== is looser (1 == 1.0) and must not be used for this.
DELTACKPT_EXPORT bool same_value(const Json& a, const Json& b) noexcept;

// Number of bytes of `value.dump()`, computed without building the string.
// REQUIRES: `value` holds valid UTF-8 and no NaN or infinity.
DELTACKPT_EXPORT std::size_t serialized_size(const Json& value);

}  // namespace deltackpt

// The JSON value type of checkpoint states, and exact comparison of values.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "deltackpt/export.hpp"
#include "deltackpt/limits.hpp"

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

// Parses JSON text as a state is kept: exactly, or not at all. Throws
// InvalidArgument naming the place (a JSON pointer) for what nlohmann's own
// parse would change without a word: an integer beyond 64 bits (it becomes a
// float), a key repeated in one object (the last value wins); for nesting
// deeper than `max_depth`, refused before it is built; and for syntax
// errors, with the byte offset.
// What save() checks in a state on its own: a JSON object, no deeper than
// limits.max_depth, no NaN or infinity, valid UTF-8 everywhere, and at most
// limits.max_state_bytes of compact JSON, whose size it returns. Throws
// InvalidArgument naming the first problem and its JSON pointer, so a batch
// can be judged whole before any of it is saved.
DELTACKPT_EXPORT std::size_t check_state(const Json& state, const Limits& limits = {});

DELTACKPT_EXPORT Json parse_exact(std::string_view text, int max_depth = Limits{}.max_depth);

}  // namespace deltackpt

// Edit scripts between two strings that never split a UTF-8 code point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "deltackpt/diff.hpp"

namespace deltackpt::detail {

// A patch node turning `a` into `b`: {"text": [hunks]} when that is clearly
// smaller than the new text, else {"set": b}. `b_quoted`, when known, is
// quoted_size(b); with `quoted_change`, also sets it to quoted_size(b) -
// quoted_size(a), from the edits alone (neither string is read whole again).
// REQUIRES: a != b, both valid UTF-8.
Json diff_string(const std::string& a, const std::string& b, const DiffOptions& options,
                 std::optional<std::size_t> b_quoted = std::nullopt,
                 std::int64_t* quoted_change = nullptr);

}  // namespace deltackpt::detail

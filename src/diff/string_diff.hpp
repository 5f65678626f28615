// Edit scripts between two strings that never split a UTF-8 code point.
#pragma once

#include <string>

#include "deltackpt/diff.hpp"

namespace deltackpt::detail {

// A patch node turning `a` into `b`: {"text": [hunks]} when that is clearly
// smaller than the new text, else {"set": b}.
// REQUIRES: a != b, both valid UTF-8.
Json diff_string(const std::string& a, const std::string& b, const DiffOptions& options);

}  // namespace deltackpt::detail

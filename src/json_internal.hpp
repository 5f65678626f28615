// Internal helpers over Json values: hashing, bounded sizes, validation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "deltackpt/json.hpp"

namespace deltackpt::detail {

// A structural hash consistent with same_value (equal values, equal hashes).
// For in-process use only: it is not stable across builds and never stored.
std::uint64_t hash_value(const Json& value) noexcept;

// serialized_size(value), but stops counting once it exceeds `cap`: returns
// a number > cap in that case. Costs O(min(size, cap)).
std::size_t serialized_size_capped(const Json& value, std::size_t cap);

// Bytes of `s` as a JSON string literal, quotes included.
std::size_t quoted_size(std::string_view s) noexcept;

// Limits on what a state may hold; see validate_value.
struct ValueLimits {
  int max_depth = 128;
};

// Checks that `value` can be stored and read back exactly: nesting no deeper
// than limits.max_depth, no NaN or infinity, every string and key valid UTF-8.
// Returns serialized_size(value). Throws InvalidArgument naming `what` and the
// JSON pointer of the first offending value.
std::size_t validate_value(const Json& value, const ValueLimits& limits,
                           std::string_view what);

// Length of the longest valid UTF-8 prefix of `s` (== s.size() when valid).
std::size_t valid_utf8_prefix(std::string_view s) noexcept;

// True when byte `c` continues a UTF-8 sequence (10xxxxxx).
inline bool is_utf8_continuation(char c) noexcept {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

// Deepest nesting of arrays and objects in JSON text, found without parsing
// (brackets inside strings are skipped). Lets readers refuse hostile input
// before a recursive walk could overflow the stack.
int max_nesting(std::string_view json_text) noexcept;

// Appends "/" + `token` escaped as a JSON pointer reference token.
void append_pointer_token(std::string& pointer, std::string_view token);

}  // namespace deltackpt::detail

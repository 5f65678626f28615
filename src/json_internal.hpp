// Internal helpers over Json values: hashing, bounded sizes, validation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "deltackpt/json.hpp"

namespace deltackpt::detail {

// The vector under an ordered_json object: its members by position, without
// the iterator's type checks on every step.
using JsonMembers = Json::object_t::Container;
inline const JsonMembers& members_of(const Json& object) {
  return object.get_ref<const Json::object_t&>();
}
inline JsonMembers& members_of(Json& object) { return object.get_ref<Json::object_t&>(); }

// An integer as nlohmann stored it, read by its exact kind. nlohmann's
// get_ptr<number_integer_t*>() and get<std::int64_t>() also answer for an
// unsigned value and reinterpret 2^64-1 as -1, so integers are only ever
// read through this.
struct ExactInteger {
  bool negative = false;   // a signed value below zero
  std::uint64_t bits = 0;  // the value (two's complement when negative)
  bool operator==(const ExactInteger&) const = default;
};
inline ExactInteger exact_integer(const Json& v) noexcept {
  if (v.type() == Json::value_t::number_unsigned) {
    return {false, *v.get_ptr<const Json::number_unsigned_t*>()};
  }
  const std::int64_t i = *v.get_ptr<const Json::number_integer_t*>();
  return {i < 0, static_cast<std::uint64_t>(i)};
}

// same_value(a, b) for the common case of two scalars or strings of one
// type, inline; false when it cannot tell (then call same_value).
inline bool surely_same_leaf(const Json& a, const Json& b) noexcept {
  using Type = Json::value_t;
  const Type t = a.type();
  if (t != b.type()) return false;
  switch (t) {
    case Type::null: return true;
    case Type::boolean: return *a.get_ptr<const Json::boolean_t*>() == *b.get_ptr<const Json::boolean_t*>();
    case Type::number_integer:
      return *a.get_ptr<const Json::number_integer_t*>() == *b.get_ptr<const Json::number_integer_t*>();
    case Type::number_unsigned:
      return *a.get_ptr<const Json::number_unsigned_t*>() == *b.get_ptr<const Json::number_unsigned_t*>();
    case Type::number_float: {
      const double x = *a.get_ptr<const Json::number_float_t*>();
      const double y = *b.get_ptr<const Json::number_float_t*>();
      return std::memcmp(&x, &y, sizeof x) == 0;  // bit for bit: 0.0 != -0.0
    }
    case Type::string: return *a.get_ptr<const Json::string_t*>() == *b.get_ptr<const Json::string_t*>();
    default: return false;
  }
}

// A structural hash consistent with same_value (equal values, equal hashes).
// For in-process use only: it is not stable across builds and never stored.
std::uint64_t hash_value(const Json& value) noexcept;

// serialized_size(value), but stops counting once it exceeds `cap`: returns
// a number > cap in that case. Costs O(min(size, cap)).
std::size_t serialized_size_capped(const Json& value, std::size_t cap);

// One level deeper for the life of the guard: walks over nested values
// count the depth of the value at hand with it.
class DeeperLevel {
 public:
  explicit DeeperLevel(int& depth) : depth_(depth) { ++depth_; }
  ~DeeperLevel() { --depth_; }
  DeeperLevel(const DeeperLevel&) = delete;
  DeeperLevel& operator=(const DeeperLevel&) = delete;

 private:
  int& depth_;
};

// Serialized bytes of an object's braces, colons and commas, or an array's
// brackets and commas, for `n` members.
inline std::int64_t object_frame_bytes(std::size_t n) {
  return n == 0 ? 2 : 1 + 2 * static_cast<std::int64_t>(n);
}
inline std::int64_t array_frame_bytes(std::size_t n) {
  return n == 0 ? 2 : 1 + static_cast<std::int64_t>(n);
}

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

// Throws InvalidArgument ("<what> is N bytes, over the limit of M") when a
// state of `bytes` is over max_state_bytes.
void check_state_bytes(std::size_t bytes, std::size_t max_state_bytes, std::string_view what);

// What validate_value checks, for `value` found `depth` levels deep in a
// state: its serialized size, or std::nullopt when it breaks a limit (then
// validate_value on the whole state says where). Lets a save that diffs
// against a state known to be valid check only what changed.
std::optional<std::size_t> checked_size(const Json& value, int depth, int max_depth);

// quoted_size(s) when `s` is valid UTF-8, std::nullopt otherwise.
std::optional<std::size_t> checked_quoted_size(std::string_view s);

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

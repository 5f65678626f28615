// The tests' oracle for "the same JSON value": a type-tagged text of a value,
// written here so that it shares no code with what it judges (the library's
// same_value and hash_value, which a round-trip test must not trust: a bug in
// them once hid lost saves).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "deltackpt/json.hpp"

namespace deltackpt::testing {

// Integers are tagged "i" whatever kind nlohmann stored them as (a parsed 5
// is unsigned, a 5 built from an int is signed: the same JSON value); floats
// are tagged "f" with their bit pattern, so 1 != 1.0 and 0.0 != -0.0; strings
// and keys are length-prefixed; object members keep their order.
inline void append_exact_text(const Json& v, std::string& out) {
  using Type = Json::value_t;
  switch (v.type()) {
    case Type::null: out += 'n'; return;
    case Type::boolean: out += v.get<bool>() ? 'T' : 'F'; return;
    case Type::number_integer: {
      const std::int64_t i = v.get<std::int64_t>();  // the signed kind: read as signed
      out += 'i';
      out += std::to_string(i);
      out += ';';
      return;
    }
    case Type::number_unsigned:
      out += 'i';
      out += std::to_string(v.get<std::uint64_t>());
      out += ';';
      return;
    case Type::number_float: {
      const double d = v.get<double>();
      std::uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      out += 'f';
      out += std::to_string(bits);
      out += ';';
      return;
    }
    case Type::string: {
      const auto& s = v.get_ref<const std::string&>();
      out += 's';
      out += std::to_string(s.size());
      out += ':';
      out += s;
      return;
    }
    case Type::array:
      out += '[';
      out += std::to_string(v.size());
      out += ':';
      for (const auto& e : v) append_exact_text(e, out);
      out += ']';
      return;
    case Type::object:
      out += '{';
      out += std::to_string(v.size());
      out += ':';
      for (auto it = v.begin(); it != v.end(); ++it) {
        out += std::to_string(it.key().size());
        out += ':';
        out += it.key();
        append_exact_text(it.value(), out);
      }
      out += '}';
      return;
    case Type::binary: out += "binary"; return;
    case Type::discarded: out += "discarded"; return;
  }
}

inline std::string exact_text(const Json& v) {
  std::string out;
  append_exact_text(v, out);
  return out;
}

// True when `a` and `b` are exactly the same JSON value, key order included.
inline bool exactly_equal(const Json& a, const Json& b) { return exact_text(a) == exact_text(b); }

}  // namespace deltackpt::testing

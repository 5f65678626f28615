// Values at the edges of what JSON numbers and types can be, for tests that
// change one value into another: every ordered pair of them must round-trip.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "deltackpt/json.hpp"

namespace deltackpt::testing {

inline std::vector<Json> special_values() {
  using i64 = std::int64_t;
  using u64 = std::uint64_t;
  std::vector<Json> v;
  // Integers of both kinds nlohmann keeps: built signed, built unsigned and
  // parsed (non-negative text parses as unsigned).
  for (const i64 i : {i64{0}, i64{1}, i64{-1}, i64{2147483647}, i64{2147483648}, i64{-2147483648},
                      i64{-2147483649}, i64{9007199254740992}, i64{9007199254740993},
                      i64{-9007199254740993}, std::numeric_limits<i64>::max(),
                      std::numeric_limits<i64>::min(), std::numeric_limits<i64>::min() + 1}) {
    v.emplace_back(i);
  }
  for (const u64 u : {u64{1} << 63, (u64{1} << 63) + 1, std::numeric_limits<u64>::max(),
                      std::numeric_limits<u64>::max() - 1, u64{9007199254740993}}) {
    v.emplace_back(u);
  }
  for (const char* text : {"0", "1", "2147483647", "18446744073709551615", "9223372036854775807",
                           "9223372036854775808", "-9223372036854775808"}) {
    v.push_back(Json::parse(text));
  }
  // Floats, including the ones that print like integers or like each other.
  for (const double d : {0.0, -0.0, 1.0, -1.0, 1e308, -1e308, 5e-324, -5e-324,
                         2.2250738585072014e-308, 0.1, 1.0 / 3.0, 9007199254740992.0,
                         9007199254740993.0, 18446744073709551616.0, -9223372036854775808.0,
                         std::numeric_limits<double>::max(), 2147483648.0}) {
    v.emplace_back(d);
  }
  for (const char* text : {"1.0", "-0.0", "1e2", "0.30000000000000004"}) v.push_back(Json::parse(text));
  // Other types, and strings that spell numbers.
  v.emplace_back(true);
  v.emplace_back(false);
  v.emplace_back(nullptr);
  for (const char* s : {"", "1", "-1", "1.0", "18446744073709551615", "null", "true", "é"}) v.emplace_back(s);
  v.push_back(Json::array());
  v.push_back(Json::object());
  v.push_back(Json::parse("[null]"));
  v.push_back(Json::parse(R"({"":null})"));
  v.push_back(Json::parse("[0]"));
  v.push_back(Json::parse("[-0.0]"));
  v.push_back(Json::parse(R"({"a":18446744073709551615})"));
  v.push_back(Json::parse(R"({"a":-1})"));
  v.push_back(Json::parse("[[],{}]"));
  return v;
}

// `value` placed everywhere a change can hide: as a top-level member, in a
// nested object, first, in the middle of and last in arrays, deep inside
// nesting, and as an object's only member.
inline Json in_every_place(const Json& value) {
  Json state = Json::object();
  state["top"] = value;
  state["object"] = {{"before", 1}, {"x", value}, {"after", "z"}};
  state["first"] = Json::array({value, 1, 2});
  state["middle"] = Json::array({1, value, 2});
  state["last"] = Json::array({1, 2, value});
  state["deep"] = {{"a", Json::array({Json::object({{"b", Json::array({1, value})}})})}};
  state["alone"] = {{"only", value}};
  return state;
}

}  // namespace deltackpt::testing

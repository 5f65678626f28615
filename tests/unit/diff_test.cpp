// Property and example tests of diff() and apply_delta().
#define BOOST_TEST_MODULE diff
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>


#include "deltackpt/diff.hpp"
#include "deltackpt/errors.hpp"
#include "diff/measured_diff.hpp"
#include "json_internal.hpp"
#include "state_figures.hpp"
#include "support/exact_json.hpp"
#include "support/random_json.hpp"
#include "support/special_values.hpp"

using deltackpt::Json;
using deltackpt::apply_delta;
using deltackpt::diff;
using deltackpt::same_value;
using deltackpt::testing::exactly_equal;

namespace {

// What a save computes instead of validate_value(b): the same size, and the
// same delta as diff().
void check_measured(const Json& a, const Json& b) {
  const auto measured = deltackpt::detail::diff_measured(a, deltackpt::serialized_size(a), b, {},
                                                         deltackpt::detail::ValueLimits{});
  BOOST_TEST_REQUIRE(measured.to_valid, "a valid value measured as invalid: " << b.dump());
  if (measured.to_bytes != b.dump().size()) {
    BOOST_FAIL("measured size " << measured.to_bytes << " != " << b.dump().size() << "\n a: "
                                << a.dump() << "\n b: " << b.dump());
  }
  BOOST_TEST_REQUIRE(exactly_equal(measured.delta, diff(a, b)));
  // Stopping early is only allowed when the delta would be too large anyway.
  for (const double fraction : {0.1, 0.5}) {
    const auto stopped = deltackpt::detail::diff_measured(a, deltackpt::serialized_size(a), b, {},
                                                          deltackpt::detail::ValueLimits{}, {fraction});
    if (!stopped.too_large) continue;
    const double delta_bytes = static_cast<double>(diff(a, b).dump().size());
    BOOST_TEST_REQUIRE(delta_bytes > fraction * static_cast<double>(b.dump().size()),
                       "stopped at " << fraction << " for a small delta\n a: " << a.dump()
                                     << "\n b: " << b.dump());
  }
}

// Round-trips through the delta's text as well: that is what gets stored.
void check_round_trip(const Json& a, const Json& b) {
  check_measured(a, b);
  const Json delta = diff(a, b);
  const Json stored = Json::parse(delta.dump());
  const Json rebuilt = apply_delta(a, stored);
  const bool equal = exactly_equal(rebuilt, b);
  // What a save checks before it writes the delta: applied to `a`, it
  // carries a's figures to b's.
  Json target = a;
  deltackpt::detail::StateFigures figures{static_cast<std::int64_t>(a.dump().size()),
                                          deltackpt::detail::fingerprint(a)};
  deltackpt::detail::apply_delta_with_figures(target, stored, figures);
  BOOST_TEST_REQUIRE(figures.bytes == static_cast<std::int64_t>(b.dump().size()),
                     "size after applying\n a: " << a.dump() << "\n b: " << b.dump());
  BOOST_TEST_REQUIRE(figures.fingerprint == deltackpt::detail::fingerprint(b),
                     "fingerprint after applying\n a: " << a.dump() << "\n b: " << b.dump());
  BOOST_TEST(equal);
  if (!equal) {
    BOOST_FAIL("round trip failed\n a: " << a.dump() << "\n b: " << b.dump()
                                         << "\n delta: " << delta.dump()
                                         << "\n got: " << rebuilt.dump());
  }
}

std::size_t delta_bytes(const Json& a, const Json& b) { return diff(a, b).dump().size(); }

Json message(int i, std::size_t chars) {
  return Json{{"role", i % 2 ? "assistant" : "user"},
              {"content", std::string(chars, static_cast<char>('a' + i % 26))},
              {"id", "m" + std::to_string(i)}};
}

}  // namespace

BOOST_AUTO_TEST_CASE(type_exact_values_round_trip) {
  const Json values[] = {1, 1.0, -0.0, 0.0, 0, Json(std::uint64_t{18446744073709551615ULL}),
                         Json(std::int64_t{-9223372036854775807LL - 1}),
                         Json(std::uint64_t{9007199254740993ULL}), "1", true, nullptr,
                         Json::array(), Json::object(), Json{{"a", 1}}, Json{1, 2}};
  for (const auto& a : values) {
    for (const auto& b : values) {
      check_round_trip(a, b);
      check_round_trip(Json{{"k", a}}, Json{{"k", b}});
      check_round_trip(Json{a, 7}, Json{b, 7});
    }
  }
  BOOST_TEST(!same_value(Json(1), Json(1.0)));
  BOOST_TEST(!same_value(Json(0.0), Json(-0.0)));
  BOOST_TEST(same_value(Json(5), Json::parse("5")));  // signed vs parsed unsigned
  BOOST_TEST(!same_value(Json{{"a", 1}, {"b", 2}}, Json{{"b", 2}, {"a", 1}}));  // key order
}

// Every ordered pair of edge values, in every place a change can hide: the
// delta (through its stored text) turns one into the other exactly, and the
// library's comparison and hash agree with the test's own oracle.
BOOST_AUTO_TEST_CASE(every_pair_of_special_values_round_trips) {
  const auto values = deltackpt::testing::special_values();
  BOOST_TEST_REQUIRE(values.size() >= 40u);
  std::size_t pairs = 0;
  for (const auto& a : values) {
    for (const auto& b : values) {
      const bool same = exactly_equal(a, b);
      BOOST_TEST_REQUIRE(same_value(a, b) == same, "same_value(" << a.dump() << ", " << b.dump() << ")");
      if (same) {
        BOOST_TEST_REQUIRE(deltackpt::detail::hash_value(a) == deltackpt::detail::hash_value(b));
      }
      const Json from = deltackpt::testing::in_every_place(a);
      const Json to = deltackpt::testing::in_every_place(b);
      check_round_trip(from, to);
      if (!same) {
        BOOST_TEST_REQUIRE(diff(from, to).size() > 1u, "no change found from " << a.dump() << " to " << b.dump());
      }
      ++pairs;
    }
  }
  BOOST_TEST_MESSAGE("figure: " << pairs << " ordered pairs of " << values.size()
                                << " special values round-trip in 7 places each");
}

// The check a save makes before writing a delta refuses one that does not
// rebuild the state: a missed change, a change to the wrong value, a delta
// that does not fit.
BOOST_AUTO_TEST_CASE(a_delta_that_does_not_rebuild_the_state_is_refused) {
  using deltackpt::detail::StateFigures;
  const Json a = Json::parse(R"({"n":18446744073709551615,"list":[1,2,3],"s":"hello"})");
  Json b = a;
  b["n"] = -1;
  const auto figures = [](const Json& v) {
    return StateFigures{static_cast<std::int64_t>(v.dump().size()), deltackpt::detail::fingerprint(v)};
  };
  const auto rebuilds = [&](const Json& delta) {
    Json target = a;
    return deltackpt::detail::delta_rebuilds(target, figures(a), delta, figures(b));
  };
  BOOST_TEST(rebuilds(diff(a, b)));
  BOOST_TEST(!rebuilds(Json::parse(R"({"v":1})")));                          // the reported bug
  BOOST_TEST(!rebuilds(Json::parse(R"({"v":1,"keys":{"n":{"set":-2}}})")));  // same size, other value
  BOOST_TEST(!rebuilds(Json::parse(R"({"v":1,"keys":{"n":{"set":-1.0}}})")));
  BOOST_TEST(!rebuilds(Json::parse(R"({"v":1,"keys":{"s":{"set":-1}}})")));   // wrong place
  BOOST_TEST(!rebuilds(Json::parse(R"({"v":1,"keys":{"list":{"text":[]}}})")));  // does not fit
  // Every special value differs from every other in the fingerprint.
  const auto values = deltackpt::testing::special_values();
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (std::size_t j = 0; j < values.size(); ++j) {
      if (exactly_equal(values[i], values[j])) continue;
      BOOST_TEST_REQUIRE(deltackpt::detail::fingerprint(deltackpt::testing::in_every_place(values[i])) !=
                             deltackpt::detail::fingerprint(deltackpt::testing::in_every_place(values[j])),
                         values[i].dump() << " vs " << values[j].dump());
    }
  }
}

// The reported case: an unsigned 2^64-1 and a signed -1 share their bits.
BOOST_AUTO_TEST_CASE(unsigned_max_is_not_minus_one) {
  const Json big = Json::parse("18446744073709551615");
  const Json minus_one = Json::parse("-1");
  BOOST_TEST(!same_value(big, minus_one));
  BOOST_TEST(!same_value(Json(std::numeric_limits<std::uint64_t>::max()), Json(-1)));
  BOOST_TEST(deltackpt::detail::hash_value(big) != deltackpt::detail::hash_value(minus_one));
  const Json a = {{"a", big}, {"b", "a longer value, so that the delta patches a key"}};
  Json b = a;
  b["a"] = minus_one;
  const Json delta = diff(a, b);
  BOOST_TEST(delta.dump() == R"({"v":1,"keys":{"a":{"set":-1}}})");
  BOOST_TEST(exactly_equal(apply_delta(a, delta), b));
}

BOOST_AUTO_TEST_CASE(key_order_is_kept) {
  const Json a = Json::parse(R"({"a":1,"b":2,"c":3})");
  check_round_trip(a, Json::parse(R"({"c":3,"a":1,"b":2})"));
  check_round_trip(a, Json::parse(R"({"a":1,"x":0,"c":3})"));
  check_round_trip(a, Json::parse(R"({"b":2,"a":1})"));
  check_round_trip(a, Json::parse(R"({"a":1,"c":3,"d":4})"));
}

BOOST_AUTO_TEST_CASE(serialized_size_matches_dump) {
  deltackpt::testing::RandomJson random(deltackpt::testing::test_seed());
  for (int i = 0; i < 2000; ++i) {
    const Json v = random.value(6, 60);
    BOOST_TEST_REQUIRE(deltackpt::serialized_size(v) == v.dump().size(), v.dump());
  }
}

BOOST_AUTO_TEST_CASE(random_pairs_round_trip) {
  const std::uint64_t seed = deltackpt::testing::test_seed();
  BOOST_TEST_MESSAGE("random_pairs_round_trip seed: " << seed << " (DELTACKPT_TEST_SEED)");
  deltackpt::testing::RandomJson random(seed);
  int unrelated = 0, mutated = 0;
  for (int i = 0; i < 10000; ++i) {
    check_round_trip(random.value(5, 40), random.value(5, 40));
    ++unrelated;
  }
  for (int i = 0; i < 12000; ++i) {
    const Json a = random.value(i % 50 == 0 ? 24 : 6, i % 10 == 0 ? 600 : 80);
    Json b = a;
    int depth = 0;
    const std::size_t introduced = random.mutate(b, depth);
    check_round_trip(a, b);
    check_round_trip(b, a);
    // A small change costs about its own size, whatever the size of the value.
    const std::size_t bytes = delta_bytes(a, b);
    const std::size_t bound = 2 * introduced + 96 * static_cast<std::size_t>(depth + 2);
    if (bytes > bound && bytes > b.dump().size() + 16) {
      BOOST_FAIL("delta of a small mutation is large: " << bytes << " > " << bound
                                                        << "\n a: " << a.dump() << "\n b: " << b.dump()
                                                        << "\n delta: " << diff(a, b).dump());
    }
    ++mutated;
  }
  BOOST_TEST_MESSAGE("pairs checked: " << unrelated << " unrelated, " << mutated << " mutated");
}

// A value that breaks a limit, put somewhere in `v`: diff_measured must see
// it wherever it lands, since a save trusts it instead of validate_value.
void plant(deltackpt::testing::RandomJson& random, Json& v, const Json& bad, bool as_key) {
  Json* at = &v;
  while ((at->is_array() || at->is_object()) && !at->empty() && random.chance(60)) {
    const std::size_t i = random.below(at->size());
    at = at->is_array() ? &(*at)[i] : &std::next(at->begin(), static_cast<std::ptrdiff_t>(i)).value();
  }
  if (as_key) {
    if (!at->is_object()) *at = Json::object();
    (*at)[std::string("key\xff") + std::to_string(random.below(9))] = 1;
  } else if (at->is_array() && !at->empty()) {
    (*at)[random.below(at->size())] = bad;
  } else if (at->is_object()) {
    (*at)["planted"] = bad;
  } else {
    *at = bad;
  }
}

BOOST_AUTO_TEST_CASE(measured_diff_finds_what_validate_value_finds) {
  const std::uint64_t seed = deltackpt::testing::test_seed() + 1;
  BOOST_TEST_MESSAGE("measured_diff seed: " << seed);
  deltackpt::testing::RandomJson random(seed);
  const deltackpt::detail::ValueLimits limits{8};
  Json too_deep = 1;
  for (int d = 0; d < 9; ++d) too_deep = Json::array({too_deep});
  const Json bad_values[] = {Json(std::nan("")), Json(std::numeric_limits<double>::infinity()),
                             Json(std::string("ok\xc3")), Json(std::string("\xed\xa0\x80")),
                             too_deep};
  int checked = 0;
  for (int i = 0; i < 4000; ++i) {
    const Json a = Json{{"state", random.value(5, 40)}};
    Json b = a;
    int depth = 0;
    if (random.chance(50)) random.mutate(b, depth);
    const int kind = static_cast<int>(random.below(std::size(bad_values) + 1));
    plant(random, b, kind < static_cast<int>(std::size(bad_values)) ? bad_values[kind] : Json(),
          kind == static_cast<int>(std::size(bad_values)));
    const bool valid = [&] {
      try {
        deltackpt::detail::validate_value(b, limits, "b");
        return true;
      } catch (const deltackpt::InvalidArgument&) {
        return false;
      }
    }();
    const auto measured =
        deltackpt::detail::diff_measured(a, deltackpt::serialized_size(a), b, {}, limits);
    BOOST_TEST_REQUIRE(measured.to_valid == valid, "b: " << b.dump(-1, ' ', false,
                                                               Json::error_handler_t::replace));
    if (valid) BOOST_TEST_REQUIRE(measured.to_bytes == b.dump().size());
    ++checked;
  }
  BOOST_TEST(checked == 4000);
}

BOOST_AUTO_TEST_CASE(many_dropped_keys_of_a_large_object) {
  Json a = Json::object();
  for (int i = 0; i < 300; ++i) a["key_number_" + std::to_string(i)] = i % 7 == 0 ? Json("v") : Json(i);
  Json b = Json::object();
  for (int i = 0; i < 300; ++i) {
    if (i % 11 == 3) continue;  // dropped, scattered
    b["key_number_" + std::to_string(i)] = i % 13 == 0 ? Json(-i) : a["key_number_" + std::to_string(i)];
  }
  b["added_1"] = Json::array({1, 2});
  b["added_2"] = "x";
  check_round_trip(a, b);
  check_round_trip(b, a);
  BOOST_TEST(diff(a, b)["drop"].size() == 27U);
}

BOOST_AUTO_TEST_CASE(measured_diff_stops_on_a_replaced_list) {
  Json a = Json{{"step", 1}, {"rows", Json::array()}};
  Json b = Json{{"step", 2}, {"rows", Json::array()}};
  for (int i = 0; i < 200; ++i) {
    a["rows"].push_back(Json{{"id", i}, {"name", "old row " + std::to_string(i)}});
    b["rows"].push_back(Json{{"id", 1000 + i}, {"name", "new row " + std::to_string(i)}});
  }
  const auto measured = deltackpt::detail::diff_measured(
      a, deltackpt::serialized_size(a), b, {}, deltackpt::detail::ValueLimits{}, {0.5});
  BOOST_TEST(measured.too_large);
  check_round_trip(a, b);  // unstopped, the same pair diffs as usual
  // One appended row is far below the limit.
  Json c = a;
  c["rows"].push_back(b["rows"][0]);
  BOOST_TEST(!deltackpt::detail::diff_measured(a, deltackpt::serialized_size(a), c, {},
                                               deltackpt::detail::ValueLimits{}, {0.5})
                  .too_large);
}

BOOST_AUTO_TEST_CASE(appended_message_is_stored_once_as_itself) {
  Json a = Json{{"messages", Json::array()}, {"step", 1}};
  for (int i = 0; i < 1000; ++i) a["messages"].push_back(message(i, 300));
  Json b = a;
  b["messages"].push_back(message(1000, 300));
  b["step"] = 2;
  const Json delta = diff(a, b);
  BOOST_TEST(exactly_equal(delta["keys"]["messages"]["edits"][0]["ins"][0], message(1000, 300)));
  BOOST_TEST(delta.dump().size() < 420u);
  check_round_trip(a, b);
}

BOOST_AUTO_TEST_CASE(insert_at_front_costs_one_message) {
  Json a = Json::array();
  for (int i = 0; i < 1000; ++i) a.push_back(message(i, 200));
  Json b = a;
  b.insert(b.begin(), message(-1, 200));
  BOOST_TEST(delta_bytes(a, b) < 320u);
  check_round_trip(a, b);
  // A move and an in-place change in the middle also stay small.
  Json c = a;
  Json moved = c[500];
  c.erase(c.begin() + 500);
  c.insert(c.begin() + 100, moved);
  c[700]["content"] = "changed";
  BOOST_TEST(delta_bytes(a, c) < 200u, diff(a, c).dump());
  check_round_trip(a, c);
}

BOOST_AUTO_TEST_CASE(a_replaced_list_is_one_delete_and_one_insert) {
  // A fresh query result replacing the last one: nothing in common, so no
  // element-by-element pairing (which would cost time and bytes for nothing).
  Json a = Json::array(), b = Json::array();
  for (int i = 0; i < 300; ++i) {
    a.push_back({{"id", i}, {"name", "alpha " + std::to_string(i * 7)}, {"score", i * 0.5}});
    b.push_back({{"id", 1000 + i}, {"label", "omega " + std::to_string(i * 11)}, {"ok", i % 2 == 0}});
  }
  const Json history(std::string(50000, 'h'));  // unchanged, so the root stays a patch
  const Json before{{"history", history}, {"last_result", a}};
  const Json after{{"history", history}, {"last_result", b}};
  const Json delta = diff(before, after);
  BOOST_TEST_REQUIRE(delta.contains("keys"), delta.dump().substr(0, 200));
  const Json& node = delta.at("keys").at("last_result");
  BOOST_TEST((node.contains("set") || node.at("edits").size() == 2u), node.dump().substr(0, 200));
  check_round_trip(before, after);
  // Whereas a list whose every element changed a little keeps nested patches.
  for (auto& e : a) e["name"] = e["name"].get<std::string>() + std::string(200, '.');
  Json c = a;
  for (auto& e : c) e["score"] = e["score"].get<double>() + 1.0;
  const Json small = diff(a, c);
  BOOST_TEST(small.dump().size() < c.dump().size() / 2);
  check_round_trip(a, c);
}

BOOST_AUTO_TEST_CASE(large_text_with_few_edits) {
  std::string doc;
  for (int i = 0; i < 1500; ++i) {
    doc += "Line " + std::to_string(i) + " of the document, with some words — ünïcödé 中文 😀.\n";
  }
  std::string edited = doc;
  edited.insert(10000, "INSERTED ");
  edited.replace(50000, 5, "xyz");
  edited.erase(90000, 20);
  const Json a = doc, b = edited;
  BOOST_TEST(doc.size() > 100000u);
  BOOST_TEST(delta_bytes(a, b) < 200u, diff(a, b).dump());
  check_round_trip(a, b);
}

BOOST_AUTO_TEST_CASE(unrelated_large_texts_are_replaced_without_a_search) {
  // Two unrelated 60 KB texts share almost no lines or words: the cost guard
  // must skip the quadratic edit-script search and store the new text whole
  // (unbounded, dtl takes seconds and tens of MB here; bench/ measures time).
  deltackpt::testing::RandomJson random(7);
  std::string x, y;
  while (x.size() < 60000) x += "alpha " + std::to_string(random.below(1u << 30)) + "\n";
  while (y.size() < 60000) y += "omega " + std::to_string(random.below(1u << 30)) + "\n";
  const Json delta = diff(Json(x), Json(y));
  BOOST_TEST(delta.contains("set"));
  check_round_trip(Json(x), Json(y));
}

BOOST_AUTO_TEST_CASE(string_edits_never_split_code_points) {
  std::string pad(200, '.');
  const Json a = pad + "😀😀😀 中文中文 ééé" + pad;
  const Json b = pad + "😀😁😀 中文字文 éèé" + pad;
  const Json delta = diff(a, b);
  check_round_trip(a, b);
  BOOST_TEST_REQUIRE(delta.contains("text"), delta.dump());
  BOOST_TEST(delta["text"].size() >= 1u);
  for (const auto& hunk : delta["text"]) {
    const std::size_t at = hunk["at"].get<std::size_t>();
    BOOST_TEST(!deltackpt::detail::is_utf8_continuation(a.get_ref<const std::string&>()[at]));
  }
}

BOOST_AUTO_TEST_CASE(bad_deltas_are_corruption) {
  const Json base = Json{{"list", {1, 2, 3}}, {"text", "hello"}, {"n", 1}};
  const char* bad[] = {
      R"({"v":2})",
      R"({"keys":{}})",
      R"({"v":"1"})",
      R"([1,2])",
      R"({"v":1,"keys":{"list":{"edits":[{"at":4,"ins":[1]}]}}})",
      R"({"v":1,"keys":{"list":{"edits":[{"at":2,"del":5}]}}})",
      R"({"v":1,"keys":{"list":{"edits":[{"at":1,"copy":3}]}}})",
      R"({"v":1,"keys":{"list":{"edits":[{"at":2,"del":1},{"at":1,"del":1}]}}})",
      R"({"v":1,"keys":{"list":{"edits":[{"at":0,"frobnicate":1}]}}})",
      R"({"v":1,"keys":{"list":{"edits":[{"at":-1,"del":1}]}}})",
      R"({"v":1,"keys":{"text":{"edits":[]}}})",
      R"({"v":1,"keys":{"text":{"text":[{"at":9,"ins":"x"}]}}})",
      R"({"v":1,"keys":{"text":{"text":[{"at":1,"del":1,"ins":7}]}}})",
      R"({"v":1,"keys":{"n":{"keys":{}}}})",
      R"({"v":1,"keys":{"missing":{"text":[]}}})",
      R"({"v":1,"drop":["missing"]})",
      R"({"v":1,"drop":["n","n"]})",
      R"({"v":1,"bogus":1})",
      R"({"v":1,"set":1,"keys":{}})",
  };
  for (const char* text : bad) {
    BOOST_CHECK_THROW(apply_delta(base, Json::parse(text)), deltackpt::Corruption);
  }
  // A text edit inside a multi-byte character.
  BOOST_CHECK_THROW(apply_delta(Json("é"), Json::parse(R"({"v":1,"text":[{"at":1,"del":1}]})")),
                    deltackpt::Corruption);
  BOOST_TEST(exactly_equal(apply_delta(base, Json::parse(R"({"v":1})")), base));
}

// parse_exact and check_state: what a state's text may hold to be kept
// exactly, judged by the tests' own type-tagged text (tests/support/exact_json.hpp).
#define BOOST_TEST_MODULE json_parse
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>

#include "deltackpt/errors.hpp"
#include "deltackpt/json.hpp"
#include "support/exact_json.hpp"
#include "support/random_json.hpp"

using namespace deltackpt;
using deltackpt::testing::exact_text;

namespace {

// The message of the InvalidArgument parse_exact throws for `text`.
std::string refusal(const std::string& text, int max_depth = 128) {
  try {
    parse_exact(text, max_depth);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  BOOST_ERROR("accepted: " << text);
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(random_values_come_back_exactly) {
  const std::uint64_t seed = deltackpt::testing::test_seed();
  BOOST_TEST_MESSAGE("DELTACKPT_TEST_SEED=" << seed);
  deltackpt::testing::RandomJson random(seed);
  for (int i = 0; i < 2000; ++i) {
    const Json v = random.value(6, 60);
    const std::string text = v.dump();
    BOOST_TEST_REQUIRE(exact_text(parse_exact(text)) == exact_text(v), "text " << text);
    // Whitespace and key order as written.
    BOOST_TEST_REQUIRE(exact_text(parse_exact(v.dump(2))) == exact_text(v));
  }
}

BOOST_AUTO_TEST_CASE(the_limits_of_64_bit_integers_are_kept_and_beyond_them_refused) {
  BOOST_TEST(parse_exact(R"({"a":-9223372036854775808,"b":18446744073709551615,"c":9223372036854775807})").dump() ==
             R"({"a":-9223372036854775808,"b":18446744073709551615,"c":9223372036854775807})");
  for (const char* text : {R"({"n":18446744073709551616})", R"({"n":-9223372036854775809})",
                           R"({"x":{"n":[1,123456789012345678901234567890]}})"}) {
    const std::string why = refusal(text);
    BOOST_TEST(contains(why, "does not fit in 64 bits"), why);
  }
  BOOST_TEST(contains(refusal(R"({"x":{"n":[1,123456789012345678901234567890]}})"), "\"/x/n/1\""));
  // Floats are floats, however long: only integers are refused.
  BOOST_TEST(parse_exact(R"([1.5,1e300,123456789012345678901234567890.0])").dump() ==
             "[1.5,1e+300,1.2345678901234568e+29]");
}

BOOST_AUTO_TEST_CASE(a_repeated_key_is_refused_in_small_and_large_objects) {
  BOOST_TEST(contains(refusal(R"({"a":1,"b":2,"a":3})"), "key \"a\" appears twice"));
  std::string large = "{";
  for (int i = 0; i < 100; ++i) large += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  BOOST_TEST(parse_exact(large.substr(0, large.size() - 1) + "}").size() == 100u);
  BOOST_TEST(contains(refusal(large + "\"k57\":0}"), "key \"k57\" appears twice"));
  BOOST_TEST(contains(refusal(R"({"outer":{"x":1,"x":2}})"), "\"/outer/x\""));
  // The same key in sibling objects is fine.
  BOOST_TEST(parse_exact(R"([{"a":1},{"a":2}])").size() == 2u);
}

BOOST_AUTO_TEST_CASE(nesting_is_refused_beyond_the_limit_before_it_is_built) {
  const auto nested = [](std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  BOOST_TEST(parse_exact(nested(128)).is_array());
  BOOST_TEST(contains(refusal(nested(129)), "deeper than 128"));
  BOOST_TEST(contains(refusal(nested(11), 10), "deeper than 10"));
  // Far deeper than any stack would take, if it were built recursively.
  BOOST_TEST(contains(refusal(nested(1'000'000)), "deeper than 128"));
}

BOOST_AUTO_TEST_CASE(syntax_errors_say_where_without_the_parsers_codes) {
  const std::string why = refusal(R"({"a": nope})");
  BOOST_TEST(contains(why, "not valid JSON"), why);
  BOOST_TEST(contains(why, "column"), why);
  BOOST_TEST(!contains(why, "json.exception"), why);
  BOOST_TEST(contains(refusal(R"({"a":1} trailing)"), "not valid JSON"));
  BOOST_TEST(contains(refusal("{\"a\":\"\xff\"}"), "not valid JSON"));
  // nlohmann's own parse stops at a NUL and drops what follows.
  BOOST_TEST(contains(refusal(std::string("{\"a\":1}\0{\"b\":2}", 15)), "NUL byte at byte 7"));
  BOOST_TEST(parse_exact(R"({"a":"\u0000"})")["a"].get<std::string>() == std::string(1, '\0'));
}

BOOST_AUTO_TEST_CASE(check_state_refuses_what_a_save_would) {
  Limits small;
  small.max_state_bytes = 20;
  small.max_depth = 3;
  BOOST_TEST(check_state(Json::parse(R"({"a":[1,2]})"), small) == 11u);
  BOOST_CHECK_THROW(check_state(Json::array(), small), InvalidArgument);
  BOOST_CHECK_THROW(check_state(Json::parse(R"({"a":"0123456789abcdef"})"), small), InvalidArgument);
  BOOST_CHECK_THROW(check_state(Json::parse(R"({"a":[[[1]]]})"), small), InvalidArgument);
  BOOST_CHECK_THROW(check_state(Json{{"a", std::nan("")}}, small), InvalidArgument);
  BOOST_CHECK_THROW(check_state(Json{{"a", std::string("\xc3")}}, small), InvalidArgument);
}

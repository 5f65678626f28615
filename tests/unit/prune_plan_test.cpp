// plan_prune: what prune() deletes and rewrites, judged against plans worked
// out by hand for small trees of headers.
#define BOOST_TEST_MODULE prune_plan
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "deltackpt/errors.hpp"
#include "prune_plan.hpp"

using namespace deltackpt;
using deltackpt::detail::PrunePlan;
using deltackpt::detail::plan_prune;

namespace {

const Timestamp kNow = parse_timestamp("2026-12-01T12:00:00Z");

// A header as a store returns it, created `age_s` seconds before kNow.
RowHeader row(const std::string& id, const std::string& parent, RowKind kind, const std::string& base,
              int depth, int age_s = 0) {
  RowHeader h;
  h.thread_id = "t";
  h.checkpoint_id = id;
  h.parent_id = parent;
  h.kind = kind;
  h.base_id = base;
  h.depth = depth;
  h.state_size = 100;
  h.created_at = kNow - std::chrono::seconds(age_s);
  return h;
}

constexpr RowKind F = RowKind::kFull;
constexpr RowKind D = RowKind::kDelta;

// "id:kind:base:depth" per change, in order: easy to compare with a plan
// written out by hand.
std::vector<std::string> changes(const PrunePlan& plan, const std::vector<RowHeader>& headers) {
  std::vector<std::string> out;
  for (const auto& c : plan.changes) {
    BOOST_TEST(c.header.checkpoint_id == headers[c.index].checkpoint_id);
    out.push_back(c.header.checkpoint_id + ":" + to_string(c.header.kind) + ":" + c.header.base_id + ":" +
                  std::to_string(c.header.depth) + (c.becomes_full ? ":rewritten" : ""));
  }
  return out;
}

using Strings = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_CASE(keep_last_cuts_a_chain_and_starts_a_new_one_at_the_first_kept_delta) {
  const std::vector<RowHeader> h = {row("a", "", F, "a", 0), row("b", "a", D, "a", 1), row("c", "b", D, "a", 2),
                                    row("d", "c", D, "a", 3), row("e", "d", D, "a", 4)};
  const PrunePlan plan = plan_prune(h, {.keep_last = 2}, kNow);
  BOOST_TEST(plan.remove == (Strings{"a", "b", "c"}));
  BOOST_TEST(changes(plan, h) == (Strings{"d:full:d:0:rewritten", "e:delta:d:1"}));
  BOOST_TEST(plan.rewritten_as_full() == 1u);
}

BOOST_AUTO_TEST_CASE(a_kept_full_row_needs_nothing_rewritten) {
  const std::vector<RowHeader> h = {row("a", "", F, "a", 0), row("b", "a", D, "a", 1), row("c", "b", F, "c", 0),
                                    row("d", "c", D, "c", 1)};
  const PrunePlan plan = plan_prune(h, {.keep_last = 2}, kNow);
  BOOST_TEST(plan.remove == (Strings{"a", "b"}));
  BOOST_TEST(changes(plan, h).empty());
}

BOOST_AUTO_TEST_CASE(nothing_to_remove_is_an_empty_plan) {
  const std::vector<RowHeader> h = {row("a", "", F, "a", 0), row("b", "a", D, "a", 1)};
  BOOST_TEST(plan_prune(h, {.keep_last = 5}, kNow).remove.empty());
  BOOST_TEST(plan_prune(h, {}, kNow).remove.empty());
  BOOST_TEST(plan_prune({}, {.keep_last = 0}, kNow).remove.empty());
}

BOOST_AUTO_TEST_CASE(the_newest_row_is_kept_whatever_the_policy_says) {
  const std::vector<RowHeader> h = {row("a", "", F, "a", 0, 300), row("b", "a", D, "a", 1, 200)};
  const PrunePlan by_count = plan_prune(h, {.keep_last = 0}, kNow);
  BOOST_TEST(by_count.remove == (Strings{"a"}));
  BOOST_TEST(changes(by_count, h) == (Strings{"b:full:b:0:rewritten"}));
  const PrunePlan by_age = plan_prune(h, {.max_age = std::chrono::seconds(10)}, kNow);
  BOOST_TEST(by_age.remove == (Strings{"a"}));
}

BOOST_AUTO_TEST_CASE(max_age_keeps_rows_at_or_after_the_cutoff) {
  const std::vector<RowHeader> h = {row("a", "", F, "a", 0, 120), row("b", "a", D, "a", 1, 60),
                                    row("c", "b", D, "a", 2, 30), row("d", "c", D, "a", 3, 0)};
  const PrunePlan plan = plan_prune(h, {.max_age = std::chrono::seconds(60)}, kNow);
  BOOST_TEST(plan.remove == (Strings{"a"}));  // b is exactly 60 s old: kept
  BOOST_TEST(changes(plan, h) == (Strings{"b:full:b:0:rewritten", "c:delta:b:1", "d:delta:b:2"}));
  // Both limits: a row goes when either says so.
  const PrunePlan both = plan_prune(h, {.keep_last = 3, .max_age = std::chrono::seconds(45)}, kNow);
  BOOST_TEST(both.remove == (Strings{"a", "b"}));
}

BOOST_AUTO_TEST_CASE(an_age_beyond_the_clocks_range_keeps_every_row) {
  // now - age would overflow and wrap into the future, deleting everything
  // but the newest row: each of these ages once did.
  const std::vector<RowHeader> h = {row("a", "", F, "a", 0, 3600), row("b", "a", D, "a", 1, 60),
                                    row("c", "b", D, "a", 2, 0)};
  for (const std::chrono::microseconds age :
       {std::chrono::microseconds::max(), std::chrono::microseconds(std::chrono::seconds(9223372036854))}) {
    const PrunePlan plan = plan_prune(h, {.max_age = age}, kNow);
    BOOST_TEST(plan.remove.empty(), "age " << age.count() << " us removed " << plan.remove.size());
  }
  // An age within the range still cuts where it says.
  BOOST_TEST(plan_prune(h, {.max_age = std::chrono::seconds(3599)}, kNow).remove == (Strings{"a"}));
}

BOOST_AUTO_TEST_CASE(branches_are_rechained_on_their_own) {
  // a - b - c           (c: one branch)
  //      \- d - e       (d, e: a fork from b, saved later)
  const std::vector<RowHeader> h = {row("a", "", F, "a", 0), row("b", "a", D, "a", 1), row("c", "b", D, "a", 2),
                                    row("d", "b", D, "a", 2), row("e", "d", D, "a", 3)};
  const PrunePlan plan = plan_prune(h, {.keep_last = 3}, kNow);
  BOOST_TEST(plan.remove == (Strings{"a", "b"}));
  BOOST_TEST(changes(plan, h) == (Strings{"c:full:c:0:rewritten", "d:full:d:0:rewritten", "e:delta:d:1"}));
}

BOOST_AUTO_TEST_CASE(a_kept_delta_whose_parent_is_unknown_is_corruption) {
  const std::vector<RowHeader> h = {row("a", "", F, "a", 0), row("b", "zz", D, "a", 1), row("c", "b", D, "a", 2)};
  try {
    plan_prune(h, {.keep_last = 2}, kNow);
    BOOST_ERROR("no Corruption");
  } catch (const Corruption& e) {
    BOOST_TEST(e.checkpoint_id() == "b");
    BOOST_TEST(std::string(e.what()).find("zz") != std::string::npos);
  }
}

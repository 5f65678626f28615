// DeltaCheckpointer over the memory backend, driven by the agent workloads.
#define BOOST_TEST_MODULE delta_checkpointer
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <map>

#include "deltackpt/deltackpt.hpp"
#include "deltackpt/maintenance.hpp"
#include "row_codec.hpp"
#include "state_cache.hpp"
#include "support/full_rows.hpp"
#include "support/exact_json.hpp"
#include "support/printers.hpp"
#include "workloads.hpp"

using namespace deltackpt;
using deltackpt::testing::exactly_equal;

namespace {

std::unique_ptr<DeltaCheckpointer> delta_memory(DeltaOptions options = {}) {
  return std::make_unique<DeltaCheckpointer>(open_memory(), options);
}

// Saves every state of a workload as the next checkpoint of `thread`.
std::vector<std::string> ingest(Checkpointer& cp, const std::string& thread,
                                const std::vector<Json>& states) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < states.size(); ++i) {
    Checkpoint c;
    c.thread_id = thread;
    c.step = static_cast<std::int64_t>(i);
    c.state = states[i];
    c.metadata = {{"source", "test"}, {"even", i % 2 == 0}};
    c.pending_nodes = {"node" + std::to_string(i % 3)};
    ids.push_back(cp.save(c));
  }
  return ids;
}

// Flips one byte of the stored payload of `id`.
void corrupt_payload(RowStore& store, const std::string& thread, const std::string& id) {
  for (auto row : store.rows(thread)) {
    if (row.header.checkpoint_id != id) continue;
    row.payload[row.payload.size() / 2] ^= 0x20;
    store.rewrite(thread, {row}, {});
    return;
  }
  BOOST_FAIL("no row " << id);
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_workload_round_trips_every_step) {
  for (const auto& info : workloads::all()) {
    const int steps = std::min(info.default_steps, 120);
    const auto states = workloads::generate(info.name, steps, 3);
    auto cp = delta_memory({.full_snapshot_interval = 25});
    const auto ids = ingest(*cp, info.name, states);

    // By id, from a fresh checkpointer over the same rows (no cache).
    DeltaCheckpointer reader(open_memory());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const auto loaded = cp->load_by_id(ids[i]);
      BOOST_TEST_REQUIRE(loaded.has_value());
      BOOST_TEST_REQUIRE(exactly_equal(loaded->state, states[i]), info.name << " step " << i);
      BOOST_TEST(loaded->step == static_cast<std::int64_t>(i));
    }
    const auto latest = cp->load(info.name);
    BOOST_TEST_REQUIRE(latest.has_value());
    BOOST_TEST(latest->checkpoint_id == ids.back());
    BOOST_TEST(exactly_equal(latest->state, states.back()));

    const auto history = cp->history(info.name);
    BOOST_TEST_REQUIRE(history.size() == states.size());
    for (std::size_t i = 0; i < states.size(); ++i) {
      BOOST_TEST_REQUIRE(exactly_equal(history[i].state, states[i]), info.name << " step " << i);
      BOOST_TEST(history[i].checkpoint_id == ids[i]);
      BOOST_TEST(history[i].parent_id == (i == 0 ? std::string() : ids[i - 1]));
    }

    // Storage: deltas between full rows, chains bounded by the interval.
    const auto infos = cp->list(info.name);
    std::size_t full = 0;
    std::int64_t stored = 0, as_full = 0;
    for (const auto& h : infos) {
      full += h.kind == RowKind::kFull ? 1 : 0;
      stored += h.stored_bytes;
      as_full += h.state_bytes;
      BOOST_TEST(h.depth < 25);
    }
    BOOST_TEST_MESSAGE(info.name << ": " << infos.size() << " rows, " << full << " full, "
                                 << stored << " bytes stored vs " << as_full << " as full rows");
    if (info.name != "tool_results") BOOST_TEST(stored * 4 < as_full, info.name);
  }
}

BOOST_AUTO_TEST_CASE(cold_load_replays_from_the_store) {
  // A second checkpointer over the same rows has an empty cache and must
  // rebuild every state from rows alone; a plain one reads deltas too.
  auto inner = open_memory();
  RowStore* store = inner.get();
  DeltaCheckpointer writer(std::move(inner), {.full_snapshot_interval = 10});
  const auto states = workloads::generate("plan_edit", 60, 5);
  const auto ids = ingest(writer, "t", states);
  DeltaCheckpointer cold(*store);
  auto plain = deltackpt::testing::reader_of(*store);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    BOOST_TEST_REQUIRE(exactly_equal(cold.load_by_id(ids[i])->state, states[i]));
    BOOST_TEST_REQUIRE(exactly_equal(plain->load_by_id(ids[i])->state, states[i]));
    const auto chain = store->chain(ids[i]);
    BOOST_TEST(chain.front().header.kind == RowKind::kFull);
    BOOST_TEST(chain.back().header.checkpoint_id == ids[i]);
    BOOST_TEST(chain.size() <= 10u);
  }
  BOOST_TEST(exactly_equal(plain->load("t")->state, states.back()));
}

BOOST_AUTO_TEST_CASE(a_replaced_list_stays_a_delta_while_loads_stay_within_the_budget) {
  // tool_results replaces a large list every 10th step: that delta is a large
  // share of its state, yet far smaller than a full row. What ends a chain is
  // what a load of its newest row would replay.
  const auto states = workloads::generate("tool_results", 60, 3);
  auto rows_with = [&](DeltaOptions options) {
    auto inner = open_memory();
    RowStore* store = inner.get();
    DeltaCheckpointer writer(std::move(inner), options);
    ingest(writer, "t", states);
    return store->rows("t");
  };
  const auto rows = rows_with({});
  BOOST_TEST_REQUIRE(rows.size() == states.size());
  // The bound, from the rows' own columns (JSON payloads: payload_size is
  // the text a load parses): the chain's full row plus its deltas, at most
  // twice (1 + replay_budget) the state the newest row rebuilds.
  std::int64_t replayed = 0;
  std::size_t full_rows = 0;
  for (const auto& row : rows) {
    if (row.header.kind == RowKind::kFull) {
      replayed = row.header.payload_size;
      ++full_rows;
      continue;
    }
    replayed += row.header.payload_size;
    BOOST_TEST(replayed <= 2 * row.header.state_size, row.header.checkpoint_id);
  }
  BOOST_TEST(rows[10].header.kind == RowKind::kDelta);
  BOOST_TEST(full_rows < 6u);  // the old one-full-row-per-replacement rule wrote 6
  // max_delta_fraction, when asked for, makes those replacements full rows;
  // deltas under 16 KiB are always allowed.
  const auto capped = rows_with({.max_delta_fraction = 0.2});
  for (std::size_t i = 0; i < capped.size(); ++i) {
    const auto& h = capped[i].header;
    if (i % 10 == 0) BOOST_TEST((h.kind == RowKind::kFull), "step " << i);
    if (h.kind == RowKind::kDelta) {
      BOOST_TEST(static_cast<double>(h.payload_size) <= std::max(16.0 * 1024, 0.2 * static_cast<double>(h.state_size)));
    }
  }
}

BOOST_AUTO_TEST_CASE(state_cache_is_an_lru_of_parsed_memory) {
  using detail::CachedState;
  using detail::StateCache;
  auto entry = [](const std::string& thread, std::int64_t bytes) {
    CachedState e;
    e.position.thread_id = thread;
    e.position.state_bytes = bytes;
    e.state = std::make_shared<Json>(Json{{"n", bytes}});
    return e;
  };
  // Each entry is charged 3x its JSON text plus 256 bytes: 3256 for 1000.
  StateCache cache(10'000);
  cache.put("a", entry("t1", 1000));
  cache.put("b", entry("t1", 1000));
  cache.put("c", entry("t2", 1000));
  BOOST_TEST(cache.size_bytes() == 3u * 3256u);
  BOOST_TEST(cache.get("a").has_value());  // a is now the most recent
  cache.put("d", entry("t2", 1000));       // over 10'000: the least recent (b) goes
  BOOST_TEST(!cache.get("b").has_value());
  BOOST_TEST(cache.get("a").has_value());
  BOOST_TEST(cache.get("d").has_value());
  // A state larger than the whole cache is not kept.
  cache.put("huge", entry("t3", 4000));
  BOOST_TEST(!cache.get("huge").has_value());

  // take() hands out a state nobody but the caller holds, and removes it.
  {
    auto mine = cache.get("a")->state;
    const auto other = cache.get("a");
    BOOST_TEST(cache.take("a", mine) == nullptr);  // `other` shares it
    BOOST_TEST(mine != nullptr);
    std::shared_ptr<const Json> unrelated = std::make_shared<Json>(Json{{"n", 1000}});
    BOOST_TEST(cache.take("a", unrelated) == nullptr);  // not the cached state
  }
  auto mine = cache.get("a")->state;
  auto taken = cache.take("a", mine);
  BOOST_TEST_REQUIRE(taken != nullptr);
  BOOST_TEST(mine == nullptr);
  BOOST_TEST(!cache.get("a").has_value());

  cache.forget("d");
  BOOST_TEST(!cache.get("d").has_value());
  cache.forget("never-there");
  cache.forget_thread("t2");
  BOOST_TEST(!cache.get("c").has_value());
  BOOST_TEST(cache.size_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(forks_store_deltas_against_their_parent) {
  auto cp = delta_memory();
  const auto states = workloads::generate("chat", 30, 2);
  const auto ids = ingest(*cp, "t", states);
  // Travel back to step 10 and fork with a different step 11.
  Json forked = states[10];
  forked["messages"].push_back({{"role", "user"}, {"content", "a different question"}});
  Checkpoint c{.thread_id = "t", .parent_id = ids[10], .step = 11, .state = forked};
  // Without asking for a fork, extending an old parent is a conflict.
  BOOST_CHECK_THROW(cp->save(c), Conflict);
  const std::string fork_id = cp->save(c, {.fork = true});
  const auto loaded = cp->load_by_id(fork_id);
  BOOST_TEST(exactly_equal(loaded->state, forked));
  BOOST_TEST(loaded->parent_id == ids[10]);
  BOOST_TEST(cp->load("t")->checkpoint_id == fork_id);  // the fork is the latest now
  const auto info = cp->list("t", {.limit = 1});
  BOOST_TEST(info.front().kind == RowKind::kDelta);
  BOOST_TEST(info.front().stored_bytes < 400);
  // Both branches stay loadable.
  BOOST_TEST(exactly_equal(cp->load_by_id(ids.back())->state, states.back()));
  const auto history = cp->history("t");
  BOOST_TEST(history.size() == states.size() + 1);
  BOOST_TEST(exactly_equal(history.back().state, forked));
  // The implicit parent is now the fork.
  Checkpoint next{.thread_id = "t", .step = 12, .state = forked};
  next.state["step"] = 12;
  const std::string next_id = cp->save(next);
  BOOST_TEST(cp->load_by_id(next_id)->parent_id == fork_id);
}

BOOST_AUTO_TEST_CASE(prune_keeps_every_kept_checkpoint_loadable) {
  auto cp = delta_memory({.full_snapshot_interval = 20});
  const auto states = workloads::generate("kv_churn", 70, 4);
  const auto ids = ingest(*cp, "t", states);
  const PruneResult result = cp->prune("t", {.keep_last = 15});
  BOOST_TEST(result.removed == 55u);
  BOOST_TEST(result.rewritten >= 1u);
  BOOST_TEST(cp->list("t").size() == 15u);
  DeltaCheckpointer cold(open_memory());
  for (std::size_t i = 55; i < 70; ++i) {
    const auto loaded = cp->load_by_id(ids[i]);
    BOOST_TEST_REQUIRE(loaded.has_value());
    BOOST_TEST(exactly_equal(loaded->state, states[i]));
  }
  for (std::size_t i = 0; i < 55; ++i) BOOST_TEST(!cp->load_by_id(ids[i]).has_value());
  const auto history = cp->history("t");
  BOOST_TEST_REQUIRE(history.size() == 15u);
  for (std::size_t i = 0; i < 15; ++i) BOOST_TEST(exactly_equal(history[i].state, states[55 + i]));
  // Saving continues the chain after a prune.
  Checkpoint c{.thread_id = "t", .step = 70, .state = states.back()};
  c.state["counter"] = 12345;
  const std::string id = cp->save(c);
  BOOST_TEST(exactly_equal(cp->load_by_id(id)->state, c.state));
  // The newest is always kept.
  BOOST_TEST(cp->prune("t", {.keep_last = 0}).removed == 15u);
  BOOST_TEST(cp->load("t")->checkpoint_id == id);
}

BOOST_AUTO_TEST_CASE(prune_refuses_a_negative_age_and_keeps_all_for_an_endless_one) {
  auto cp = delta_memory({});
  ingest(*cp, "t", workloads::generate("plan_edit", 5, 1));
  BOOST_CHECK_THROW(cp->prune("t", {.max_age = std::chrono::microseconds(-1)}), InvalidArgument);
  BOOST_TEST(cp->prune("t", {.max_age = std::chrono::microseconds::max()}).removed == 0u);
  BOOST_TEST(cp->list("t").size() == 5u);
}

// Thread "t" of a workload in a memory store, full rows at every tenth step
// only (a generous budget keeps the chains whole).
struct MemoryThread {
  MemoryThread(const std::string& workload, int steps, std::uint64_t seed)
      : writer(open_memory(), {.full_snapshot_interval = 10, .replay_budget = 100}),
        store(&writer.row_store()),
        states(workloads::generate(workload, steps, seed)),
        ids(ingest(writer, "t", states)) {}
  DeltaCheckpointer writer;
  RowStore* store;
  const std::vector<Json> states;
  const std::vector<std::string> ids;
};

BOOST_AUTO_TEST_CASE(prune_removes_damaged_rows_that_nothing_kept_needs) {
  const MemoryThread t("plan_edit", 40, 3);
  RowStore* store = t.store;
  const auto& states = t.states;
  const auto& ids = t.ids;
  corrupt_payload(*store, "t", ids[3]);
  // Rows 35-39 hang off the full row of step 30: step 3 is not theirs.
  DeltaCheckpointer fresh(*store);
  BOOST_TEST(fresh.prune("t", {.keep_last = 5}).removed == 35u);
  const VerifyReport report = verify(*store, "t", Limits{});
  BOOST_TEST(report.ok());
  for (std::size_t i = 35; i < 40; ++i) BOOST_TEST(exactly_equal(DeltaCheckpointer(*store).load_by_id(ids[i])->state, states[i]));
  // A damaged row a kept row needs stops the prune, naming it, and changes nothing.
  corrupt_payload(*store, "t", ids[36]);
  try {
    DeltaCheckpointer(*store).prune("t", {.keep_last = 2});
    BOOST_ERROR("no Corruption");
  } catch (const Corruption& e) {
    BOOST_TEST(e.checkpoint_id() == ids[36]);
  }
  BOOST_TEST(DeltaCheckpointer(*store).list("t").size() == 5u);
}

// The stateless-worker deployment: each invocation is a fresh checkpointer
// (a fresh process) that loads the thread's latest checkpoint and saves a
// few steps. The load leaves the head cached, so those saves never read
// their parent back; a second load finds it too.
BOOST_AUTO_TEST_CASE(a_load_leaves_the_head_cached_for_the_saves_after_it) {
  auto store = open_memory();
  const auto states = workloads::generate("chat", 44, 2);
  std::int64_t step = 0;
  {
    DeltaCheckpointer first(*store);
    for (; step < 20; ++step) first.save({.thread_id = "t", .step = step, .state = states[static_cast<std::size_t>(step)]});
  }
  for (int invocation = 0; invocation < 4; ++invocation) {
    DeltaCheckpointer worker(*store);
    BOOST_TEST_REQUIRE(exactly_equal(worker.load("t")->state, states[static_cast<std::size_t>(step - 1)]));
    BOOST_TEST(exactly_equal(worker.load("t")->state, states[static_cast<std::size_t>(step - 1)]));
    for (int k = 0; k < 5; ++k, ++step) {
      worker.save({.thread_id = "t", .step = step, .state = states[static_cast<std::size_t>(step)]});
    }
    BOOST_TEST(exactly_equal(worker.load("t")->state, states[static_cast<std::size_t>(step - 1)]));
    const SaveCounters saves = worker.counters();
    BOOST_TEST(saves.parents_rebuilt == 0u);
    BOOST_TEST(saves.delta_rows == 5u);
    const CacheCounters cache = worker.cache_counters();
    BOOST_TEST(cache.misses == 0u);
    BOOST_TEST(cache.hits == 7u);  // the second and last loads, five parents
    BOOST_TEST(cache.entries == 1u);  // each save lets its parent go
    BOOST_TEST(cache.evictions == 0u);
  }
  // A worker that saves without loading first rebuilds its parent once.
  DeltaCheckpointer cold(*store);
  for (int k = 0; k < 2; ++k, ++step) {
    cold.save({.thread_id = "t", .step = step, .state = states[static_cast<std::size_t>(step)]});
  }
  BOOST_TEST(cold.counters().parents_rebuilt == 1u);
  BOOST_TEST(cold.cache_counters().misses == 1u);
  // A cache too small for the state evicts, and every save rebuilds.
  DeltaCheckpointer tiny(*store, {.cache_bytes = 1000});
  tiny.save({.thread_id = "t", .step = step, .state = states[static_cast<std::size_t>(step)]});
  ++step;
  BOOST_TEST(tiny.counters().parents_rebuilt == 1u);
  BOOST_TEST(tiny.cache_counters().entries == 0u);
  BOOST_TEST_REQUIRE(step == 43);
  const auto history = DeltaCheckpointer(*store).history("t");
  BOOST_TEST_REQUIRE(history.size() == static_cast<std::size_t>(step));
  for (std::size_t i = 0; i < history.size(); ++i) BOOST_TEST(exactly_equal(history[i].state, states[i]), i);
}

// More live threads than the cache holds, saved round robin: with the
// default policy a save whose parent was evicted writes a full row (and does
// not cache it, so the heads that fit stay cached and keep their deltas)
// instead of replaying the parent; with full_row_when_cache_is_full off it
// replays. Either way every checkpoint loads as saved.
BOOST_AUTO_TEST_CASE(a_cache_too_small_for_the_live_threads_costs_full_rows_not_replays) {
  const auto state_of = [](int thread, int step) {
    Json state = {{"thread", thread}, {"log", Json::array()}};
    for (int i = 0; i <= step; ++i) state["log"].push_back(std::string(1000, static_cast<char>('a' + i % 26)));
    return state;
  };
  constexpr int kThreads = 4;
  constexpr int kSteps = 12;
  std::map<bool, SaveCounters> counted;
  for (const bool full_row_when_full : {true, false}) {
    auto store = open_memory();
    DeltaCheckpointer cp(*store, {.cache_bytes = 100 << 10, .full_row_when_cache_is_full = full_row_when_full});
    for (int step = 0; step < kSteps; ++step) {
      for (int t = 0; t < kThreads; ++t) {
        cp.save({.thread_id = "t" + std::to_string(t), .step = step, .state = state_of(t, step)});
      }
    }
    counted[full_row_when_full] = cp.counters();
    BOOST_TEST(cp.cache_counters().evictions > 0u);
    DeltaCheckpointer reader(*store);
    for (int t = 0; t < kThreads; ++t) {
      const auto history = reader.history("t" + std::to_string(t));
      BOOST_TEST_REQUIRE(history.size() == static_cast<std::size_t>(kSteps));
      for (int step = 0; step < kSteps; ++step) {
        BOOST_TEST(exactly_equal(history[static_cast<std::size_t>(step)].state, state_of(t, step)));
      }
    }
  }
  const SaveCounters& full_when_full = counted[true];
  const SaveCounters& replaying = counted[false];
  BOOST_TEST_MESSAGE("full rows when full: " << to_json(full_when_full).dump() << "; replaying: " << to_json(replaying).dump());
  BOOST_TEST(replaying.full_rows == static_cast<std::uint64_t>(kThreads));
  BOOST_TEST(replaying.parents_rebuilt > 10u);
  // Now and then the cache lets a missed state in (so a smaller set of
  // threads would take it back), which replays once.
  BOOST_TEST(full_when_full.parents_rebuilt * 4 < replaying.parents_rebuilt);
  BOOST_TEST(full_when_full.full_rows > static_cast<std::uint64_t>(kThreads));
  BOOST_TEST(full_when_full.delta_rows > 0u);  // the threads that stay cached
}

// A process's last saved head can vanish under it: another process removed
// the thread, or repair quarantined the head. The next save with no parent
// follows the store's head (or starts the thread) rather than failing.
BOOST_AUTO_TEST_CASE(a_save_follows_the_store_when_its_last_head_is_gone) {
  auto store = open_memory();
  DeltaCheckpointer writer(*store);
  DeltaCheckpointer other(*store);
  const Json big = {{"log", std::string(4000, 'x')}};
  writer.save({.thread_id = "t", .state = big});
  other.remove_thread("t");
  const std::string first = writer.save({.thread_id = "t", .state = {{"n", 1}}});
  BOOST_TEST(store->header(first)->parent_id.empty());
  const std::string kept = writer.save({.thread_id = "t", .step = 1, .state = big});
  const std::string head = writer.save({.thread_id = "t", .step = 2, .state = big});
  BOOST_TEST(store->quarantine("t", {{head, "test"}}).size() == 1u);
  const std::string next = writer.save({.thread_id = "t", .step = 3, .state = big});
  BOOST_TEST(store->header(next)->parent_id == kept);
  BOOST_TEST(exactly_equal(DeltaCheckpointer(*store).load("t")->state, big));
  // An explicit parent that is gone is still an error.
  BOOST_CHECK_THROW(writer.save({.thread_id = "t", .parent_id = head, .step = 4, .state = big}), NotFound);
}

BOOST_AUTO_TEST_CASE(corruption_names_the_checkpoint) {
  MemoryThread t("chat", 12, 9);  // full rows at steps 0 and 10
  RowStore* store = t.store;
  DeltaCheckpointer& writer = t.writer;
  const auto& states = t.states;
  const auto& ids = t.ids;
  auto expect_corruption = [&](const std::string& load_id, const std::string& bad_id) {
    DeltaCheckpointer reader(*store);  // nothing cached
    try {
      reader.load_by_id(load_id);
      BOOST_ERROR("no Corruption loading " << load_id);
    } catch (const Corruption& e) {
      BOOST_TEST(e.checkpoint_id() == bad_id);
      BOOST_TEST(e.code() == ErrorCode::kCorruption);
    }
  };
  // A flipped byte in a delta row, seen by it and by every row after it.
  corrupt_payload(*store, "t", ids[5]);
  expect_corruption(ids[5], ids[5]);
  expect_corruption(ids[7], ids[5]);
  BOOST_CHECK_THROW(writer.history("t"), Corruption);
  // Earlier rows still load.
  DeltaCheckpointer reader(*store);
  BOOST_TEST(exactly_equal(reader.load_by_id(ids[4])->state, states[4]));

  // A missing base row: the delta's parent is gone.
  auto rows = store->rows("t");
  BOOST_TEST_REQUIRE(rows[9].header.kind == RowKind::kDelta);
  BOOST_TEST_REQUIRE(rows[10].header.kind == RowKind::kFull);
  BOOST_TEST_REQUIRE(rows[11].header.kind == RowKind::kDelta);
  StoredRow orphan = rows[9];
  orphan.header.parent_id = "no-such-row";
  store->rewrite("t", {orphan}, {});
  expect_corruption(ids[9], ids[9]);

  // A delta that does not fit its base: valid JSON, right checksum.
  StoredRow misfit = rows[11];
  misfit.payload = R"({"v":1,"keys":{"messages":{"edits":[{"at":99999,"del":1}]}}})";
  misfit.header.payload_size = static_cast<std::int64_t>(misfit.payload.size());
  misfit.header.checksum = detail::fnv1a64(misfit.payload);
  store->rewrite("t", {misfit}, {});
  expect_corruption(ids[11], ids[11]);
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused_and_writes_nothing) {
  auto cp = delta_memory();
  const Checkpoint good{.thread_id = "t", .state = {{"a", 1}}};
  cp->save(good);
  auto expect = [&](const Checkpoint& c, ErrorCode code) {
    try {
      cp->save(c);
      BOOST_ERROR("save accepted bad input");
    } catch (const Error& e) {
      BOOST_TEST(e.code() == code, e.what());
    }
  };
  Checkpoint c = good;
  c.state = Json::array();
  expect(c, ErrorCode::kInvalidArgument);
  c = good;
  c.metadata = 3;
  expect(c, ErrorCode::kInvalidArgument);
  c = good;
  c.thread_id = "";
  expect(c, ErrorCode::kInvalidArgument);
  c = good;
  c.thread_id = std::string("a\0b", 3);
  expect(c, ErrorCode::kInvalidArgument);
  c = good;
  c.thread_id = std::string(300, 'x');
  expect(c, ErrorCode::kInvalidArgument);
  c = good;
  c.state["bad"] = std::string("\xff\xfe");
  expect(c, ErrorCode::kInvalidArgument);
  c = good;
  c.state["nan"] = std::nan("");
  expect(c, ErrorCode::kInvalidArgument);
  c = good;
  c.state["inf"] = {1, std::numeric_limits<double>::infinity()};
  expect(c, ErrorCode::kInvalidArgument);
  c = good;
  Json deep = 1;
  for (int i = 0; i < 200; ++i) deep = Json::array({deep});
  c.state["deep"] = deep;
  expect(c, ErrorCode::kInvalidArgument);
  c = good;
  c.parent_id = "nope";
  expect(c, ErrorCode::kNotFound);
  c = good;
  c.checkpoint_id = cp->load("t")->checkpoint_id;
  BOOST_TEST(cp->save(c) == c.checkpoint_id);  // the same again: a retry, nothing written
  c.state["a"] = 2;
  expect(c, ErrorCode::kConflict);  // other content under a stored id
  BOOST_TEST(cp->list("t").size() == 1u);
  BOOST_TEST(exactly_equal(cp->load("t")->state, good.state));
  // A parent from another thread is not a parent.
  const std::string other = cp->save({.thread_id = "u", .state = {{"b", 2}}});
  c = good;
  c.parent_id = other;
  expect(c, ErrorCode::kNotFound);
  BOOST_TEST(cp->list("t").size() == 1u);
  BOOST_TEST(cp->list("u").size() == 1u);
}

BOOST_AUTO_TEST_CASE(list_filters_and_pages) {
  auto cp = delta_memory();
  const auto states = workloads::generate("doc_edit", 30, 1);
  const auto ids = ingest(*cp, "t", states);
  const auto all = cp->list("t");
  BOOST_TEST_REQUIRE(all.size() == 30u);
  BOOST_TEST(all.front().checkpoint_id == ids.back());  // newest first
  const auto limited = cp->list("t", {.limit = 5, .before = ids[20]});
  BOOST_TEST_REQUIRE(limited.size() == 5u);
  BOOST_TEST(limited.front().checkpoint_id == ids[19]);
  BOOST_TEST(limited.back().checkpoint_id == ids[15]);
  const auto even = cp->list("t", {.metadata_filter = {{"even", true}}});
  BOOST_TEST(even.size() == 15u);
  for (const auto& h : even) BOOST_TEST(h.step % 2 == 0);
  BOOST_TEST(cp->list("t", {.metadata_filter = {{"even", 1}}}).empty());  // exact: true != 1
  BOOST_TEST(cp->threads() == std::vector<std::string>{"t"});
  BOOST_TEST(cp->remove_thread("t") == 30u);
  BOOST_TEST(!cp->load("t").has_value());
  BOOST_TEST(cp->threads().empty());
}

// A decorator of a user's own over CheckpointerWrapper: it refuses removals
// and counts saves; everything else reaches the DeltaCheckpointer beneath.
class GuardedSaves final : public CheckpointerWrapper {
 public:
  using CheckpointerWrapper::CheckpointerWrapper;
  using Checkpointer::save;
  std::string save(const Checkpoint& cp, const SaveOptions& options) override {
    ++saves;
    return CheckpointerWrapper::save(cp, options);
  }
  std::size_t remove_thread(std::string_view thread_id) override {
    throw InvalidArgument("guarded: not removing " + std::string(thread_id));
  }
  int saves = 0;
};

BOOST_AUTO_TEST_CASE(a_wrapper_forwards_what_it_does_not_override) {
  auto inner = delta_memory({.full_snapshot_interval = 4});
  GuardedSaves cp(*inner);
  const auto states = workloads::generate("chat", 12, 3);
  const auto ids = ingest(cp, "t", states);
  BOOST_TEST(cp.saves == 12);
  BOOST_TEST(inner->counters().delta_rows > 0u);  // the saves reached the delta writer
  BOOST_TEST(exactly_equal(cp.load("t")->state, states.back()));
  BOOST_TEST(exactly_equal(cp.load_by_id(ids[5])->state, states[5]));
  BOOST_TEST(cp.list("t", {.limit = 3}).size() == 3u);
  BOOST_TEST(cp.history("t").size() == 12u);
  BOOST_TEST(cp.threads() == std::vector<std::string>{"t"});
  BOOST_CHECK_THROW(cp.remove_thread("t"), InvalidArgument);
  BOOST_TEST(inner->list("t").size() == 12u);
  BOOST_TEST(cp.prune("t", {.keep_last = 2}).removed == 10u);
  BOOST_TEST(exactly_equal(inner->load_by_id(ids[10])->state, states[10]));
}

// Options are checked once, when the checkpointer (or compact) takes them,
// and a bad one names itself.
BOOST_AUTO_TEST_CASE(out_of_range_options_are_refused_by_name) {
  const auto refused = [](DeltaOptions options, const std::string& name) {
    try {
      DeltaCheckpointer cp(open_memory(), options);
      BOOST_ERROR("accepted a bad " << name);
    } catch (const InvalidArgument& e) {
      BOOST_TEST(std::string(e.what()).find(name) != std::string::npos, e.what());
    }
    auto store = open_memory();
    BOOST_CHECK_THROW(compact(*store, "", options), InvalidArgument);
  };
  refused({.full_snapshot_interval = 0}, "full_snapshot_interval");
  refused({.replay_budget = -1}, "replay_budget");
  refused({.replay_budget = std::nan("")}, "replay_budget");
  refused({.max_delta_fraction = -0.1}, "max_delta_fraction");
  refused({.limits = {.max_depth = 0}}, "max_depth");
  refused({.limits = {.max_depth = kMaxDepthLimit + 1}}, "max_depth");
  refused({.limits = {.max_state_bytes = 1}}, "max_state_bytes");
  refused({.limits = {.max_id_bytes = 0}}, "max_id_bytes");
  // The edges are fine.
  DeltaCheckpointer edges(open_memory(), {.full_snapshot_interval = 1, .replay_budget = 0, .max_delta_fraction = 0,
                                          .limits = {.max_depth = kMaxDepthLimit, .max_state_bytes = 2, .max_id_bytes = 1}});
  BOOST_TEST(edges.save({.thread_id = "t", .state = Json::object()}).size() > 0u);
}

// With no cache, or one too small for the states, a delta save rebuilds its
// parent from the rows and applies its delta to that state in place (nobody
// else holds it): every checkpoint still loads back exactly as saved.
BOOST_AUTO_TEST_CASE(saves_without_a_cache_rebuild_their_parent_and_lose_nothing) {
  for (const std::size_t cache_bytes : {std::size_t{0}, std::size_t{2048}}) {
    auto store = open_memory();
    DeltaCheckpointer writer(*store, {.full_snapshot_interval = 20, .cache_bytes = cache_bytes});
    const auto states = workloads::generate("plan_edit", 60, 21);
    const auto ids = ingest(writer, "t", states);
    BOOST_TEST(writer.counters().delta_rows > 40u);
    BOOST_TEST(writer.counters().deltas_refused == 0u);
    auto reader = deltackpt::testing::reader_of(*store);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      BOOST_TEST_REQUIRE(exactly_equal(reader->load_by_id(ids[i])->state, states[i]), "cache " << cache_bytes << " step " << i);
    }
  }
}

// The backend conformance cases: written once against Checkpointer&, run for
// every backend, plain and wrapped in DeltaCheckpointer.
#pragma once

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "deltackpt/deltackpt.hpp"
#include "deltackpt/maintenance.hpp"
#include "row_codec.hpp"
#include "support/exact_json.hpp"
#include "support/special_values.hpp"
#include "support/printers.hpp"
#include "workloads.hpp"

namespace deltackpt::conformance {

using deltackpt::testing::exactly_equal;

// A unique prefix per case, so cases never see each other's threads even on
// a shared PostgreSQL database.
inline std::string fresh_thread(const std::string& name) {
  static std::atomic<int> counter{0};
  return name + "-" + new_checkpoint_id().substr(24) + "-" + std::to_string(counter++);
}

inline Checkpoint make(const std::string& thread, std::int64_t step, Json state) {
  Checkpoint c;
  c.thread_id = thread;
  c.step = step;
  c.state = std::move(state);
  return c;
}

inline void expect_error(ErrorCode code, const std::function<void()>& action) {
  try {
    action();
    BOOST_ERROR("expected error " << code << ", nothing thrown");
  } catch (const Error& e) {
    BOOST_TEST(e.code() == code, e.what());
  }
}

inline void check_round_trip(Checkpointer& cp) {
  const std::string t = fresh_thread("round-trip");
  // Every escape, NUL, emoji, big and exact numbers, key order.
  Json state = Json::parse(R"({"z":1,"a":{"nested":[1,2.5,-0.0,1.0,"x"]},"m":null})");
  state["text"] = std::string("quote\" backslash\\ nul\0 tab\t nl\n bell\x07 é 中 😀 \u2028", 44);
  // Escaped characters right after multi-byte ones (the recorded size of
  // such a state was once miscounted, and its loads refused as corrupt).
  state["after_multibyte"] = "é\"ß\\中\n😀\t\u00e9\x01";
  state["big"] = std::uint64_t{18446744073709551615ULL};
  state["neg"] = std::int64_t{-9223372036854775807LL - 1};
  state["beyond53"] = std::uint64_t{9007199254740993ULL};
  Checkpoint c = make(t, 7, state);
  c.metadata = {{"source", "loop"}, {"n", 3}, {"nested", {{"k", "é"}}}};
  c.pending_nodes = {"tools", "agent ✓"};
  c.created_at = Timestamp{std::chrono::microseconds{1790000000123456LL}};
  const std::string id = cp.save(c);
  BOOST_TEST(!id.empty());
  const auto loaded = cp.load(t);
  BOOST_TEST_REQUIRE(loaded.has_value());
  BOOST_TEST(exactly_equal(loaded->state, state), loaded->state.dump());
  BOOST_TEST(loaded->state.dump() == state.dump());
  BOOST_TEST(loaded->checkpoint_id == id);
  BOOST_TEST(loaded->thread_id == t);
  BOOST_TEST(loaded->parent_id.empty());
  BOOST_TEST(loaded->step == 7);
  BOOST_TEST(exactly_equal(loaded->metadata, c.metadata));
  BOOST_TEST(loaded->pending_nodes == c.pending_nodes);
  BOOST_TEST(loaded->created_at == c.created_at);
  const auto by_id = cp.load_by_id(id);
  BOOST_TEST_REQUIRE(by_id.has_value());
  BOOST_TEST(exactly_equal(by_id->state, state));
  // created_at defaults to now, with sub-millisecond precision kept.
  const Timestamp before = now();
  const std::string id2 = cp.save(make(t, 8, {{"a", 1}}));
  const auto second = cp.load_by_id(id2);
  BOOST_TEST(second->created_at >= before);
  BOOST_TEST(second->created_at <= now());
  BOOST_TEST(second->parent_id == id);
}

inline void check_absence(Checkpointer& cp) {
  const std::string t = fresh_thread("absent");
  BOOST_TEST(!cp.load(t).has_value());
  BOOST_TEST(!cp.load_by_id("no-such-checkpoint").has_value());
  BOOST_TEST(cp.list(t).empty());
  BOOST_TEST(cp.history(t).empty());
  BOOST_TEST(cp.remove_thread(t) == 0u);
  BOOST_TEST(cp.prune(t, {.keep_last = 1}).removed == 0u);
}

inline std::vector<std::string> save_workload(Checkpointer& cp, const std::string& t,
                                              const std::vector<Json>& states) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < states.size(); ++i) {
    Checkpoint c = make(t, static_cast<std::int64_t>(i), states[i]);
    c.metadata = {{"parity", i % 2 == 0 ? "even" : "odd"}, {"i", i}};
    ids.push_back(cp.save(c));
  }
  return ids;
}

inline void check_workload_history(Checkpointer& cp) {
  const std::string t = fresh_thread("history");
  const auto states = workloads::generate("chat", 40, 11);
  const auto ids = save_workload(cp, t, states);
  const auto history = cp.history(t);
  BOOST_TEST_REQUIRE(history.size() == states.size());
  for (std::size_t i = 0; i < states.size(); ++i) {
    BOOST_TEST_REQUIRE(exactly_equal(history[i].state, states[i]), "step " << i);
    BOOST_TEST(history[i].checkpoint_id == ids[i]);
    BOOST_TEST(history[i].step == static_cast<std::int64_t>(i));
  }
  for (std::size_t i = 0; i < states.size(); i += 3) {
    BOOST_TEST_REQUIRE(exactly_equal(cp.load_by_id(ids[i])->state, states[i]), "step " << i);
  }
  BOOST_TEST(exactly_equal(cp.load(t)->state, states.back()));
}

inline void check_list(Checkpointer& cp) {
  const std::string t = fresh_thread("list");
  const auto states = workloads::generate("kv_churn", 12, 2);
  const auto ids = save_workload(cp, t, states);
  const auto all = cp.list(t);
  BOOST_TEST_REQUIRE(all.size() == 12u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    BOOST_TEST(all[i].checkpoint_id == ids[11 - i]);  // newest first
    BOOST_TEST(all[i].step == static_cast<std::int64_t>(11 - i));
    BOOST_TEST(all[i].stored_bytes > 0);
    BOOST_TEST(all[i].state_bytes == static_cast<std::int64_t>(states[11 - i].dump().size()));
  }
  const auto page = cp.list(t, {.limit = 3, .before = ids[8]});
  BOOST_TEST_REQUIRE(page.size() == 3u);
  BOOST_TEST(page[0].checkpoint_id == ids[7]);
  BOOST_TEST(page[2].checkpoint_id == ids[5]);
  const auto odd = cp.list(t, {.metadata_filter = {{"parity", "odd"}}});
  BOOST_TEST(odd.size() == 6u);
  const auto one = cp.list(t, {.limit = 2, .metadata_filter = {{"parity", "odd"}, {"i", 5}}});
  BOOST_TEST_REQUIRE(one.size() == 1u);
  BOOST_TEST(one[0].checkpoint_id == ids[5]);
  BOOST_TEST(cp.list(t, {.metadata_filter = {{"i", 5.0}}}).empty());  // 5.0 is not 5
  const auto threads = cp.threads();
  BOOST_TEST(std::count(threads.begin(), threads.end(), t) == 1);
  BOOST_TEST(std::is_sorted(threads.begin(), threads.end()));
}

inline void check_remove_thread(Checkpointer& cp) {
  const std::string t = fresh_thread("remove");
  const std::string other = fresh_thread("remove-other");
  save_workload(cp, t, workloads::generate("plan_edit", 5, 1));
  const auto kept = save_workload(cp, other, workloads::generate("plan_edit", 3, 2));
  BOOST_TEST(cp.remove_thread(t) == 5u);
  BOOST_TEST(!cp.load(t).has_value());
  const auto threads = cp.threads();
  BOOST_TEST(std::count(threads.begin(), threads.end(), t) == 0);
  BOOST_TEST(cp.load(other)->checkpoint_id == kept.back());
  // The thread can start again.
  cp.save(make(t, 0, {{"again", true}}));
  BOOST_TEST(cp.list(t).size() == 1u);
}

inline void check_prune(Checkpointer& cp) {
  const std::string t = fresh_thread("prune");
  const auto states = workloads::generate("doc_edit", 30, 5);
  const auto ids = save_workload(cp, t, states);
  const PruneResult r = cp.prune(t, {.keep_last = 8});
  BOOST_TEST(r.removed == 22u);
  BOOST_TEST(cp.list(t).size() == 8u);
  for (std::size_t i = 0; i < 22; ++i) BOOST_TEST(!cp.load_by_id(ids[i]).has_value());
  for (std::size_t i = 22; i < 30; ++i) {
    BOOST_TEST_REQUIRE(exactly_equal(cp.load_by_id(ids[i])->state, states[i]), "step " << i);
  }
  const auto history = cp.history(t);
  BOOST_TEST_REQUIRE(history.size() == 8u);
  BOOST_TEST(exactly_equal(history.front().state, states[22]));
  // max_age: everything is younger than an hour; nothing older than 0 s but the newest.
  BOOST_TEST(cp.prune(t, {.max_age = std::chrono::hours(1)}).removed == 0u);
  BOOST_TEST(cp.prune(t, {.max_age = std::chrono::microseconds(0)}).removed == 7u);
  BOOST_TEST(cp.load(t)->checkpoint_id == ids.back());
  BOOST_TEST(exactly_equal(cp.load(t)->state, states.back()));
}

inline void check_fork(Checkpointer& cp) {
  const std::string t = fresh_thread("fork");
  const auto states = workloads::generate("chat", 12, 4);
  const auto ids = save_workload(cp, t, states);
  Json alternative = states[5];
  alternative["messages"].push_back({{"role", "user"}, {"content", "what if?"}});
  Checkpoint c = make(t, 6, alternative);
  c.parent_id = ids[5];
  expect_error(ErrorCode::kConflict, [&] { cp.save(c); });
  const std::string fork = cp.save(c, {.fork = true});
  BOOST_TEST(cp.load(t)->checkpoint_id == fork);
  BOOST_TEST(cp.load_by_id(fork)->parent_id == ids[5]);
  BOOST_TEST(exactly_equal(cp.load_by_id(fork)->state, alternative));
  BOOST_TEST(exactly_equal(cp.load_by_id(ids.back())->state, states.back()));
  BOOST_TEST(cp.history(t).size() == 13u);
  // Forking from another thread's checkpoint is refused.
  const std::string other = fresh_thread("fork-other");
  const std::string foreign = cp.save(make(other, 0, {{"x", 1}}));
  Checkpoint f = make(t, 7, {{"y", 1}});
  f.parent_id = foreign;
  expect_error(ErrorCode::kNotFound, [&] { cp.save(f, {.fork = true}); });
  expect_error(ErrorCode::kNotFound, [&] { cp.save(f); });
}

inline void check_conflicts(Checkpointer& cp) {
  const std::string t = fresh_thread("conflict");
  const std::string first = cp.save(make(t, 0, {{"n", 0}}));
  Checkpoint dup = make(t, 1, {{"n", 1}});
  dup.checkpoint_id = first;
  expect_error(ErrorCode::kConflict, [&] { cp.save(dup); });
  // Two writers extend the same explicit parent: exactly one wins.
  Checkpoint a = make(t, 1, {{"n", "a"}});
  a.parent_id = first;
  Checkpoint b = make(t, 1, {{"n", "b"}});
  b.parent_id = first;
  const std::string won = cp.save(a);
  expect_error(ErrorCode::kConflict, [&] { cp.save(b); });
  BOOST_TEST(cp.list(t).size() == 2u);
  BOOST_TEST(cp.load(t)->checkpoint_id == won);
  // A parent that does not exist.
  Checkpoint orphan = make(t, 2, {{"n", 2}});
  orphan.parent_id = "never-saved";
  expect_error(ErrorCode::kNotFound, [&] { cp.save(orphan); });
  BOOST_TEST(cp.list(t).size() == 2u);
}

// A new root in a thread that has checkpoints: no parent, the new head,
// and the next implicit save extends it; the old chain stays loadable.
inline void check_roots(Checkpointer& cp) {
  const std::string t = fresh_thread("roots");
  const auto states = workloads::generate("chat", 6, 11);
  const auto ids = save_workload(cp, t, states);
  const Json fresh = {{"messages", Json::array({"a new run"})}};
  const std::string root = cp.save(make(t, 0, fresh), {.root = true});
  const auto loaded = cp.load(t);
  BOOST_TEST_REQUIRE(loaded.has_value());
  BOOST_TEST(loaded->checkpoint_id == root);
  BOOST_TEST(loaded->parent_id.empty());
  BOOST_TEST(exactly_equal(loaded->state, fresh));
  BOOST_TEST(cp.info(root)->kind == RowKind::kFull);
  Json next = fresh;
  next["messages"].push_back("and on");
  const std::string after = cp.save(make(t, 1, next));
  BOOST_TEST(cp.load_by_id(after)->parent_id == root);
  BOOST_TEST(exactly_equal(cp.load(t)->state, next));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    BOOST_TEST(exactly_equal(cp.load_by_id(ids[i])->state, states[i]));
  }
  const auto all = cp.history(t);
  BOOST_TEST_REQUIRE(all.size() == ids.size() + 2);
  BOOST_TEST(all[ids.size()].checkpoint_id == root);
  BOOST_TEST(exactly_equal(all[ids.size() + 1].state, next));
  // A root names no parent, and is not a fork.
  Checkpoint bad = make(t, 2, fresh);
  bad.parent_id = ids[0];
  expect_error(ErrorCode::kInvalidArgument, [&] { cp.save(bad, {.root = true}); });
  expect_error(ErrorCode::kInvalidArgument, [&] { cp.save(make(t, 2, fresh), {.fork = true, .root = true}); });
  BOOST_TEST(cp.list(t).size() == ids.size() + 2);
}

// Saving a checkpoint again exactly as it was saved (a retry after a lost
// acknowledgement) succeeds and writes nothing; anything else under its id
// is a Conflict, and the stored checkpoint is untouched.
inline void check_retried_saves(Checkpointer& cp) {
  const std::string t = fresh_thread("retry");
  const auto states = workloads::generate("plan_edit", 8, 12);
  std::vector<Checkpoint> saved;
  for (std::size_t i = 0; i < states.size(); ++i) {
    Checkpoint c = make(t, static_cast<std::int64_t>(i), states[i]);
    c.checkpoint_id = t + "-" + std::to_string(i);
    c.metadata = {{"step", i}, {"f", 1.0}};
    c.pending_nodes = {"node"};
    if (i > 0) c.parent_id = saved.back().checkpoint_id;
    BOOST_TEST(cp.save(c) == c.checkpoint_id);
    saved.push_back(std::move(c));
  }
  // Every one again, the explicit-parent and the implicit-parent way: the
  // head has long moved on, and none of them is a new row.
  for (std::size_t i = 0; i < saved.size(); ++i) {
    BOOST_TEST(cp.save(saved[i]) == saved[i].checkpoint_id);
    Checkpoint implicit = saved[i];
    implicit.parent_id.clear();
    if (i > 0) BOOST_TEST(cp.save(implicit) == saved[i].checkpoint_id);
  }
  BOOST_TEST(cp.list(t).size() == saved.size());
  BOOST_TEST(cp.load(t)->checkpoint_id == saved.back().checkpoint_id);
  // Other content under a stored id: each column on its own.
  const Checkpoint& middle = saved[4];
  std::vector<Checkpoint> others(6, middle);
  others[0].state["extra"] = 1;
  others[1].metadata["f"] = 1;  // 1 is not 1.0
  others[2].step += 1;
  others[3].pending_nodes.push_back("other");
  others[4].parent_id = saved[2].checkpoint_id;
  others[5].thread_id = fresh_thread("retry-other");
  others[5].parent_id.clear();
  for (const auto& other : others) {
    expect_error(ErrorCode::kConflict, [&] { cp.save(other); });
    expect_error(ErrorCode::kConflict, [&] { cp.save(other, {.fork = !other.parent_id.empty()}); });
  }
  Checkpoint as_root = saved[0];
  BOOST_TEST(cp.save(as_root, {.root = true}) == as_root.checkpoint_id);  // it was saved without parent
  as_root = middle;
  as_root.parent_id.clear();
  expect_error(ErrorCode::kConflict, [&] { cp.save(as_root, {.root = true}); });
  BOOST_TEST(cp.list(t).size() == saved.size());
  const auto threads = cp.threads();
  BOOST_TEST(std::count(threads.begin(), threads.end(), others[5].thread_id) == 0);
  for (const auto& c : saved) {
    const auto loaded = cp.load_by_id(c.checkpoint_id);
    BOOST_TEST_REQUIRE(loaded.has_value());
    BOOST_TEST(exactly_equal(loaded->state, c.state));
    BOOST_TEST(exactly_equal(loaded->metadata, c.metadata));
  }
}

// info(): the header alone, as list() gives it.
inline void check_info(Checkpointer& cp) {
  const std::string t = fresh_thread("info");
  const auto ids = save_workload(cp, t, workloads::generate("kv_churn", 5, 13));
  const auto listed = cp.list(t);
  for (const auto& header : listed) {
    const auto got = cp.info(header.checkpoint_id);
    BOOST_TEST_REQUIRE(got.has_value());
    BOOST_TEST(got->thread_id == t);
    BOOST_TEST(got->parent_id == header.parent_id);
    BOOST_TEST(got->step == header.step);
    BOOST_TEST(got->kind == header.kind);
    BOOST_TEST(got->depth == header.depth);
    BOOST_TEST(got->state_bytes == header.state_bytes);
    BOOST_TEST(exactly_equal(got->metadata, header.metadata));
  }
  BOOST_TEST(!cp.info("never-saved").has_value());
  expect_error(ErrorCode::kInvalidArgument, [&] { cp.info(""); });
}

inline void check_bad_input(Checkpointer& cp) {
  const std::string t = fresh_thread("bad-input");
  cp.save(make(t, 0, {{"ok", true}}));
  const auto refuse = [&](Checkpoint c) { expect_error(ErrorCode::kInvalidArgument, [&] { cp.save(c); }); };
  refuse(make(t, 1, Json::array({1})));
  refuse(make(t, 1, "text"));
  Checkpoint m = make(t, 1, {{"a", 1}});
  m.metadata = Json::array();
  refuse(m);
  refuse(make("", 1, {{"a", 1}}));
  refuse(make(std::string(1000, 't'), 1, {{"a", 1}}));
  refuse(make(std::string("a\0b", 3), 1, {{"a", 1}}));
  refuse(make(t, 1, {{"s", std::string("\xc3\x28")}}));
  refuse(make(t, 1, {{"f", std::numeric_limits<double>::quiet_NaN()}}));
  refuse(make(t, 1, {{"f", -std::numeric_limits<double>::infinity()}}));
  Checkpoint p = make(t, 1, {{"a", 1}});
  p.pending_nodes = {std::string("\xff")};
  refuse(p);
  BOOST_TEST(cp.list(t).size() == 1u);
  // Ids with SQL-ish characters are data, never SQL.
  const std::string odd = t + "'; DROP TABLE checkpoints; --%_\n\"é😀";
  Checkpoint q = make(odd, 0, {{"a", 1}});
  q.checkpoint_id = "id'\"%_;\n" + new_checkpoint_id();
  BOOST_TEST(cp.save(q) == q.checkpoint_id);
  BOOST_TEST(cp.load(odd)->checkpoint_id == q.checkpoint_id);
  BOOST_TEST(cp.load_by_id(q.checkpoint_id)->thread_id == odd);
  BOOST_TEST(cp.list(t).size() == 1u);
}

inline void check_corruption_detected(DeltaCheckpointer& cp) {
  RowStore* store = &cp.row_store();
  const std::string t = fresh_thread("corrupt");
  const auto states = workloads::generate("plan_edit", 6, 8);
  const auto ids = save_workload(cp, t, states);
  auto rows = store->rows(t);
  StoredRow bad = rows[3];
  bad.payload[bad.payload.size() / 2] = static_cast<char>(bad.payload[bad.payload.size() / 2] ^ 0x01);
  store->rewrite(t, {bad}, {});
  // A fresh reader over the same rows, so nothing comes from a cache.
  auto reader = std::make_unique<DeltaCheckpointer>(*store, DeltaOptions::full_rows());
  try {
    reader->load_by_id(ids[3]);
    BOOST_ERROR("flipped byte not detected");
  } catch (const Corruption& e) {
    BOOST_TEST(e.checkpoint_id() == ids[3]);
  }
  BOOST_TEST(exactly_equal(reader->load_by_id(ids[2])->state, states[2]));
  BOOST_CHECK_THROW(reader->history(t), Corruption);
}

// RowStore::quarantine on its own: the named row goes with every delta row
// whose chain passes through it (which could not load without it), in one
// transaction, and what remains verifies and loads as saved.
inline void check_quarantine(DeltaCheckpointer& cp) {
  RowStore& store = cp.row_store();
  const std::string t = fresh_thread("quarantine");
  const auto states = workloads::generate("plan_edit", 16, 5);
  const auto ids = save_workload(cp, t, states);
  std::string named = ids[3];
  for (std::size_t i = 2; i + 1 < ids.size(); ++i) {
    if (store.header(ids[i + 1])->kind == RowKind::kDelta) {
      named = ids[i];
      break;
    }
  }
  BOOST_TEST(store.quarantine(t, {{"no-such-row", "ignored"}}).empty());
  const auto moved = store.quarantine(t, {{named, "a test moved it"}});
  BOOST_TEST_REQUIRE(!moved.empty());
  BOOST_TEST(moved.front().checkpoint_id == named);
  BOOST_TEST(moved.front().reason == "a test moved it");
  std::set<std::string> gone;
  for (const auto& m : moved) gone.insert(m.checkpoint_id);
  BOOST_TEST(verify(store, t).ok());
  DeltaCheckpointer reader(store);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto loaded = reader.load_by_id(ids[i]);
    BOOST_TEST(loaded.has_value() == (gone.count(ids[i]) == 0), ids[i]);
    if (loaded) BOOST_TEST(exactly_equal(loaded->state, states[i]), ids[i]);
  }
  BOOST_TEST(store.rows(t).size() + moved.size() == ids.size());
  BOOST_TEST(store.quarantined(t).size() == moved.size());
}

// repair() moves exactly the rows a reader cannot load (a damaged delta,
// everything whose chain passes through it, a namespace's damaged head) into
// the quarantine, byte for byte; the heads move to the newest loadable rows,
// and the thread can be saved to, pruned and compacted again.
inline void check_repair(DeltaCheckpointer& cp) {
  RowStore& store = cp.row_store();
  const std::string t = fresh_thread("repair");
  const auto states = workloads::generate("plan_edit", 24, 11);
  const auto ids = save_workload(cp, t, states);
  std::vector<std::string> sub_ids;
  for (int i = 0; i < 3; ++i) {
    Checkpoint c = make(t, i, {{"sub", i}, {"padding", std::string(3000, 'p')}});
    c.checkpoint_ns = "sub";
    sub_ids.push_back(cp.save(c));
  }
  // Damage a delta row in the middle (its chain's later rows depend on it),
  // or row 8 when the policy writes full rows only; and the head of "sub".
  // (Every row is passed back, so that a zstd-chain delta compressed
  // against the damaged row is part of the rewrite.)
  const auto damage = [&](const std::string& id) {
    auto rows = store.rows(t);
    for (auto& row : rows) {
      if (row.header.checkpoint_id != id) continue;
      row.payload[row.payload.size() / 2] = static_cast<char>(row.payload[row.payload.size() / 2] ^ 0x01);
      const std::string damaged = row.payload;
      store.rewrite(t, rows, {});
      return damaged;
    }
    BOOST_FAIL("no row " << id);
    return std::string();
  };
  std::string victim = ids[8];
  for (std::size_t i = 5; i + 1 < ids.size(); ++i) {
    if (store.header(ids[i])->kind == RowKind::kDelta && store.header(ids[i + 1])->kind == RowKind::kDelta) {
      victim = ids[i];
      break;
    }
  }
  std::map<std::string, std::string> damaged_payloads{{victim, damage(victim)}, {sub_ids[2], damage(sub_ids[2])}};

  // The oracle: which checkpoints a reader with no cache cannot load.
  std::set<std::string> unloadable;
  std::vector<std::string> all_ids = ids;
  all_ids.insert(all_ids.end(), sub_ids.begin(), sub_ids.end());
  for (const auto& id : all_ids) {
    try {
      DeltaCheckpointer(store).load_by_id(id);
    } catch (const Corruption&) {
      unloadable.insert(id);
    }
  }
  BOOST_TEST_REQUIRE(unloadable.count(victim) == 1u);
  BOOST_TEST_REQUIRE(unloadable.count(sub_ids[2]) == 1u);
  const auto ids_of = [](const std::vector<VerifyProblem>& problems) {
    std::set<std::string> out;
    for (const auto& p : problems) out.insert(p.checkpoint_id);
    return out;
  };

  const RepairResult planned = repair(store, t, Limits{}, /*dry_run=*/true);
  BOOST_TEST((ids_of(planned.quarantined) == unloadable));
  BOOST_TEST(store.rows(t).size() == all_ids.size());  // a dry run changes nothing
  BOOST_TEST(store.quarantined(t).empty());

  const RepairResult repaired = repair(store, t);
  BOOST_TEST(repaired.ok());
  BOOST_TEST((ids_of(repaired.quarantined) == unloadable));
  BOOST_TEST(verify(store, t).ok());
  // Kept byte for byte, with a reason naming what was wrong.
  const auto kept = store.quarantined(t);
  BOOST_TEST(kept.size() == unloadable.size());
  for (const auto& q : kept) {
    BOOST_TEST(unloadable.count(q.checkpoint_id) == 1u, q.checkpoint_id);
    BOOST_TEST(!q.reason.empty());
    if (const auto d = damaged_payloads.find(q.checkpoint_id); d != damaged_payloads.end()) {
      BOOST_TEST((q.payload == d->second), q.checkpoint_id);
      BOOST_TEST(q.reason.find("checksum") != std::string::npos, q.reason);
    }
  }
  // Every other checkpoint loads as saved; the quarantined ones are gone.
  DeltaCheckpointer reader(store);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto loaded = reader.load_by_id(ids[i]);
    if (unloadable.count(ids[i]) != 0) {
      BOOST_TEST(!loaded.has_value(), ids[i]);
    } else {
      BOOST_TEST_REQUIRE(loaded.has_value(), ids[i]);
      BOOST_TEST(exactly_equal(loaded->state, states[i]), ids[i]);
    }
  }
  // Each head is now the newest loadable checkpoint of its namespace.
  std::string root_head;
  for (const auto& id : ids) {
    if (unloadable.count(id) == 0) root_head = id;
  }
  BOOST_TEST(store.head(t, "")->checkpoint_id == root_head);
  BOOST_TEST(store.head(t, "sub")->checkpoint_id == sub_ids[1]);
  BOOST_TEST(repaired.heads_moved.size() == (unloadable.count(ids.back()) != 0 ? 2u : 1u));

  // The thread takes saves, prunes and compacts again.
  const std::string next = cp.save(make(t, 100, states.back()));
  BOOST_TEST(store.header(next)->parent_id == root_head);
  Checkpoint sub_next = make(t, 3, {{"sub", 3}});
  sub_next.checkpoint_ns = "sub";
  BOOST_TEST(store.header(cp.save(sub_next))->parent_id == sub_ids[1]);
  compact(store, t, DeltaOptions{});
  BOOST_TEST(cp.prune(t, "", {.keep_last = 3}).removed > 0u);
  BOOST_TEST(verify(store, t).ok());
  BOOST_TEST(exactly_equal(DeltaCheckpointer(store).load_by_id(next)->state, states.back()));

  // Deleting the thread deletes its quarantined rows too.
  cp.remove_thread(t);
  BOOST_TEST(store.quarantined(t).empty());
}

// Values flipping between every pair of edge values, both ways (a, b, a,
// b', a, ...), in every place a change can hide: each checkpoint loads back
// exactly, read from the stored rows by a reader with no cache.
inline void check_special_value_chain(DeltaCheckpointer& cp) {
  const std::string t = fresh_thread("special-values");
  const auto values = deltackpt::testing::special_values();
  std::vector<std::pair<std::string, Json>> saved;  // id, state
  std::int64_t step = 0;
  const auto save = [&](const Json& value) {
    Json state = deltackpt::testing::in_every_place(value);
    state["padding"] = std::string(2000, 'p');  // so that deltas pay
    saved.emplace_back(cp.save(make(t, step++, state)), std::move(state));
  };
  for (std::size_t a = 0; a < values.size(); ++a) {
    save(values[a]);
    for (std::size_t b = a + 1; b < values.size(); ++b) {
      save(values[b]);
      save(values[a]);
    }
  }
  auto reader = std::make_unique<DeltaCheckpointer>(cp.row_store(), DeltaOptions::full_rows());
  std::size_t exact = 0;
  for (const auto& [id, state] : saved) {
    const auto loaded = reader->load_by_id(id);
    BOOST_TEST_REQUIRE(loaded.has_value(), id);
    if (exactly_equal(loaded->state, state)) {
      ++exact;
    } else {
      BOOST_ERROR("checkpoint " << id << " loads as " << loaded->state.dump() << ", saved "
                                << state.dump());
    }
  }
  const auto history = reader->history(t);
  BOOST_TEST_REQUIRE(history.size() == saved.size());
  for (std::size_t i = 0; i < saved.size(); ++i) {
    BOOST_TEST_REQUIRE(exactly_equal(history[i].state, saved[i].second), "history " << i);
  }
  BOOST_TEST(exact == saved.size());
  BOOST_TEST(cp.counters().deltas_refused == 0u);
  if (cp.options().full_snapshot_interval > 1) BOOST_TEST(cp.counters().delta_rows > saved.size() / 2);
}

// Another process compacts the thread a writer is extending, so the chain
// the writer's cached parent sits in is rewritten under it (in a zstd store
// its next delta would be compressed against a full row that no longer is
// one: that save becomes a full row instead). And a rewrite planned from
// rows read before a writer's save must not undo what that save relies on.
// Every checkpoint still loads back exactly, read by a reader with no cache.
inline void check_chains_rewritten_under_a_writer(DeltaCheckpointer& cp) {
  RowStore& store = cp.row_store();
  const std::string t = fresh_thread("rewritten");
  const auto states = workloads::generate("chat", 24, 11);
  std::vector<std::string> ids;
  const auto save = [&](std::size_t i) {
    ids.push_back(cp.save(make(t, static_cast<std::int64_t>(i), states[i])));
  };
  for (std::size_t i = 0; i < 12; ++i) save(i);
  compact(store, t, DeltaOptions{.full_snapshot_interval = 3});
  for (std::size_t i = 12; i < 20; ++i) save(i);
  const auto before = store.rows(t);
  save(20);
  if (store.header(ids.back())->encoding == "zstd-chain") {
    BOOST_CHECK_THROW(store.rewrite(t, before, {}), Conflict);
  } else {
    store.rewrite(t, before, {});  // the rows as they were: nothing depends on them
  }
  compact(store, t, DeltaOptions{.full_snapshot_interval = 4});
  for (std::size_t i = 21; i < states.size(); ++i) save(i);
  auto reader = std::make_unique<DeltaCheckpointer>(store, DeltaOptions::full_rows());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    BOOST_TEST_REQUIRE(exactly_equal(reader->load_by_id(ids[i])->state, states[i]), "checkpoint " << i);
  }
  const VerifyReport report = verify(store, t, Limits{});
  BOOST_TEST(report.ok(), (report.ok() ? std::string() : report.problems.front().message));
}

// Many threads saving at once, on their own threads and on one shared thread.
inline void check_concurrent_writers(Checkpointer& cp) {
  constexpr int kWorkers = 4;
  constexpr int kSaves = 25;
  const std::string shared = fresh_thread("shared");
  std::vector<std::string> own(kWorkers);
  for (auto& t : own) t = fresh_thread("own");
  std::atomic<int> shared_ok{0}, conflicts{0}, failures{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      for (int i = 0; i < kSaves; ++i) {
        try {
          cp.save(make(own[static_cast<std::size_t>(w)], i, {{"w", w}, {"i", i}}));
          // Implicit parent on a shared thread: serialized, every save lands.
          cp.save(make(shared, i, {{"w", w}, {"i", i}}));
          ++shared_ok;
          // Explicit parent: racing writers may lose, and then get Conflict.
          if (auto head = cp.load(shared)) {
            Checkpoint c = make(shared, i, {{"w", w}, {"i", i}, {"explicit", true}});
            c.parent_id = head->checkpoint_id;
            try {
              cp.save(c);
              ++shared_ok;
            } catch (const Conflict&) {
              ++conflicts;
            }
          }
        } catch (const std::exception& e) {
          ++failures;
          BOOST_TEST_MESSAGE("worker failure: " << e.what());
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  BOOST_TEST(failures.load() == 0);
  for (int w = 0; w < kWorkers; ++w) {
    const auto history = cp.history(own[static_cast<std::size_t>(w)]);
    BOOST_TEST_REQUIRE(history.size() == static_cast<std::size_t>(kSaves));
    for (int i = 0; i < kSaves; ++i) {
      BOOST_TEST(history[static_cast<std::size_t>(i)].state["i"] == i);
    }
  }
  const auto history = cp.history(shared);
  BOOST_TEST(history.size() == static_cast<std::size_t>(shared_ok.load()));
  // No lost updates: every checkpoint's parent is the one saved just before it.
  for (std::size_t i = 1; i < history.size(); ++i) {
    BOOST_TEST(history[i].parent_id == history[i - 1].checkpoint_id);
  }
  BOOST_TEST_MESSAGE("shared thread: " << shared_ok.load() << " saves, " << conflicts.load()
                                       << " explicit-parent conflicts");
}

}  // namespace deltackpt::conformance

#define DELTACKPT_CONFORMANCE_CASES()                                                        \
  BOOST_AUTO_TEST_CASE(round_trip) { deltackpt::conformance::check_round_trip(cp()); }       \
  BOOST_AUTO_TEST_CASE(absence_is_nullopt) { deltackpt::conformance::check_absence(cp()); }  \
  BOOST_AUTO_TEST_CASE(workload_history) { deltackpt::conformance::check_workload_history(cp()); } \
  BOOST_AUTO_TEST_CASE(list_limit_before_filter) { deltackpt::conformance::check_list(cp()); } \
  BOOST_AUTO_TEST_CASE(remove_thread) { deltackpt::conformance::check_remove_thread(cp()); } \
  BOOST_AUTO_TEST_CASE(prune) { deltackpt::conformance::check_prune(cp()); }                 \
  BOOST_AUTO_TEST_CASE(fork) { deltackpt::conformance::check_fork(cp()); }                   \
  BOOST_AUTO_TEST_CASE(conflicts) { deltackpt::conformance::check_conflicts(cp()); }         \
  BOOST_AUTO_TEST_CASE(roots) { deltackpt::conformance::check_roots(cp()); }                 \
  BOOST_AUTO_TEST_CASE(retried_saves) { deltackpt::conformance::check_retried_saves(cp()); } \
  BOOST_AUTO_TEST_CASE(info) { deltackpt::conformance::check_info(cp()); }                   \
  BOOST_AUTO_TEST_CASE(bad_input) { deltackpt::conformance::check_bad_input(cp()); }         \
  BOOST_AUTO_TEST_CASE(special_value_chain) {                                                \
    deltackpt::conformance::check_special_value_chain(cp());                                 \
  }                                                                                          \
  BOOST_AUTO_TEST_CASE(corruption_detected) {                                                \
    deltackpt::conformance::check_corruption_detected(cp());                                 \
  }                                                                                          \
  BOOST_AUTO_TEST_CASE(quarantine_moves_dependent_deltas) {                                  \
    deltackpt::conformance::check_quarantine(cp());                                          \
  }                                                                                          \
  BOOST_AUTO_TEST_CASE(repair_quarantines_unreadable_rows) {                                 \
    deltackpt::conformance::check_repair(cp());                                              \
  }                                                                                          \
  BOOST_AUTO_TEST_CASE(concurrent_writers) {                                                 \
    deltackpt::conformance::check_concurrent_writers(cp());                                  \
  }                                                                                          \
  BOOST_AUTO_TEST_CASE(chains_rewritten_under_a_writer) {                                    \
    deltackpt::conformance::check_chains_rewritten_under_a_writer(cp());                     \
  }

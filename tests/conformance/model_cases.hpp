// Conformance cases of the checkpoint model runtimes need: namespaces,
// pending writes, and lists across threads and namespaces. Every expected
// result is computed here from what the case saved, with the tests' own
// oracle (exact_json.hpp), never with the library's comparisons.
#pragma once

#include <barrier>
#include <map>

#include "conformance/cases.hpp"
#include "deltackpt/checkpointer_wrapper.hpp"
#include "deltackpt/maintenance.hpp"

namespace deltackpt::conformance {

// A nested subgraph path of a few hundred bytes, as LangGraph makes them.
inline std::string long_namespace() {
  std::string ns;
  for (int depth = 0; depth < 8; ++depth) {
    if (!ns.empty()) ns += '|';
    ns += "node_" + std::to_string(depth) + ":" + new_checkpoint_id();
  }
  return ns;
}

inline Checkpoint make_in(const std::string& thread, const std::string& ns, std::int64_t step, Json state) {
  Checkpoint c = make(thread, step, std::move(state));
  c.checkpoint_ns = ns;
  return c;
}

inline void check_namespaces(Checkpointer& cp) {
  const std::string t = fresh_thread("ns");
  const std::string sub = long_namespace();
  BOOST_TEST_REQUIRE(sub.size() > 300u);
  // Interleaved implicit-parent saves: each namespace keeps its own chain.
  std::vector<std::string> root_ids, sub_ids;
  Json root_state = {{"messages", Json::array()}}, sub_state = {{"messages", Json::array()}};
  for (int i = 0; i < 7; ++i) {
    root_state["messages"].push_back("root " + std::to_string(i));
    sub_state["messages"].push_back("sub " + std::to_string(i));
    root_ids.push_back(cp.save(make_in(t, "", i, root_state)));
    sub_ids.push_back(cp.save(make_in(t, sub, i, sub_state)));
  }
  const auto root = cp.load(t);
  const auto in_sub = cp.load(t, sub);
  BOOST_TEST_REQUIRE(root.has_value());
  BOOST_TEST_REQUIRE(in_sub.has_value());
  BOOST_TEST(root->checkpoint_id == root_ids.back());
  BOOST_TEST(root->checkpoint_ns.empty());
  BOOST_TEST(exactly_equal(root->state, root_state));
  BOOST_TEST(in_sub->checkpoint_id == sub_ids.back());
  BOOST_TEST(in_sub->checkpoint_ns == sub);
  BOOST_TEST(exactly_equal(in_sub->state, sub_state));
  BOOST_TEST(!cp.load(t, "no-such-namespace").has_value());
  const auto sub_history = cp.history(t, sub);
  BOOST_TEST_REQUIRE(sub_history.size() == 7u);
  for (std::size_t i = 0; i < sub_history.size(); ++i) {
    BOOST_TEST(sub_history[i].checkpoint_id == sub_ids[i]);
    BOOST_TEST(sub_history[i].parent_id == (i == 0 ? std::string() : sub_ids[i - 1]));
  }
  BOOST_TEST(cp.history(t).size() == 7u);
  BOOST_TEST((cp.namespaces(t) == std::vector<std::string>{"", sub}));

  // Parents, forks and extends never cross namespaces.
  Checkpoint across = make_in(t, sub, 9, {{"x", 1}});
  across.parent_id = root_ids.back();
  expect_error(ErrorCode::kNotFound, [&] { cp.save(across); });
  expect_error(ErrorCode::kNotFound, [&] { cp.save(across, {.fork = true}); });
  // A parent anywhere in its own namespace (time travel in a subgraph).
  Checkpoint branch = make_in(t, sub, 3, {{"branch", true}});
  branch.parent_id = sub_ids[2];
  const std::string branched = cp.save(branch, {.fork = true});
  BOOST_TEST(cp.load(t, sub)->checkpoint_id == branched);
  BOOST_TEST(cp.load(t)->checkpoint_id == root_ids.back());
  // A new root of one namespace leaves the other alone.
  const std::string rooted = cp.save(make_in(t, sub, 0, {{"fresh", true}}), {.root = true});
  BOOST_TEST(cp.info(rooted)->parent_id.empty());
  BOOST_TEST(cp.info(rooted)->checkpoint_ns == sub);
  BOOST_TEST(cp.load(t)->checkpoint_id == root_ids.back());
  // An id is unique in the store, whatever the namespace.
  Checkpoint taken = make_in(t, sub, 1, {{"other", 1}});
  taken.checkpoint_id = root_ids[0];
  expect_error(ErrorCode::kConflict, [&] { cp.save(taken); });

  // Writers of different namespaces of one thread never conflict, even
  // extending explicit parents; two writers of one namespace racing to
  // extend the same parent: exactly one wins.
  constexpr int kSaves = 15;
  const std::string t2 = fresh_thread("ns-race");
  std::vector<std::string> lanes = {"", "a", "a|b"};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> writers;
  for (const auto& lane : lanes) {
    writers.emplace_back([&, lane] {
      std::string parent;
      for (int i = 0; i < kSaves; ++i) {
        Checkpoint c = make_in(t2, lane, i, {{"lane", lane}, {"i", i}});
        c.parent_id = parent;
        try {
          parent = cp.save(c);
        } catch (const Conflict&) {
          ++conflicts;
        }
      }
    });
  }
  for (auto& w : writers) w.join();
  BOOST_TEST(conflicts.load() == 0);
  for (const auto& lane : lanes) BOOST_TEST(cp.history(t2, lane).size() == static_cast<std::size_t>(kSaves));
  const std::string head = cp.load(t2, "a")->checkpoint_id;
  std::barrier start(2);
  std::atomic<int> won{0}, lost{0};
  std::vector<std::thread> racers;
  for (int r = 0; r < 2; ++r) {
    racers.emplace_back([&, r] {
      Checkpoint c = make_in(t2, "a", kSaves, {{"racer", r}});
      c.parent_id = head;
      start.arrive_and_wait();
      try {
        cp.save(c);
        ++won;
      } catch (const Conflict&) {
        ++lost;
      }
    });
  }
  for (auto& r : racers) r.join();
  BOOST_TEST(won.load() == 1);
  BOOST_TEST(lost.load() == 1);

  // Namespaces up to Limits::max_namespace_bytes; longer, NUL or not UTF-8: refused.
  const std::string widest(Limits{}.max_namespace_bytes, 'n');
  BOOST_TEST(cp.load(t, cp.info(cp.save(make_in(t, widest, 0, {{"w", 1}})))->checkpoint_ns)->state["w"] == 1);
  expect_error(ErrorCode::kInvalidArgument, [&] { cp.save(make_in(t, widest + "n", 0, {})); });
  expect_error(ErrorCode::kInvalidArgument, [&] { cp.save(make_in(t, std::string("a\0b", 3), 0, {})); });
  expect_error(ErrorCode::kInvalidArgument, [&] { cp.load(t, "\xff"); });

  // remove_thread removes every namespace.
  BOOST_TEST(cp.remove_thread(t) == 7u + 7u + 2u + 1u);
  BOOST_TEST(!cp.load(t, sub).has_value());
  BOOST_TEST(cp.namespaces(t).empty());
}

inline PendingWrite write_of(const std::string& task, const std::string& path, std::int64_t idx,
                             const std::string& channel, std::string value) {
  return PendingWrite{.task_id = task, .task_path = path, .idx = idx, .channel = channel, .type = "json",
                      .value = std::move(value)};
}

// (task_path, task_id, idx, channel, value) of each write, in order.
inline std::vector<std::string> described(const std::vector<PendingWrite>& writes) {
  std::vector<std::string> out;
  for (const auto& w : writes) {
    out.push_back(w.task_path + "/" + w.task_id + "/" + std::to_string(w.idx) + "/" + w.channel + "/" + w.type +
                  "=" + w.value);
  }
  return out;
}

inline void check_pending_writes(DeltaCheckpointer& cp) {
  const std::string t = fresh_thread("writes");
  const std::string ns = "sub:1";
  const std::string id = new_checkpoint_id();
  const CheckpointKey key{t, ns, id};
  // Before the checkpoint exists (LangGraph does not wait for the save).
  const std::string bytes("\x00\xff\xfe binary \x80", 12);
  cp.put_writes(key, {write_of("task-b", "~a", 0, "messages", "\"b0\""),
                      write_of("task-b", "~a", 1, "bytes", bytes)});
  cp.put_writes(key, {write_of("task-a", "~b", 0, "messages", "\"a0\"")});
  // Insert-or-ignore: a (task, idx) already stored keeps its first value.
  cp.put_writes(key, {write_of("task-b", "~a", 0, "messages", "\"changed\""),
                      write_of("task-b", "~a", 2, "extra", "\"b2\"")});
  // All special (negative idx): replaces; mixed with a normal idx: ignored.
  cp.put_writes(key, {write_of("task-a", "~b", -1, "__error__", "\"first\"")});
  cp.put_writes(key, {write_of("task-a", "~b", -1, "__error__", "\"second\"")});
  cp.put_writes(key, {write_of("task-a", "~b", -1, "__error__", "\"mixed\""),
                      write_of("task-a", "~b", 0, "messages", "\"mixed\"")});
  cp.put_writes(key, {});
  // Other threads and namespaces are apart.
  cp.put_writes({t, "", id}, {write_of("task-z", "", 0, "root", "1")});
  const std::vector<std::string> expected = {
      "~a/task-b/0/messages/json=\"b0\"", "~a/task-b/1/bytes/json=" + bytes, "~a/task-b/2/extra/json=\"b2\"",
      "~b/task-a/-1/__error__/json=\"second\"", "~b/task-a/0/messages/json=\"a0\""};
  BOOST_TEST(described(cp.writes(key)) == expected);
  BOOST_TEST(described(cp.writes({t, "", id})) == std::vector<std::string>{"/task-z/0/root/json=1"});
  BOOST_TEST(cp.writes({t, ns, "other"}).empty());
  expect_error(ErrorCode::kInvalidArgument, [&] { cp.put_writes(key, {write_of("", "", 0, "c", "v")}); });
  expect_error(ErrorCode::kInvalidArgument, [&] { cp.put_writes(key, {write_of("t", "", 0, "", "v")}); });

  // Orphans until the checkpoint arrives: counted, reported, not a problem.
  VerifyReport report = verify(cp.row_store(), t, cp.options().limits);
  BOOST_TEST(report.ok());
  BOOST_TEST(report.orphan_writes.size() == 2u);
  StoreStats figures = stats(cp.row_store(), t);
  BOOST_TEST_REQUIRE(figures.threads.size() == 1u);
  BOOST_TEST(figures.threads[0].writes == 6u);
  BOOST_TEST(figures.threads[0].orphan_writes == 6u);
  BOOST_TEST(figures.threads[0].write_bytes == static_cast<std::int64_t>(4 + 12 + 4 + 8 + 4 + 1));

  Checkpoint c = make_in(t, ns, 0, {{"n", 0}});
  c.checkpoint_id = id;
  cp.save(c);
  report = verify(cp.row_store(), t, cp.options().limits);
  BOOST_TEST(report.orphan_writes.size() == 1u);  // the root namespace's
  BOOST_TEST(stats(cp.row_store(), t).threads[0].orphan_writes == 1u);
  const auto listed = cp.list_states({.thread_id = t, .checkpoint_ns = ns, .with_writes = true});
  BOOST_TEST_REQUIRE(listed.size() == 1u);
  BOOST_TEST(described(listed[0].writes) == expected);
  BOOST_TEST(cp.list_states({.thread_id = t, .checkpoint_ns = ns})[0].writes.empty());

  // Pruning a checkpoint deletes its writes.
  for (int i = 1; i <= 3; ++i) cp.save(make_in(t, ns, i, {{"n", i}}));
  cp.put_writes({t, ns, cp.load(t, ns)->checkpoint_id}, {write_of("task-c", "", 0, "c", "kept")});
  BOOST_TEST(cp.prune(t, ns, {.keep_last = 1}).removed == 3u);
  BOOST_TEST(cp.writes(key).empty());
  BOOST_TEST(cp.writes({t, ns, cp.load(t, ns)->checkpoint_id}).size() == 1u);
  BOOST_TEST(cp.writes({t, "", id}).size() == 1u);  // not that checkpoint's: kept
  // remove_thread deletes every write of the thread, orphans included.
  cp.remove_thread(t);
  BOOST_TEST(cp.writes({t, "", id}).empty());
  BOOST_TEST(stats(cp.row_store(), t).threads.empty());
}

// What a case saved, in the order it saved it: the oracle of list().
struct Saved {
  std::string thread_id, checkpoint_ns, checkpoint_id;
  Json state, metadata;
};

// The ids list() must return for `o`, computed from `saved` alone.
inline std::vector<std::string> expected_ids(std::vector<Saved> saved, const ListOptions& o) {
  // In id order, "saved before" is "sorts before".
  if (o.order == ListOrder::kCheckpointId) {
    std::sort(saved.begin(), saved.end(), [](const Saved& a, const Saved& b) { return a.checkpoint_id < b.checkpoint_id; });
  }
  std::size_t end = saved.size();  // rows before this index qualify
  bool by_id = o.order == ListOrder::kCheckpointId && !o.before.empty();
  if (!o.before.empty() && !by_id) {
    const auto it = std::find_if(saved.begin(), saved.end(), [&](const Saved& s) { return s.checkpoint_id == o.before; });
    if (it != saved.end()) {
      end = static_cast<std::size_t>(it - saved.begin());
    } else {
      by_id = true;
    }
  }
  std::vector<std::string> out;
  for (std::size_t i = end; i-- > 0;) {
    const Saved& s = saved[i];
    if (o.thread_id && s.thread_id != *o.thread_id) continue;
    if (o.checkpoint_ns && s.checkpoint_ns != *o.checkpoint_ns) continue;
    if (by_id && !(s.checkpoint_id < o.before)) continue;
    bool matches = true;
    for (auto f = o.metadata_filter.begin(); f != o.metadata_filter.end(); ++f) {
      const auto m = s.metadata.find(f.key());
      matches = matches && m != s.metadata.end() && exactly_equal(*m, f.value());
    }
    if (!matches) continue;
    out.push_back(s.checkpoint_id);
    if (o.limit != 0 && out.size() == o.limit) break;
  }
  return out;
}

inline std::vector<std::string> ids_of(const std::vector<CheckpointInfo>& infos) {
  std::vector<std::string> out;
  for (const auto& i : infos) out.push_back(i.checkpoint_id);
  return out;
}

inline void check_list_model(Checkpointer& cp) {
  // Two threads, two namespaces each, saved interleaved; every row carries
  // this run's tag so lists over every thread see only this case's rows on a
  // shared database.
  const std::string run = new_checkpoint_id();
  const std::vector<std::string> threads = {fresh_thread("list-a"), fresh_thread("list-b")};
  const std::vector<std::string> namespaces = {"", "child:1"};
  std::vector<Saved> saved;
  std::map<std::string, Json> states;
  for (int step = 0; step < 6; ++step) {
    for (const auto& t : threads) {
      for (const auto& ns : namespaces) {
        Json& state = states[t + "/" + ns];
        if (state.is_null()) state = {{"log", Json::array()}};
        state["log"].push_back({{"step", step}, {"where", t + "/" + ns}});
        Checkpoint c = make_in(t, ns, step, state);
        c.metadata = {{"run", run}, {"parity", step % 2 == 0 ? "even" : "odd"}, {"step", step}};
        // Ids that do not sort in the order of the saves (as when
        // concurrent runtimes save), so the two orders differ.
        c.checkpoint_id = std::to_string(9 - step) + "-" + new_checkpoint_id();
        const std::string id = cp.save(c);
        saved.push_back({t, ns, id, state, c.metadata});
      }
    }
  }
  const std::string middle = saved[saved.size() / 2].checkpoint_id;
  // An id never stored that sorts between saved ids (time order).
  std::string unknown = saved[9].checkpoint_id;
  unknown.back() = unknown.back() == 'f' ? 'e' : static_cast<char>(unknown.back() + 1);
  const Json run_only = {{"run", run}};
  const Json odd = {{"run", run}, {"parity", "odd"}};
  std::size_t combinations = 0;
  for (const std::optional<std::string>& thread : {std::optional<std::string>{}, std::optional<std::string>{threads[1]}}) {
    for (const std::optional<std::string>& ns :
         {std::optional<std::string>{}, std::optional<std::string>{""}, std::optional<std::string>{"child:1"}}) {
      for (const std::string& before : {std::string(), middle, unknown, saved[3].checkpoint_id}) {
        for (const std::size_t limit : {std::size_t{0}, std::size_t{1}, std::size_t{3}}) {
          for (const Json& filter : {run_only, odd}) {
            for (const ListOrder order : {ListOrder::kSaved, ListOrder::kCheckpointId}) {
              const ListOptions o{.thread_id = thread, .checkpoint_ns = ns, .limit = limit, .before = before,
                                  .metadata_filter = filter, .order = order};
              const auto want = expected_ids(saved, o);
              BOOST_TEST(ids_of(cp.list(o)) == want,
                         "thread=" << thread.value_or("*") << " ns=" << ns.value_or("*") << " before=" << before
                                   << " limit=" << limit << " filter=" << filter.dump()
                                   << " by id=" << (order == ListOrder::kCheckpointId));
              ++combinations;
            }
          }
        }
      }
    }
  }
  BOOST_TEST(combinations == 288u);
  // With states: every listed state exactly as saved, across chains.
  std::map<std::string, const Saved*> by_id;
  for (const auto& s : saved) by_id[s.checkpoint_id] = &s;
  for (const std::size_t limit : {std::size_t{0}, std::size_t{5}}) {
    const ListOptions o{.limit = limit, .before = middle, .metadata_filter = run_only,
                        .order = limit == 0 ? ListOrder::kSaved : ListOrder::kCheckpointId};
    const auto listed = cp.list_states(o);
    const auto want = expected_ids(saved, o);
    BOOST_TEST_REQUIRE(listed.size() == want.size());
    for (std::size_t i = 0; i < listed.size(); ++i) {
      const Checkpoint& c = listed[i].checkpoint;
      BOOST_TEST(c.checkpoint_id == want[i]);
      const Saved& s = *by_id.at(c.checkpoint_id);
      BOOST_TEST(c.thread_id == s.thread_id);
      BOOST_TEST(c.checkpoint_ns == s.checkpoint_ns);
      BOOST_TEST(exactly_equal(c.state, s.state), c.checkpoint_id);
      BOOST_TEST(exactly_equal(c.metadata, s.metadata));
    }
  }
}

// Metadata filters on values SQL compares differently from JSON (numbers
// of two kinds, booleans and 1, escapes, keys a JSON path must quote): the
// rows a filter selects are exactly those the oracle selects.
inline void check_metadata_filters(Checkpointer& cp) {
  const std::string t = fresh_thread("filters");
  const std::vector<Json> values = {
      1, 1.0, -1, true, false, nullptr, "1", "", "quote\" back\\ 'single'", "é 中 😀", "nul\u0001ctl",
      std::uint64_t{18446744073709551615ULL}, std::int64_t{-9223372036854775807LL - 1}, 0.0, -0.0, 1e300,
      Json::array({1, 2}), Json::array({1}), Json::object({{"a", 1}}), Json::object({{"a", 1}, {"b", 2}})};
  const std::vector<std::string> keys = {"k", "a.b", "it's", "with \"quote\"", "é"};
  std::vector<Saved> saved;
  for (std::size_t i = 0; i < values.size(); ++i) {
    Checkpoint c = make(t, static_cast<std::int64_t>(i), {{"i", i}});
    c.metadata = Json::object();
    c.metadata[keys[i % keys.size()]] = values[i];
    c.metadata["k"] = values[i];
    const std::string id = cp.save(c);
    saved.push_back({t, "", id, c.state, c.metadata});
  }
  std::size_t matched = 0;
  for (const auto& key : keys) {
    for (const auto& value : values) {
      const ListOptions o{.thread_id = t, .metadata_filter = Json::object({{key, value}})};
      const auto want = expected_ids(saved, o);
      matched += want.size();
      BOOST_TEST(ids_of(cp.list(o)) == want, "filter " << o.metadata_filter.dump());
    }
  }
  BOOST_TEST(matched >= values.size());  // every value finds at least its own row under "k"
}

// Checkpointer's own save_delta (load the parent, save the whole state),
// which a checkpointer that does not override it gets.
class DefaultSaveDelta : public CheckpointerWrapper {
 public:
  using CheckpointerWrapper::CheckpointerWrapper;
  using CheckpointerWrapper::save_delta;
  std::string save_delta(const Checkpoint& cp, const Json& delta, const SaveOptions& options) override {
    return Checkpointer::save_delta(cp, delta, options);
  }
};

inline Checkpoint child_of(const std::string& thread, const std::string& parent, std::int64_t step) {
  Checkpoint c;
  c.thread_id = thread;
  c.parent_id = parent;
  c.step = step;
  c.metadata = {{"step", step}};
  return c;
}

// save_delta: the state is the parent's with the delta applied, expected
// states built here by hand; refused deltas write nothing and leave the
// parent usable.
inline void check_save_delta_on(Checkpointer& cp) {
  const std::string t = fresh_thread("save-delta");
  Json expected = {{"messages", {{{"id", 0}, {"text", "hello"}}}}, {"n", 0}, {"meta", {{"a", 1}, {"b", {1, 2}}}}};
  std::string parent = cp.save(make(t, 0, expected));
  std::vector<std::pair<std::string, Json>> saved{{parent, expected}};
  for (int i = 1; i <= 30; ++i) {
    const Json message = {{"id", i}, {"text", "message " + std::to_string(i) + " \u00e9 😀"}};
    Json delta = {{"v", 1},
                  {"keys",
                   {{"messages", {{"edits", {{{"at", i}, {"ins", {message}}}}}}},
                    {"n", {{"set", i}}},
                    // A whole object set again, one member changed: stored as what changed.
                    {"meta", {{"set", {{"a", 1}, {"b", {1, 2, i}}}}}}}}};
    if (i % 10 == 0) delta["keys"]["added_" + std::to_string(i)] = {{"set", {{"x", Json::array()}}}};
    expected["messages"].push_back(message);
    expected["n"] = i;
    expected["meta"] = {{"a", 1}, {"b", {1, 2, i}}};
    if (i % 10 == 0) expected["added_" + std::to_string(i)] = {{"x", Json::array()}};
    parent = cp.save_delta(child_of(t, parent, i), delta);
    saved.emplace_back(parent, expected);
  }
  const auto head = cp.load(t);
  BOOST_TEST_REQUIRE(head.has_value());
  BOOST_TEST(head->checkpoint_id == parent);
  BOOST_TEST(head->step == 30);
  BOOST_TEST(exactly_equal(head->metadata, Json{{"step", 30}}));
  for (const auto& [id, state] : saved) {
    const auto loaded = cp.load_by_id(id);
    BOOST_TEST_REQUIRE(loaded.has_value());
    BOOST_TEST(exactly_equal(loaded->state, state), id);
  }
  const std::size_t stored = cp.history(t, "").size();
  BOOST_TEST(stored == saved.size());

  // Refused: nothing written, the head unchanged, and the parent still usable.
  const auto refused = [&](ErrorCode code, const Json& delta, Checkpoint c, SaveOptions options = {}) {
    expect_error(code, [&] { cp.save_delta(c, delta, options); });
    BOOST_TEST(cp.history(t, "").size() == stored);
    BOOST_TEST(cp.load(t)->checkpoint_id == parent);
  };
  const Json fits = {{"v", 1}, {"keys", {{"n", {{"set", 31}}}}}};
  refused(ErrorCode::kInvalidArgument, fits, child_of(t, "", 31));                         // no parent
  refused(ErrorCode::kInvalidArgument, fits, child_of(t, parent, 31), {.root = true});
  refused(ErrorCode::kInvalidArgument, {{"v", 1}, {"keys", {{"messages", {{"edits", {{{"at", 99}, {"del", 1}}}}}}}}},
          child_of(t, parent, 31));                                                           // does not fit
  refused(ErrorCode::kInvalidArgument, {{"v", 7}}, child_of(t, parent, 31));               // unknown version
  refused(ErrorCode::kInvalidArgument, {{"v", 1}, {"set", {1, 2}}}, child_of(t, parent, 31));  // not an object
  refused(ErrorCode::kInvalidArgument, {{"v", 1}, {"keys", {{"bad", {{"set", std::string("\xff")}}}}}},
          child_of(t, parent, 31));                                                           // not UTF-8
  Json deep = 1;
  for (int i = 0; i < 200; ++i) deep = Json::array({deep});
  refused(ErrorCode::kInvalidArgument, {{"v", 1}, {"keys", {{"deep", {{"set", deep}}}}}}, child_of(t, parent, 31));
  refused(ErrorCode::kNotFound, fits, child_of(fresh_thread("other"), parent, 31));  // another thread's parent
  refused(ErrorCode::kConflict, fits, child_of(t, saved[5].first, 31));             // not the head, not a fork
  const std::string next = cp.save_delta(child_of(t, parent, 31), fits);
  expected["n"] = 31;
  BOOST_TEST(exactly_equal(cp.load(t)->state, expected));
  // A retry of that save with its id is a success that writes nothing.
  Checkpoint again = child_of(t, parent, 31);
  again.checkpoint_id = next;
  BOOST_TEST(cp.save_delta(again, fits) == next);
  BOOST_TEST(cp.history(t, "").size() == stored + 1);
  // A fork from an earlier checkpoint.
  const std::string fork = cp.save_delta(child_of(t, saved[5].first, 6), fits, {.fork = true});
  Json forked = saved[5].second;
  forked["n"] = 31;
  BOOST_TEST(exactly_equal(cp.load_by_id(fork)->state, forked));
  BOOST_TEST(cp.load(t)->checkpoint_id == fork);
}

inline void check_save_delta(Checkpointer& cp) {
  check_save_delta_on(cp);
  DefaultSaveDelta by_default(cp);
  check_save_delta_on(by_default);
}

}  // namespace deltackpt::conformance

#define DELTACKPT_MODEL_CASES()                                                                   \
  BOOST_AUTO_TEST_CASE(namespaces) { deltackpt::conformance::check_namespaces(cp()); }            \
  BOOST_AUTO_TEST_CASE(pending_writes) { deltackpt::conformance::check_pending_writes(cp()); }    \
  BOOST_AUTO_TEST_CASE(list_across_threads_and_namespaces) {                                      \
    deltackpt::conformance::check_list_model(cp());                                               \
  }                                                                                               \
  BOOST_AUTO_TEST_CASE(metadata_filters) { deltackpt::conformance::check_metadata_filters(cp()); } \
  BOOST_AUTO_TEST_CASE(save_delta) { deltackpt::conformance::check_save_delta(cp()); }

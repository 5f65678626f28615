// import_adk_sqlite(): reads adk-graph's graph_checkpoints table.
#include "deltackpt/import_adk.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "backends/sqlite/sqlite_handle.hpp"
#include "deltackpt/errors.hpp"

namespace deltackpt {
namespace {

using detail::sqlite::Statement;

// adk-graph's DeltaCheckpointer keeps its bookkeeping inside metadata.
constexpr const char* kAdkType = "__delta_ckpt_type";
constexpr const char* kAdkPayload = "__delta_ckpt_payload";
constexpr const char* kAdkBase = "__delta_ckpt_base_id";

[[noreturn]] void bad_row(const std::string& id, const std::string& why) {
  throw Corruption("deltackpt.import-adk: row " + id + ": " + why, id);
}

Json parse_text(const std::string& text, const std::string& id, const char* column) {
  try {
    return parse_exact(text, kMaxDepthLimit);  // the save checks the store's own depth limit
  } catch (const InvalidArgument& e) {
    bad_row(id, std::string(column) + ": " + e.what());
  }
}

// adk-graph's MapDelta: {added: {k: v}, removed: [k], modified: {k: v}},
// each part optional; anything else is refused, never read as no change.
void apply_adk_delta(Json& state, const Json* delta, const std::string& id) {
  if (delta == nullptr) bad_row(id, "delta row without \"" + std::string(kAdkPayload) + "\" in its metadata");
  if (!delta->is_object()) bad_row(id, "delta payload is not an object");
  for (auto it = delta->begin(); it != delta->end(); ++it) {
    if (it.key() != "added" && it.key() != "removed" && it.key() != "modified") {
      bad_row(id, "delta payload has an unknown part \"" + it.key() + "\"");
    }
  }
  if (const auto removed = delta->find("removed"); removed != delta->end()) {
    if (!removed->is_array()) bad_row(id, "delta \"removed\" is not an array of keys");
    for (const auto& key : *removed) {
      if (!key.is_string()) bad_row(id, "delta \"removed\" holds a non-string key");
      state.erase(key.get<std::string>());  // adk-graph's HashMap::remove: absent keys are fine
    }
  }
  for (const char* part : {"added", "modified"}) {
    const auto values = delta->find(part);
    if (values == delta->end()) continue;
    if (!values->is_object()) bad_row(id, std::string("delta \"") + part + "\" is not an object");
    for (auto it = values->begin(); it != values->end(); ++it) state[it.key()] = it.value();
  }
}

// What the first pass reads of a row: enough to order a thread.
struct SourceRow {
  std::int64_t rowid = 0;
  std::string id;
  std::int64_t step = 0;
  Timestamp created_at;
  bool delta = false;
  std::string base_id;  // a delta's: the checkpoint whose state it changes
};

// A thread's rows in the order they can be saved: by time (parsed, not as
// text), step and rowid, except that a delta waits for its base (adk-graph
// re-runs a step, and a delta names the row it is against).
std::vector<const SourceRow*> save_order(const std::vector<SourceRow>& rows, const std::string& thread) {
  std::vector<const SourceRow*> by_time;
  for (const auto& r : rows) by_time.push_back(&r);
  std::stable_sort(by_time.begin(), by_time.end(), [](const SourceRow* a, const SourceRow* b) {
    return std::tie(a->created_at, a->step, a->rowid) < std::tie(b->created_at, b->step, b->rowid);
  });
  std::unordered_set<std::string> ids;
  for (const auto* r : by_time) {
    if (!ids.insert(r->id).second) bad_row(r->id, "the id appears twice in thread " + thread);
  }
  std::vector<const SourceRow*> order;
  std::unordered_set<std::string> placed;
  std::unordered_map<std::string, std::vector<const SourceRow*>> waiting;  // by base id
  const std::function<void(const SourceRow*)> place = [&](const SourceRow* r) {
    order.push_back(r);
    placed.insert(r->id);
    const auto it = waiting.find(r->id);
    if (it == waiting.end()) return;
    const std::vector<const SourceRow*> ready = std::move(it->second);
    waiting.erase(it);
    for (const auto* next : ready) place(next);
  };
  for (const auto* r : by_time) {
    if (r->delta && !placed.contains(r->base_id)) {
      if (!ids.contains(r->base_id)) {
        bad_row(r->id, "its base \"" + r->base_id + "\" is not a checkpoint of thread " + thread);
      }
      waiting[r->base_id].push_back(r);
    } else {
      place(r);
    }
  }
  if (!waiting.empty()) bad_row(waiting.begin()->second.front()->id, "its chain of bases loops");
  return order;
}

// Reads one thread's rows and saves them into `target`.
class ThreadImport {
 public:
  ThreadImport(sqlite3* db, bool has_extras, Checkpointer& target)
      : full_row_(db, std::string("SELECT state, pending_nodes, metadata, ") +
                          (has_extras ? "cleared_interrupt, attempts, child_ledger" : "NULL, NULL, NULL") +
                          " FROM graph_checkpoints WHERE rowid = ?1"),
        target_(target) {}

  // Returns the bytes of state text read.
  std::int64_t save(const std::string& thread, const std::vector<const SourceRow*>& order, const Progress& progress,
                    std::size_t& done, std::size_t total) {
    std::int64_t state_bytes = 0;
    std::string head;
    Json head_state;
    for (const SourceRow* r : order) {
      full_row_.reset();
      full_row_.bind(1, r->rowid);
      if (!full_row_.step("import-adk: read graph_checkpoints")) bad_row(r->id, "the row vanished while importing");
      const std::string state_text = full_row_.column_text(0);
      state_bytes += static_cast<std::int64_t>(state_text.size());
      Checkpoint cp;
      cp.checkpoint_id = r->id;
      cp.thread_id = thread;
      cp.step = r->step;
      cp.created_at = r->created_at;
      const Json pending = parse_text(full_row_.column_text(1), r->id, "pending_nodes");
      if (!pending.is_array()) bad_row(r->id, "pending_nodes is not an array");
      for (const auto& node : pending) {
        if (!node.is_string()) bad_row(r->id, "pending_nodes holds a non-string");
        cp.pending_nodes.push_back(node.get<std::string>());
      }
      Json metadata =
          full_row_.column_is_null(2) ? Json::object() : parse_text(full_row_.column_text(2), r->id, "metadata");
      if (metadata.is_null()) metadata = Json::object();
      if (!metadata.is_object()) bad_row(r->id, "metadata is not an object");
      SaveOptions options;
      if (r->delta) {
        if (r->base_id == head) {
          cp.state = std::move(head_state);
        } else {
          // A re-run: a branch from an earlier checkpoint.
          auto base = target_.load_by_id(r->base_id);
          if (!base) bad_row(r->id, "its base " + r->base_id + " was not imported");
          cp.state = std::move(base->state);
          options.fork = true;
        }
        const auto payload = metadata.find(kAdkPayload);
        apply_adk_delta(cp.state, payload == metadata.end() ? nullptr : &*payload, r->id);
        cp.parent_id = r->base_id;
      } else {
        cp.state = parse_text(state_text, r->id, "state");
        if (!cp.state.is_object()) bad_row(r->id, "state is not an object");
        cp.parent_id = head;
      }
      metadata.erase(kAdkType);
      metadata.erase(kAdkPayload);
      metadata.erase(kAdkBase);
      Json extras = Json::object();
      if (!full_row_.column_is_null(3)) extras["cleared_interrupt"] = full_row_.column_text(3);
      for (int column : {4, 5}) {
        if (full_row_.column_is_null(column)) continue;
        const char* name = column == 4 ? "attempts" : "child_ledger";
        const Json value = parse_text(full_row_.column_text(column), r->id, name);
        if (!value.empty()) extras[name] = value;
      }
      if (!extras.empty()) metadata["adk"] = std::move(extras);
      cp.metadata = std::move(metadata);
      head = target_.save(cp, options);
      head_state = std::move(cp.state);
      if (progress) progress(++done, total);
    }
    return state_bytes;
  }

 private:
  Statement full_row_;
  Checkpointer& target_;
};

}  // namespace

ImportResult import_adk_sqlite(const std::string& source_path, Checkpointer& target,
                               const Progress& progress) {
  auto db = detail::sqlite::open_read_only(source_path);
  {
    Statement probe(db.get(), "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'graph_checkpoints'");
    if (!probe.step("import-adk")) {
      throw InvalidArgument("deltackpt.import-adk: " + source_path +
                            " has no graph_checkpoints table (is it an adk-graph store?)");
    }
  }
  // The optional columns came in later adk-graph versions.
  bool has_extras = false;
  {
    Statement columns(db.get(), "SELECT count(*) FROM pragma_table_info('graph_checkpoints') "
                                "WHERE name IN ('cleared_interrupt', 'attempts', 'child_ledger')");
    columns.step("import-adk");
    has_extras = columns.column_int(0) == 3;
  }
  // First pass: what orders each thread. A malformed metadata column is
  // reported by the second pass, with its row.
  std::map<std::string, std::vector<SourceRow>> threads;
  std::size_t total = 0;
  {
    Statement rows(db.get(),
                   "SELECT rowid, id, thread_id, step, created_at, "
                   "CASE WHEN json_valid(metadata) THEN json_extract(metadata, '$.__delta_ckpt_type') END, "
                   "CASE WHEN json_valid(metadata) THEN json_extract(metadata, '$.__delta_ckpt_base_id') END "
                   "FROM graph_checkpoints");
    while (rows.step("import-adk: read graph_checkpoints")) {
      SourceRow r;
      r.rowid = rows.column_int(0);
      r.id = rows.column_text(1);
      r.step = rows.column_int(3);
      try {
        r.created_at = parse_timestamp(rows.column_text(4));
      } catch (const InvalidArgument& e) {
        bad_row(r.id, e.what());
      }
      r.delta = !rows.column_is_null(5) && rows.column_text(5) == "delta";
      if (r.delta) {
        if (rows.column_is_null(6)) bad_row(r.id, "delta row without \"" + std::string(kAdkBase) + "\"");
        r.base_id = rows.column_text(6);
      }
      threads[rows.column_text(2)].push_back(std::move(r));
      ++total;
    }
  }
  ImportResult result;
  ThreadImport importer(db.get(), has_extras, target);
  std::size_t done = 0;
  for (const auto& [thread, rows] : threads) {
    const std::vector<const SourceRow*> order = save_order(rows, thread);
    // Resumable: a thread imported whole before is skipped; one a failed
    // run left half done (only ids of the source) is imported again.
    std::set<std::string> source_ids;
    for (const auto& r : rows) source_ids.insert(r.id);
    std::set<std::string> present;
    for (const auto& info : target.list({.thread_id = thread})) present.insert(info.checkpoint_id);
    if (!present.empty()) {
      if (present == source_ids) {
        ++result.skipped_threads;
        done += rows.size();
        if (progress) progress(done, total);
        continue;
      }
      if (!std::includes(source_ids.begin(), source_ids.end(), present.begin(), present.end())) {
        throw Conflict("deltackpt.import-adk: thread " + thread +
                       " already exists in the destination with checkpoints the source does not have");
      }
      target.remove_thread(thread);
    }
    // Each thread whole or not at all.
    try {
      result.source_state_bytes += importer.save(thread, order, progress, done, total);
    } catch (...) {
      try {
        target.remove_thread(thread);
      } catch (...) {
      }
      throw;
    }
    ++result.threads;
    result.checkpoints += rows.size();
    result.imported_threads.push_back(thread);
  }
  return result;
}

}  // namespace deltackpt

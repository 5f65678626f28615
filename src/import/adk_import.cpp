// import_adk_sqlite(): reads adk-graph's graph_checkpoints table.
#include "deltackpt/import_adk.hpp"

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

// adk-graph's MapDelta: {added: {k: v}, removed: [k], modified: {k: v}}.
void apply_adk_delta(Json& state, const Json& delta, const std::string& id) {
  if (!delta.is_object()) bad_row(id, "delta payload is not an object");
  if (const auto removed = delta.find("removed"); removed != delta.end() && removed->is_array()) {
    for (const auto& key : *removed) {
      if (key.is_string()) state.erase(key.get<std::string>());
    }
  }
  for (const char* part : {"added", "modified"}) {
    const auto values = delta.find(part);
    if (values == delta.end()) continue;
    if (!values->is_object()) bad_row(id, std::string("delta \"") + part + "\" is not an object");
    for (auto it = values->begin(); it != values->end(); ++it) state[it.key()] = it.value();
  }
}

}  // namespace

ImportResult import_adk_sqlite(const std::string& source_path, Checkpointer& target,
                               const Progress& progress) {
  auto db = detail::sqlite::open("file:" + source_path + "?mode=ro", SQLITE_OPEN_URI);
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
  std::size_t total = 0;
  {
    Statement count(db.get(), "SELECT count(*) FROM graph_checkpoints");
    count.step("import-adk");
    total = static_cast<std::size_t>(count.column_int(0));
  }
  Statement rows(db.get(), std::string("SELECT id, thread_id, state, step, pending_nodes, metadata, created_at, ") +
                               (has_extras ? "cleared_interrupt, attempts, child_ledger"
                                           : "NULL, NULL, NULL") +
                               " FROM graph_checkpoints ORDER BY thread_id, created_at, step, rowid");
  ImportResult result;
  std::string thread;
  std::string previous_id;
  Json state;
  std::size_t done = 0;
  while (rows.step("import-adk: read graph_checkpoints")) {
    const std::string id = rows.column_text(0);
    Checkpoint cp;
    cp.checkpoint_id = id;
    cp.thread_id = rows.column_text(1);
    if (cp.thread_id != thread) {
      thread = cp.thread_id;
      previous_id.clear();
      state = Json::object();
      ++result.threads;
    }
    const std::string state_text = rows.column_text(2);
    result.source_state_bytes += static_cast<std::int64_t>(state_text.size());
    cp.step = rows.column_int(3);
    const Json pending = parse_text(rows.column_text(4), id, "pending_nodes");
    if (!pending.is_array()) bad_row(id, "pending_nodes is not an array");
    for (const auto& node : pending) {
      if (node.is_string()) cp.pending_nodes.push_back(node.get<std::string>());
    }
    Json metadata = rows.column_is_null(5) ? Json::object() : parse_text(rows.column_text(5), id, "metadata");
    if (metadata.is_null()) metadata = Json::object();
    if (!metadata.is_object()) bad_row(id, "metadata is not an object");
    try {
      cp.created_at = parse_timestamp(rows.column_text(6));
    } catch (const InvalidArgument& e) {
      bad_row(id, e.what());
    }
    const bool is_delta = metadata.value(kAdkType, std::string()) == "delta";
    if (is_delta) {
      if (previous_id.empty()) bad_row(id, "adk delta row with no earlier row in its thread");
      apply_adk_delta(state, metadata.value(kAdkPayload, Json::object()), id);
    } else {
      state = parse_text(state_text, id, "state");
      if (!state.is_object()) bad_row(id, "state is not an object");
    }
    metadata.erase(kAdkType);
    metadata.erase(kAdkPayload);
    metadata.erase(kAdkBase);
    Json extras = Json::object();
    if (!rows.column_is_null(7)) extras["cleared_interrupt"] = rows.column_text(7);
    for (int column : {8, 9}) {
      if (rows.column_is_null(column)) continue;
      const Json value = parse_text(rows.column_text(column), id, column == 8 ? "attempts" : "child_ledger");
      if (!value.empty()) extras[column == 8 ? "attempts" : "child_ledger"] = value;
    }
    if (!extras.empty()) metadata["adk"] = std::move(extras);
    cp.metadata = std::move(metadata);
    cp.state = state;
    cp.parent_id = previous_id;
    previous_id = target.save(cp);
    ++result.checkpoints;
    if (progress) progress(++done, total);
  }
  return result;
}

}  // namespace deltackpt

// The JSON form of each public result type: one place, so the CLI's --json
// output and the C API print the same fields (docs/cli.md lists them).
#include "deltackpt/checkpoint.hpp"
#include "deltackpt/delta_checkpointer.hpp"
#include "deltackpt/maintenance.hpp"
#include "deltackpt/migrate.hpp"
#include "base64.hpp"
#include "json_internal.hpp"

namespace deltackpt {
namespace {

Json optional_id(const std::string& id) { return id.empty() ? Json(nullptr) : Json(id); }

Json problems_json(const std::vector<VerifyProblem>& problems) {
  Json out = Json::array();
  for (const auto& p : problems) {
    out.push_back({{"thread_id", p.thread_id}, {"checkpoint_id", p.checkpoint_id}, {"message", p.message}});
  }
  return out;
}

Json string_array(const std::vector<std::string>& strings) {
  Json out = Json::array();
  for (const auto& s : strings) out.push_back(s);
  return out;
}

// The fields a checkpoint and its header share.
Json header_json(const std::string& thread_id, const std::string& checkpoint_ns, const std::string& checkpoint_id,
                 const std::string& parent_id, std::int64_t step, Timestamp created_at, Json metadata,
                 const std::vector<std::string>& pending) {
  Json out = Json::object();
  out["thread_id"] = thread_id;
  out["checkpoint_ns"] = checkpoint_ns;
  out["checkpoint_id"] = checkpoint_id;
  out["parent_id"] = optional_id(parent_id);
  out["step"] = step;
  out["created_at"] = format_timestamp(created_at);
  out["metadata"] = std::move(metadata);
  out["pending_nodes"] = string_array(pending);
  return out;
}

}  // namespace

Json to_json(Checkpoint cp) {
  Json out = header_json(cp.thread_id, cp.checkpoint_ns, cp.checkpoint_id, cp.parent_id, cp.step, cp.created_at,
                         std::move(cp.metadata), cp.pending_nodes);
  out["state"] = std::move(cp.state);
  return out;
}

Json to_json(const CheckpointInfo& info) {
  Json out = header_json(info.thread_id, info.checkpoint_ns, info.checkpoint_id, info.parent_id, info.step, info.created_at,
                         info.metadata, info.pending_nodes);
  out["kind"] = to_string(info.kind);
  out["base_id"] = info.base_id;
  out["depth"] = info.depth;
  out["stored_bytes"] = info.stored_bytes;
  out["state_bytes"] = info.state_bytes;
  return out;
}

Json to_json(const PruneResult& result) {
  return Json{{"removed", result.removed}, {"rewritten", result.rewritten}};
}

Json to_json(const PendingWrite& write) {
  const bool text = detail::valid_utf8_prefix(write.value) == write.value.size();
  return Json{{"task_id", write.task_id},
              {"task_path", write.task_path},
              {"idx", write.idx},
              {"channel", write.channel},
              {"type", write.type},
              {"value", text ? Json(write.value) : Json{{"base64", detail::base64_encode(write.value)}}}};
}

Json to_json(const SaveCounters& counters) {
  return Json{{"full_rows", counters.full_rows},
              {"delta_rows", counters.delta_rows},
              {"deltas_refused", counters.deltas_refused},
              {"parents_rebuilt", counters.parents_rebuilt}};
}

Json to_json(const CacheCounters& counters) {
  return Json{{"hits", counters.hits},           {"misses", counters.misses},
              {"evictions", counters.evictions}, {"entries", counters.entries},
              {"bytes", counters.bytes},         {"capacity_bytes", counters.capacity_bytes}};
}

Json to_json(const VerifyReport& report) {
  Json orphans = Json::array();
  for (const auto& o : report.orphan_writes) {
    orphans.push_back({{"thread_id", o.thread_id},
                       {"checkpoint_ns", o.checkpoint_ns},
                       {"checkpoint_id", o.checkpoint_id},
                       {"writes", o.writes}});
  }
  return Json{{"ok", report.ok()},
              {"threads", report.threads},
              {"checkpoints", report.checkpoints},
              {"problems", problems_json(report.problems)},
              {"orphan_writes", std::move(orphans)}};
}

Json to_json(const RepairResult& result) {
  Json heads = Json::array();
  for (const auto& h : result.heads_moved) {
    heads.push_back({{"thread_id", h.thread_id}, {"checkpoint_ns", h.checkpoint_ns}, {"from", h.from}, {"to", h.to}});
  }
  return Json{{"ok", result.ok()},
              {"threads", result.threads},
              {"checkpoints", result.checkpoints},
              {"quarantined", problems_json(result.quarantined)},
              {"heads_moved", std::move(heads)},
              {"remaining", problems_json(result.remaining)}};
}

Json to_json(const ThreadStats& t) {
  return Json{{"thread_id", t.thread_id},
              {"checkpoints", t.checkpoints},
              {"full_rows", t.full_rows},
              {"delta_rows", t.delta_rows},
              {"stored_bytes", t.stored_bytes},
              {"full_state_bytes", t.full_state_bytes},
              {"ratio", t.ratio()},
              {"longest_chain", t.longest_chain},
              {"largest_row_bytes", t.largest_row_bytes},
              {"largest_row_id", t.largest_row_id},
              {"writes", t.writes},
              {"write_bytes", t.write_bytes},
              {"orphan_writes", t.orphan_writes}};
}

Json to_json(const StoreStats& stats) {
  Json threads = Json::array();
  for (const auto& t : stats.threads) threads.push_back(to_json(t));
  Json total = to_json(stats.total);
  total.erase("thread_id");
  total["threads"] = stats.threads.size();
  return Json{{"total", std::move(total)}, {"threads", std::move(threads)}};
}

Json to_json(const CompactResult& r) {
  return Json{{"checkpoints", r.checkpoints},
              {"full_rows", r.full_rows},
              {"delta_rows", r.delta_rows},
              {"bytes_before", r.bytes_before},
              {"bytes_after", r.bytes_after},
              {"writes_reencoded", r.writes_reencoded}};
}

Json to_json(const SchemaStatus& s) {
  Json migrations = Json::array();
  for (const auto& m : s.migrations) {
    migrations.push_back(
        {{"version", m.version}, {"name", m.name}, {"applied", m.applied}, {"applied_at", m.applied_at}});
  }
  return Json{{"backend", s.backend},
              {"database_version", s.database_version},
              {"library_version", s.library_version},
              {"migrations", std::move(migrations)}};
}

}  // namespace deltackpt

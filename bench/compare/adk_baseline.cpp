// AdkCheckpointer: adk-graph's delta checkpointing algorithm over a RowStore.
#include "adk_baseline.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>

#include "compare.hpp"

namespace deltackpt::bench::compare {
namespace {

constexpr const char* kType = "__delta_ckpt_type";
constexpr const char* kPayload = "__delta_ckpt_payload";
constexpr const char* kBaseId = "__delta_ckpt_base_id";
constexpr const char* kFull = "full";
constexpr const char* kDelta = "delta";

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string type_of(const Json& metadata) {
  const auto it = metadata.find(kType);
  return it != metadata.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Json adk_map_diff(const Json& from, const Json& to) {
  Json added = Json::object();
  Json removed = Json::array();
  Json modified = Json::object();
  for (auto it = from.begin(); it != from.end(); ++it) {
    const auto found = to.find(it.key());
    if (found == to.end()) {
      removed.push_back(it.key());
    } else if (!same_value(*found, it.value())) {
      modified[it.key()] = *found;
    }
  }
  for (auto it = to.begin(); it != to.end(); ++it) {
    if (!from.contains(it.key())) added[it.key()] = it.value();
  }
  return Json{{"added", std::move(added)}, {"removed", std::move(removed)},
              {"modified", std::move(modified)}};
}

void adk_map_apply(Json& state, const Json& delta) {
  for (const auto& key : delta.at("removed")) state.erase(key.get<std::string>());
  for (const char* part : {"added", "modified"}) {
    const Json& values = delta.at(part);
    for (auto it = values.begin(); it != values.end(); ++it) state[it.key()] = it.value();
  }
}

AdkCheckpointer::AdkCheckpointer(RowStore& store, std::int64_t full_snapshot_interval)
    : store_(store), interval_(full_snapshot_interval) {
  if (interval_ < 1) throw std::invalid_argument("adk: full_snapshot_interval must be >= 1");
}

bool AdkCheckpointer::is_delta_row(const RowHeader& header) {
  return type_of(Json::parse(header.metadata)) == kDelta;
}

std::string AdkCheckpointer::insert(const Checkpoint& cp, const std::string& state_text,
                                    const Json& metadata) {
  StoredRow row;
  RowHeader& h = row.header;
  h.thread_id = cp.thread_id;
  h.checkpoint_id = cp.checkpoint_id.empty() ? new_checkpoint_id() : cp.checkpoint_id;
  h.step = cp.step;
  h.created_at = cp.created_at == Timestamp{} ? now() : cp.created_at;
  h.metadata = metadata.dump();
  Json pending = Json::array();
  for (const auto& node : cp.pending_nodes) pending.push_back(node);
  h.pending_nodes = pending.dump();
  h.kind = RowKind::kFull;
  h.base_id = h.checkpoint_id;
  h.depth = 0;
  h.encoding = "json";
  row.payload = state_text;
  h.payload_size = static_cast<std::int64_t>(row.payload.size());
  h.state_size = h.payload_size;
  h.checksum = payload_checksum(row.payload);  // the library's rule, so its loads accept the row
  store_.insert(row, InsertMode::kAppend);
  return h.checkpoint_id;
}

std::string AdkCheckpointer::save(const Checkpoint& cp) {
  using Clock = std::chrono::steady_clock;
  const bool full_step = cp.step == 0 || cp.step % interval_ == 0;
  if (!full_step) {
    profiling_ = true;
    const std::vector<Listed> all = list(cp.thread_id);
    profiling_ = false;
    const Listed* previous = nullptr;
    for (const auto& row : all) {
      // Rust's max_by_key keeps the last of equal maxima.
      if (row.header.step < cp.step && (previous == nullptr || row.header.step >= previous->header.step)) {
        previous = &row;
      }
    }
    if (previous != nullptr) {
      auto t0 = Clock::now();
      const Json prev_state = reconstruct(all, previous->header.step);
      profile_.rebuild_s += seconds_since(t0);
      t0 = Clock::now();
      Json metadata = cp.metadata;
      metadata[kType] = kDelta;
      metadata[kBaseId] = previous->header.checkpoint_id;
      metadata[kPayload] = adk_map_diff(prev_state, cp.state);
      profile_.diff_s += seconds_since(t0);
      t0 = Clock::now();
      std::string id = insert(cp, "{}", metadata);
      profile_.write_s += seconds_since(t0);
      return id;
    }
  }
  const auto t0 = Clock::now();
  Json metadata = cp.metadata;
  metadata[kType] = kFull;
  std::string id = insert(cp, cp.state.dump(), metadata);
  profile_.write_s += seconds_since(t0);
  return id;
}

std::vector<AdkCheckpointer::Listed> AdkCheckpointer::list(std::string_view thread_id) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<StoredRow> rows = store_.rows(thread_id);
  if (profiling_) profile_.read_s += seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  std::vector<Listed> out;
  out.reserve(rows.size());
  for (auto& row : rows) {
    if (profiling_) {
      profile_.bytes_read += static_cast<std::int64_t>(row.payload.size() + row.header.metadata.size());
    }
    Listed listed;
    listed.state = Json::parse(row.payload);
    listed.metadata = Json::parse(row.header.metadata);
    listed.header = std::move(row.header);
    out.push_back(std::move(listed));
  }
  if (profiling_) profile_.parse_s += seconds_since(t0);
  return out;
}

Json AdkCheckpointer::reconstruct(const std::vector<Listed>& all, std::int64_t target_step) {
  std::size_t full_idx = all.size();
  for (std::size_t i = all.size(); i-- > 0;) {
    if (all[i].header.step <= target_step && type_of(all[i].metadata) == kFull) {
      full_idx = i;
      break;
    }
  }
  if (full_idx == all.size()) throw std::runtime_error("adk: no full snapshot found for state reconstruction");
  Json state = all[full_idx].state;
  for (std::size_t i = full_idx + 1; i < all.size(); ++i) {
    const Listed& cp = all[i];
    if (cp.header.step > target_step) break;
    const std::string type = type_of(cp.metadata);
    if (type == kDelta) {
      const auto payload = cp.metadata.find(kPayload);
      if (payload == cp.metadata.end()) {
        throw std::runtime_error("adk: delta checkpoint at step " + std::to_string(cp.header.step) +
                                 " missing payload");
      }
      adk_map_apply(state, *payload);
    } else {
      state = cp.state;
    }
  }
  return state;
}

Checkpoint AdkCheckpointer::to_checkpoint(const Listed& row, Json state) {
  Checkpoint cp;
  cp.thread_id = row.header.thread_id;
  cp.checkpoint_id = row.header.checkpoint_id;
  cp.parent_id = row.header.parent_id;
  cp.step = row.header.step;
  cp.created_at = row.header.created_at;
  cp.metadata = row.metadata;
  cp.state = std::move(state);
  for (const auto& node : Json::parse(row.header.pending_nodes)) {
    cp.pending_nodes.push_back(node.get<std::string>());
  }
  return cp;
}

std::optional<Checkpoint> AdkCheckpointer::load(std::string_view thread_id) {
  const std::vector<Listed> all = list(thread_id);
  if (all.empty()) return std::nullopt;
  const Listed& latest = all.back();
  return to_checkpoint(latest, reconstruct(all, latest.header.step));
}

std::optional<Checkpoint> AdkCheckpointer::load_by_id(std::string_view checkpoint_id) {
  // adk-graph's inner load_by_id: the one row. Every adk row is a full row to
  // deltackpt, so its chain is the row itself.
  std::vector<StoredRow> one = store_.chain(checkpoint_id);
  if (one.empty()) return std::nullopt;
  Listed row;
  row.header = std::move(one.back().header);
  row.metadata = Json::parse(row.header.metadata);
  row.state = Json::parse(one.back().payload);
  const std::vector<Listed> all = list(row.header.thread_id);
  return to_checkpoint(row, reconstruct(all, row.header.step));
}

std::vector<Checkpoint> AdkCheckpointer::history(std::string_view thread_id) {
  const std::vector<Listed> all = list(thread_id);
  std::vector<Checkpoint> out;
  out.reserve(all.size());
  Json state = Json::object();
  for (const auto& row : all) {
    if (type_of(row.metadata) == kDelta) {
      adk_map_apply(state, row.metadata.at(kPayload));
    } else {
      state = row.state;
    }
    out.push_back(to_checkpoint(row, state));
  }
  return out;
}

Json AdkCheckpointer::extra() const {
  const Profile& p = profile_;
  return Json{{"adk_save_profile_s", Json{{"read", p.read_s},     {"parse", p.parse_s},
                                          {"rebuild", p.rebuild_s}, {"diff", p.diff_s},
                                          {"write", p.write_s},   {"bytes_read", p.bytes_read}}}};
}

std::vector<Baseline> baselines() {
  Baseline adk;
  adk.strategy = "adk";
  adk.open = [](RowStore& store) { return std::make_unique<AdkCheckpointer>(store); };
  adk.is_delta_row = &AdkCheckpointer::is_delta_row;
  adk.keeps_key_order = false;   // adk-graph's states are HashMaps
  adk.loads_whole_thread = true;  // every load lists the thread
  return {adk};
}

}  // namespace deltackpt::bench::compare

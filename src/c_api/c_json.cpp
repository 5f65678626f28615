// Strict readers for the C API's JSON arguments, and its JSON results.
#include "c_json.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "base64.hpp"
#include "deltackpt/errors.hpp"

namespace deltackpt::detail::capi {
namespace {

// Reads the members of one JSON object argument by name and refuses, in
// finish(), every member nobody asked for, so a misspelt key is an error
// rather than a silently ignored option. A null document reads as {}.
class ObjectReader {
 public:
  ObjectReader(Json& doc, std::string what) : what_(std::move(what)) {
    if (doc.is_null()) return;
    if (!doc.is_object()) throw InvalidArgument(what_ + " must be a JSON object");
    doc_ = &doc;
  }

  // The member `key`; nullptr when it is absent or null.
  Json* find(const char* key) {
    known_.emplace_back(key);
    if (doc_ == nullptr) return nullptr;
    const auto it = doc_->find(key);
    if (it == doc_->end() || it->is_null()) return nullptr;
    return &*it;
  }

  std::string string(const char* key) {
    const Json* v = find(key);
    if (v == nullptr) return {};
    if (!v->is_string()) fail(key, "must be a string");
    return v->get<std::string>();
  }

  bool boolean(const char* key, bool fallback) {
    const Json* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_boolean()) fail(key, "must be true or false");
    return v->get<bool>();
  }

  std::int64_t int64(const char* key, std::int64_t fallback) {
    const Json* v = find(key);
    if (v == nullptr) return fallback;
    if (v->is_number_unsigned()) {
      const auto u = v->get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        fail(key, "must fit in a signed 64-bit integer");
      }
      return static_cast<std::int64_t>(u);
    }
    if (!v->is_number_integer()) fail(key, "must be an integer");
    return v->get<std::int64_t>();
  }

  std::size_t size(const char* key, std::size_t fallback) {
    const Json* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_number_unsigned()) fail(key, "must be a non-negative integer");
    const auto u = v->get<std::uint64_t>();
    if (u > std::numeric_limits<std::size_t>::max()) fail(key, "is too large");
    return static_cast<std::size_t>(u);
  }

  double number(const char* key, double fallback) {
    const Json* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_number()) fail(key, "must be a number");
    return v->get<double>();
  }

  // Moves the member out; `fallback` when absent or null.
  Json take_object(const char* key, Json fallback) {
    Json* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_object()) fail(key, "must be a JSON object");
    return std::move(*v);
  }

  std::vector<std::string> strings(const char* key) {
    const Json* v = find(key);
    std::vector<std::string> out;
    if (v == nullptr) return out;
    if (!v->is_array()) fail(key, "must be an array of strings");
    out.reserve(v->size());
    for (const Json& item : *v) {
      if (!item.is_string()) fail(key, "must be an array of strings");
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  void finish() const {
    if (doc_ == nullptr) return;
    for (const auto& item : doc_->items()) {
      bool known = false;
      for (const std::string& k : known_) known = known || k == item.key();
      if (!known) {
        throw InvalidArgument(what_ + ": unknown key \"" + item.key() + "\"");
      }
    }
  }

  [[noreturn]] void fail(const char* key, const char* problem) const {
    throw InvalidArgument(what_ + ": \"" + key + "\" " + problem);
  }

 private:
  std::string what_;
  Json* doc_ = nullptr;
  std::vector<std::string> known_;
};

}  // namespace

Json parse_argument(const char* text, std::string_view what, bool optional) {
  if (text == nullptr || *text == '\0') {
    if (optional) return Json(nullptr);
    throw InvalidArgument(std::string(what) + (text == nullptr ? " is NULL" : " is empty"));
  }
  // Exactly, or refused: nlohmann's parse would turn an integer beyond 64
  // bits into a float and keep the last of repeated keys. The caller's
  // max_depth is checked by the save; this bound only keeps parsing safe.
  try {
    return parse_exact(text, kMaxDepthLimit);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string(what) + ": " + e.what());
  }
}

OpenOptions open_options_from_json(Json&& doc) {
  ObjectReader r(doc, "deltackpt_open: options_json");
  OpenOptions o;
  o.deltas = r.boolean("deltas", o.deltas);
  // Ranges are the library's to check (DeltaCheckpointer, open()): here
  // only names and types.
  o.delta.full_snapshot_interval = r.size("full_snapshot_interval", o.delta.full_snapshot_interval);
  o.delta.replay_budget = r.number("replay_budget", o.delta.replay_budget);
  o.delta.max_delta_fraction = r.number("max_delta_fraction", o.delta.max_delta_fraction);
  o.delta.cache_bytes = r.size("cache_bytes", o.delta.cache_bytes);
  o.delta.full_row_when_cache_is_full = r.boolean("full_row_when_cache_is_full", o.delta.full_row_when_cache_is_full);
  Limits& limits = o.delta.limits;
  const std::size_t depth = r.size("max_depth", static_cast<std::size_t>(limits.max_depth));
  if (depth > static_cast<std::size_t>(std::numeric_limits<int>::max())) r.fail("max_depth", "is too large");
  limits.max_depth = static_cast<int>(depth);
  limits.max_state_bytes = r.size("max_state_bytes", limits.max_state_bytes);
  limits.max_id_bytes = r.size("max_id_bytes", limits.max_id_bytes);
  limits.max_namespace_bytes = r.size("max_namespace_bytes", limits.max_namespace_bytes);
  const std::string durability = r.string("durability");
  if (durability == "normal") {
    o.durability = Durability::kNormal;
  } else if (!durability.empty() && durability != "full") {
    r.fail("durability", "must be \"full\" or \"normal\"");
  }
  o.pool_size = r.size("pool_size", o.pool_size);
  o.payload_encoding = r.string("payload_encoding");
  o.migrate = r.boolean("migrate", o.migrate);
  o.read_only = r.boolean("read_only", o.read_only);
  r.finish();
  return o;
}

Checkpoint checkpoint_from_json(Json&& doc) {
  if (doc.is_null()) throw InvalidArgument("deltackpt_save: checkpoint_json must be a JSON object");
  ObjectReader r(doc, "deltackpt_save: checkpoint_json");
  Checkpoint cp;
  cp.thread_id = r.string("thread_id");
  if (cp.thread_id.empty()) r.fail("thread_id", "is required (a non-empty string)");
  cp.checkpoint_ns = r.string("checkpoint_ns");
  cp.checkpoint_id = r.string("checkpoint_id");
  cp.parent_id = r.string("parent_id");
  cp.step = r.int64("step", 0);
  cp.state = r.take_object("state", Json::object());
  cp.pending_nodes = r.strings("pending_nodes");
  cp.metadata = r.take_object("metadata", Json::object());
  const std::string created_at = r.string("created_at");
  if (!created_at.empty()) cp.created_at = parse_timestamp(created_at);
  r.finish();
  return cp;
}

ListRequest list_request_from_json(Json&& doc) {
  ObjectReader r(doc, "deltackpt_list: options_json");
  ListRequest request;
  ListOptions& o = request.options;
  if (r.find("checkpoint_ns") != nullptr) o.checkpoint_ns = r.string("checkpoint_ns");
  o.limit = r.size("limit", 0);
  o.before = r.string("before");
  const std::string order = r.string("order");
  if (order == "checkpoint_id") {
    o.order = ListOrder::kCheckpointId;
  } else if (!order.empty() && order != "saved") {
    r.fail("order", "must be \"saved\" or \"checkpoint_id\"");
  }
  o.metadata_filter = r.take_object("metadata_filter", Json::object());
  request.with_states = r.boolean("with_states", false);
  o.with_writes = r.boolean("with_writes", false);
  if (o.with_writes && !request.with_states) r.fail("with_writes", "needs \"with_states\": true");
  r.finish();
  return request;
}

CheckpointKey key_from_json(Json& doc, const std::string& what) {
  if (doc.is_null()) throw InvalidArgument(what + " must be a JSON object");
  ObjectReader r(doc, what);
  CheckpointKey key{r.string("thread_id"), r.string("checkpoint_ns"), r.string("checkpoint_id")};
  r.finish();
  return key;
}

std::pair<CheckpointKey, std::vector<PendingWrite>> writes_from_json(Json&& doc) {
  const std::string what = "deltackpt_put_writes: writes_json";
  if (!doc.is_object()) throw InvalidArgument(what + " must be a JSON object");
  Json writes = Json::array();
  if (const auto it = doc.find("writes"); it != doc.end()) {
    writes = std::move(*it);
    doc.erase(it);
  }
  const CheckpointKey key = key_from_json(doc, what);
  if (!writes.is_array()) throw InvalidArgument(what + ": \"writes\" must be an array");
  std::vector<PendingWrite> out;
  out.reserve(writes.size());
  for (std::size_t i = 0; i < writes.size(); ++i) {
    ObjectReader w(writes[i], what + ": writes[" + std::to_string(i) + "]");
    PendingWrite pw;
    pw.task_id = w.string("task_id");
    pw.task_path = w.string("task_path");
    pw.idx = w.int64("idx", 0);
    pw.channel = w.string("channel");
    pw.type = w.string("type");
    // Text as a string; any bytes as {"base64": "..."}.
    const Json* value = w.find("value");
    if (value == nullptr) w.fail("value", "is required (a string or {\"base64\": \"...\"})");
    if (value->is_string()) {
      pw.value = value->get<std::string>();
    } else {
      const auto b = value->is_object() && value->size() == 1 ? value->find("base64") : value->end();
      const auto bytes = b != value->end() && b->is_string() ? base64_decode(b->get<std::string>()) : std::nullopt;
      if (!bytes) w.fail("value", "must be a string or {\"base64\": \"...\"} with padded base64");
      pw.value = *bytes;
    }
    w.finish();
    out.push_back(std::move(pw));
  }
  return {key, std::move(out)};
}

RetentionPolicy retention_from_json(Json&& doc, std::string& checkpoint_ns) {
  ObjectReader r(doc, "deltackpt_prune: policy_json");
  RetentionPolicy p;
  checkpoint_ns = r.string("checkpoint_ns");
  if (r.find("keep_last") != nullptr) p.keep_last = r.size("keep_last", 0);
  if (r.find("max_age_seconds") != nullptr) {
    const double seconds = r.number("max_age_seconds", 0.0);
    // Beyond ~292000 years the microseconds no longer fit in 64 bits.
    if (!(seconds >= 0.0) || seconds > 9.0e12) {
      r.fail("max_age_seconds", "must be a number of seconds between 0 and 9e12");
    }
    p.max_age = std::chrono::microseconds(static_cast<std::int64_t>(std::llround(seconds * 1e6)));
  }
  r.finish();
  return p;
}

}  // namespace deltackpt::detail::capi

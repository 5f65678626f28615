// JSON forms of RunSpec and RunResult, and latency summaries.
#include "bench_types.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace deltackpt::bench {
namespace {

double percentile(const std::vector<double>& sorted, double q) {
  // Nearest rank: the smallest value with at least q of the values at or below it.
  const auto n = static_cast<double>(sorted.size());
  auto rank = static_cast<std::size_t>(std::ceil(q * n));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

Json summary_json(const Summary& s) {
  return Json{{"n", s.n}, {"p50", s.p50}, {"p95", s.p95}, {"p99", s.p99},
              {"mean", s.mean}, {"max", s.max}};
}

Summary summary_from(const Json& j) {
  Summary s;
  s.n = j.at("n").get<std::size_t>();
  s.p50 = j.at("p50").get<double>();
  s.p95 = j.at("p95").get<double>();
  s.p99 = j.at("p99").get<double>();
  s.mean = j.at("mean").get<double>();
  s.max = j.at("max").get<double>();
  return s;
}

Json optional_json(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

std::optional<double> optional_from(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<double>();
}

}  // namespace

Summary summarize(std::vector<double> values) {
  Summary s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.n = values.size();
  s.p50 = percentile(values, 0.50);
  s.p95 = percentile(values, 0.95);
  s.p99 = percentile(values, 0.99);
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  s.max = values.back();
  return s;
}

Json to_json(const RunSpec& spec) {
  return Json{{"workload", spec.workload},
              {"steps", spec.steps},
              {"seed", spec.seed},
              {"strategy", spec.strategy},
              {"backend", spec.backend},
              {"pg_url", spec.pg_url},
              {"interval", spec.interval},
              {"budget", spec.budget},
              {"max_delta_fraction", spec.max_delta_fraction},
              {"cache_bytes", spec.cache_bytes},
              {"payload_encoding", spec.payload_encoding},
              {"work_dir", spec.work_dir},
              {"series_path", spec.series_path},
              {"load_reps", spec.load_reps},
              {"by_id_samples", spec.by_id_samples},
              {"history_reps", spec.history_reps},
              {"with_history", spec.with_history}};
}

RunSpec spec_from_json(const Json& j) {
  RunSpec s;
  s.workload = j.at("workload").get<std::string>();
  s.steps = j.at("steps").get<int>();
  s.seed = j.at("seed").get<std::uint64_t>();
  s.strategy = j.at("strategy").get<std::string>();
  s.backend = j.at("backend").get<std::string>();
  s.pg_url = j.at("pg_url").get<std::string>();
  s.interval = j.at("interval").get<std::size_t>();
  s.budget = j.at("budget").get<double>();
  s.max_delta_fraction = j.value("max_delta_fraction", 1.0);
  s.cache_bytes = j.at("cache_bytes").get<std::size_t>();
  s.payload_encoding = j.value("payload_encoding", "json");
  s.work_dir = j.at("work_dir").get<std::string>();
  s.series_path = j.at("series_path").get<std::string>();
  s.load_reps = j.at("load_reps").get<int>();
  s.by_id_samples = j.at("by_id_samples").get<int>();
  s.history_reps = j.at("history_reps").get<int>();
  s.with_history = j.at("with_history").get<bool>();
  return s;
}

Json to_json(const RunResult& r) {
  Json spec = to_json(r.spec);
  spec.erase("pg_url");  // may carry credentials; never published
  spec.erase("work_dir");
  spec.erase("series_path");
  return Json{{"spec", spec},
              {"ok", r.ok},
              {"error", r.error},
              {"stored_bytes", r.stored_bytes},
              {"full_state_bytes", r.full_state_bytes},
              {"row_bytes", r.row_bytes},
              {"last_state_bytes", r.last_state_bytes},
              {"floor_bytes", r.floor_bytes},
              {"ratio_vs_full_states",
               r.stored_bytes > 0
                   ? static_cast<double>(r.full_state_bytes) / static_cast<double>(r.stored_bytes)
                   : 0.0},
              {"full_rows", r.full_rows},
              {"delta_rows", r.delta_rows},
              {"max_depth", r.max_depth},
              {"replay_bytes_latest", r.replay_bytes_latest},
              {"replay_bytes_mean", r.replay_bytes_mean},
              {"save_us", summary_json(r.save_all)},
              {"save_last10_us", summary_json(r.save_last10)},
              {"save_wall_s", r.save_wall_s},
              {"save_cpu_s", r.save_cpu_s},
              {"load_latest_warm_p50_us", optional_json(r.load_warm_us)},
              {"load_latest_cold_p50_us", optional_json(r.load_cold_us)},
              {"load_by_id_cold_p50_us", optional_json(r.load_by_id_us)},
              {"history_ms", optional_json(r.history_ms)},
              {"peak_rss_mb", r.peak_rss_mb},
              {"save_rss_mb", r.save_rss_mb},
              {"cpu_total_s", r.cpu_total_s},
              {"wall_total_s", r.wall_total_s},
              {"verified", r.verified},
              {"verified_loads", r.verified_loads},
              {"extra", r.extra}};
}

RunResult result_from_json(const Json& j) {
  RunResult r;
  Json spec = j.at("spec");
  if (!spec.contains("pg_url")) spec["pg_url"] = "";
  if (!spec.contains("work_dir")) spec["work_dir"] = "";
  if (!spec.contains("series_path")) spec["series_path"] = "";
  r.spec = spec_from_json(spec);
  r.ok = j.at("ok").get<bool>();
  r.error = j.at("error").get<std::string>();
  r.stored_bytes = j.at("stored_bytes").get<std::int64_t>();
  r.full_state_bytes = j.at("full_state_bytes").get<std::int64_t>();
  r.row_bytes = j.at("row_bytes").get<std::int64_t>();
  r.last_state_bytes = j.at("last_state_bytes").get<std::int64_t>();
  r.floor_bytes = j.value("floor_bytes", std::int64_t{0});
  r.full_rows = j.at("full_rows").get<std::size_t>();
  r.delta_rows = j.at("delta_rows").get<std::size_t>();
  r.max_depth = j.at("max_depth").get<std::int32_t>();
  r.replay_bytes_latest = j.value("replay_bytes_latest", std::int64_t{0});
  r.replay_bytes_mean = j.value("replay_bytes_mean", 0.0);
  r.save_all = summary_from(j.at("save_us"));
  r.save_last10 = summary_from(j.at("save_last10_us"));
  r.save_wall_s = j.at("save_wall_s").get<double>();
  r.save_cpu_s = j.at("save_cpu_s").get<double>();
  r.load_warm_us = optional_from(j, "load_latest_warm_p50_us");
  r.load_cold_us = optional_from(j, "load_latest_cold_p50_us");
  r.load_by_id_us = optional_from(j, "load_by_id_cold_p50_us");
  r.history_ms = optional_from(j, "history_ms");
  r.peak_rss_mb = j.at("peak_rss_mb").get<double>();
  r.save_rss_mb = j.value("save_rss_mb", 0.0);
  r.cpu_total_s = j.at("cpu_total_s").get<double>();
  r.wall_total_s = j.at("wall_total_s").get<double>();
  r.verified = j.at("verified").get<bool>();
  r.verified_loads = j.at("verified_loads").get<std::size_t>();
  if (j.contains("extra")) r.extra = j.at("extra");
  return r;
}

}  // namespace deltackpt::bench

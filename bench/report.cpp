// Output of the bench: tables, CSV and JSON.
#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>

#include "workload_source.hpp"

namespace deltackpt::bench {
namespace {

std::string label(const RunResult& r) { return workload_label(r.spec.workload); }

std::string opt_us(const std::optional<double>& v) { return v ? format_us(*v) : "-"; }

}  // namespace

std::vector<std::string> workloads_of(const std::vector<RunResult>& results) {
  std::vector<std::string> out;
  for (const auto& r : results) {
    if (std::find(out.begin(), out.end(), label(r)) == out.end()) out.push_back(label(r));
  }
  return out;
}

const RunResult* find_run(const std::vector<RunResult>& results, const std::string& workload,
                          const std::string& strategy, const std::string& backend) {
  for (const auto& r : results) {
    if (r.ok && label(r) == workload && r.spec.strategy == strategy && r.spec.backend == backend) return &r;
  }
  return nullptr;
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string format_us(double us) {
  if (us >= 1e6) return fmt("%.2f s", us / 1e6);
  if (us >= 1e3) return fmt("%.2f ms", us / 1e3);
  return fmt("%.0f us", us);
}

std::string format_bytes(double bytes) {
  if (bytes >= 1e9) return fmt("%.2f GB", bytes / 1e9);
  if (bytes >= 1e6) return fmt("%.2f MB", bytes / 1e6);
  if (bytes >= 1e3) return fmt("%.1f kB", bytes / 1e3);
  return fmt("%.0f B", bytes);
}

void print_tables(std::ostream& out, const std::vector<RunResult>& results) {
  for (const auto& w : workloads_of(results)) {
    const RunResult* any = nullptr;
    for (const auto& r : results) {
      if (label(r) == w && r.ok) any = &r;
    }
    out << "\n== " << w;
    if (any != nullptr) {
      out << ": " << any->spec.steps << " steps, seed " << any->spec.seed << ", final state "
          << format_bytes(static_cast<double>(any->last_state_bytes)) << ", full states "
          << format_bytes(static_cast<double>(any->full_state_bytes));
      if (any->floor_bytes > 0) {
        out << ", information floor " << format_bytes(static_cast<double>(any->floor_bytes))
            << " (x-floor: payload and metadata bytes over it)";
      }
    }
    out << "\n";
    char line[512];
    std::snprintf(line, sizeof line,
                  "%-13s %-6s %10s %7s %7s %9s | %9s %9s %9s | %9s %9s %9s | %9s %9s %9s | %9s | %7s %7s\n",
                  "backend", "strat", "stored", "x-full", "x-floor", "rows f/d", "save p50", "p95", "p99",
                  "last10%p50", "p95", "p99", "load warm", "cold", "by-id", "history", "RSS MB",
                  "CPU s");
    out << line;
    for (const auto& r : results) {
      if (label(r) != w) continue;
      if (!r.ok) {
        out << r.spec.backend << " " << r.spec.strategy << ": FAILED: " << r.error << "\n";
        continue;
      }
      const double ratio = r.stored_bytes > 0 ? static_cast<double>(r.full_state_bytes) /
                                                    static_cast<double>(r.stored_bytes)
                                              : 0;
      const std::string rows = std::to_string(r.full_rows) + "/" + std::to_string(r.delta_rows);
      const std::string over_floor =
          r.floor_bytes > 0 ? fmt("%.2f", static_cast<double>(r.row_bytes) / static_cast<double>(r.floor_bytes)) : "-";
      std::snprintf(line, sizeof line,
                    "%-13s %-6s %10s %7.2f %7s %9s | %9s %9s %9s | %9s %9s %9s | %9s %9s %9s | %9s | %7.1f %7.2f\n",
                    r.spec.backend.c_str(), r.spec.strategy.c_str(),
                    format_bytes(static_cast<double>(r.stored_bytes)).c_str(), ratio, over_floor.c_str(), rows.c_str(),
                    format_us(r.save_all.p50).c_str(), format_us(r.save_all.p95).c_str(),
                    format_us(r.save_all.p99).c_str(), format_us(r.save_last10.p50).c_str(),
                    format_us(r.save_last10.p95).c_str(), format_us(r.save_last10.p99).c_str(),
                    opt_us(r.load_warm_us).c_str(), opt_us(r.load_cold_us).c_str(),
                    opt_us(r.load_by_id_us).c_str(),
                    r.history_ms ? format_us(*r.history_ms * 1000).c_str() : "-", r.peak_rss_mb,
                    r.cpu_total_s);
      out << line;
    }
  }
}

void print_sweep(std::ostream& out, const std::vector<RunResult>& results) {
  for (const auto& w : workloads_of(results)) {
    out << "\n== sweep: " << w << "\n";
    char line[400];
    std::snprintf(line, sizeof line, "%-13s %8s %6s %10s %7s %9s %6s %9s %9s | %9s %9s | %9s %9s %9s\n",
                  "backend", "interval", "budget", "stored", "x-full", "rows f/d", "depth",
                  "replay/l", "replay/m", "save p50", "last10%p50", "load warm", "cold", "by-id");
    out << line;
    for (const auto& r : results) {
      if (label(r) != w) continue;
      if (!r.ok) {
        out << "FAILED: " << r.error << "\n";
        continue;
      }
      const std::string rows = std::to_string(r.full_rows) + "/" + std::to_string(r.delta_rows);
      std::snprintf(line, sizeof line, "%-13s %8zu %6.2f %10s %7.2f %9s %6d %9s %9s | %9s %9s | %9s %9s %9s\n",
                    r.spec.backend.c_str(), r.spec.interval, r.spec.budget,
                    format_bytes(static_cast<double>(r.stored_bytes)).c_str(),
                    r.stored_bytes > 0 ? static_cast<double>(r.full_state_bytes) /
                                             static_cast<double>(r.stored_bytes)
                                       : 0,
                    rows.c_str(), r.max_depth,
                    format_bytes(static_cast<double>(r.replay_bytes_latest)).c_str(),
                    format_bytes(r.replay_bytes_mean).c_str(), format_us(r.save_all.p50).c_str(),
                    format_us(r.save_last10.p50).c_str(), opt_us(r.load_warm_us).c_str(),
                    opt_us(r.load_cold_us).c_str(), opt_us(r.load_by_id_us).c_str());
      out << line;
    }
  }
}

void write_csv(std::ostream& out, const std::vector<RunResult>& results) {
  out << "workload,steps,seed,strategy,backend,interval,budget,cache_mb,ok,verified,stored_bytes,"
         "full_state_bytes,ratio_vs_full_states,row_bytes,floor_bytes,last_state_bytes,full_rows,delta_rows,"
         "max_depth,replay_bytes_latest,replay_bytes_mean,save_p50_us,save_p95_us,save_p99_us,save_mean_us,save_max_us,"
         "save_last10_p50_us,save_last10_p95_us,save_last10_p99_us,save_wall_s,save_cpu_s,"
         "load_warm_p50_us,load_cold_p50_us,load_by_id_cold_p50_us,history_ms,peak_rss_mb,save_rss_mb,"
         "cpu_total_s,wall_total_s,error\n";
  const auto opt = [](const std::optional<double>& v) { return v ? fmt("%.1f", *v) : std::string(); };
  for (const auto& r : results) {
    std::string error = r.error;
    std::replace(error.begin(), error.end(), '"', '\'');
    out << label(r) << ',' << r.spec.steps << ',' << r.spec.seed << ',' << r.spec.strategy << ','
        << r.spec.backend << ',' << r.spec.interval << ',' << r.spec.budget << ','
        << static_cast<double>(r.spec.cache_bytes) / (1024.0 * 1024.0) << ',' << r.ok << ','
        << r.verified << ',' << r.stored_bytes << ',' << r.full_state_bytes << ','
        << fmt("%.3f", r.stored_bytes > 0 ? static_cast<double>(r.full_state_bytes) /
                                                static_cast<double>(r.stored_bytes)
                                          : 0)
        << ',' << r.row_bytes << ',' << r.floor_bytes << ',' << r.last_state_bytes << ',' << r.full_rows << ','
        << r.delta_rows << ',' << r.max_depth << ',' << r.replay_bytes_latest << ','
        << fmt("%.0f", r.replay_bytes_mean) << ',' << fmt("%.1f", r.save_all.p50) << ','
        << fmt("%.1f", r.save_all.p95) << ',' << fmt("%.1f", r.save_all.p99) << ','
        << fmt("%.1f", r.save_all.mean) << ',' << fmt("%.1f", r.save_all.max) << ','
        << fmt("%.1f", r.save_last10.p50) << ',' << fmt("%.1f", r.save_last10.p95) << ','
        << fmt("%.1f", r.save_last10.p99) << ',' << fmt("%.4f", r.save_wall_s) << ','
        << fmt("%.4f", r.save_cpu_s) << ',' << opt(r.load_warm_us) << ',' << opt(r.load_cold_us)
        << ',' << opt(r.load_by_id_us) << ',' << (r.history_ms ? fmt("%.2f", *r.history_ms) : "")
        << ',' << fmt("%.1f", r.peak_rss_mb) << ',' << fmt("%.1f", r.save_rss_mb) << ','
        << fmt("%.3f", r.cpu_total_s) << ','
        << fmt("%.3f", r.wall_total_s) << ",\"" << error << "\"\n";
  }
}

Json to_json(const std::vector<RunResult>& results, const Json& context) {
  Json j = context;
  Json rs = Json::array();
  for (const auto& r : results) {
    Json one = to_json(r);
    one["spec"]["workload"] = label(r);
    rs.push_back(std::move(one));
  }
  j["results"] = std::move(rs);
  return j;
}

}  // namespace deltackpt::bench

// What one bench run is asked to do (RunSpec) and what it measured (RunResult).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deltackpt/json.hpp"

namespace deltackpt::bench {

// The backends, in the order the bench runs and prints them (the strategies:
// strategies() in run_one.hpp).
inline const std::vector<std::string> kBackends = {"memory", "sqlite-full", "sqlite-normal",
                                                   "postgres"};

// One workload x strategy x backend combination, run in a child process.
struct RunSpec {
  std::string workload;  // a generator name, or a JSONL file of states
  int steps = 0;         // checkpoints saved (states taken from the workload)
  std::uint64_t seed = 1;
  std::string strategy;  // full | delta | raw | a baseline's (adk)
  std::string backend;   // memory | sqlite-full | sqlite-normal | postgres
  std::string pg_url;    // postgres: a server to create a scratch database on
  // DeltaOptions of the delta strategy (raw writes the rows delta would).
  std::size_t interval = 0;
  double budget = 0.0;
  double max_delta_fraction = 1.0;
  std::size_t cache_bytes = 0;
  // The store's payload_encoding (SQLite and PostgreSQL): json,
  // zstd-full-rows, zstd, lz4.
  std::string payload_encoding = "json";
  std::string work_dir;     // where SQLite files go (deleted after the run)
  std::string series_path;  // per-step CSV to write; empty: none
  int load_reps = 15;       // load-latest repetitions, warm and cold each
  int by_id_samples = 20;   // random checkpoints loaded by id
  int history_reps = 3;     // history() repetitions (fewer when slow)
  bool with_history = true;
};

// Latency distribution in microseconds (nearest-rank percentiles).
struct Summary {
  std::size_t n = 0;
  double p50 = 0, p95 = 0, p99 = 0, mean = 0, max = 0;
};
Summary summarize(std::vector<double> values);

struct RunResult {
  RunSpec spec;
  bool ok = false;
  std::string error;

  std::int64_t stored_bytes = 0;      // see docs/BENCHMARKS.md: file / relation / payload bytes
  std::int64_t full_state_bytes = 0;  // sum of the compact JSON sizes of every saved state
  std::int64_t row_bytes = 0;         // sum of payload + metadata bytes of the rows written
  std::int64_t last_state_bytes = 0;
  // The workload's information floor (floor.hpp), with --floor; else 0.
  std::int64_t floor_bytes = 0;
  std::size_t full_rows = 0;
  std::size_t delta_rows = 0;
  std::int32_t max_depth = 0;  // longest delta chain (delta and raw)
  // Payload bytes a load must read and replay (its chain: the full row and
  // the deltas after it), for the latest checkpoint and averaged over all.
  // Deterministic, unlike load latency. For adk: every row of the thread.
  std::int64_t replay_bytes_latest = 0;
  double replay_bytes_mean = 0;

  Summary save_all;     // every save, microseconds
  Summary save_last10;  // the last 10% of saves
  double save_wall_s = 0;  // sum of the timed saves
  double save_cpu_s = 0;   // process CPU time inside the timed saves

  std::optional<double> load_warm_us;   // p50 of load(latest), same checkpointer
  std::optional<double> load_cold_us;   // p50 of load(latest), a freshly opened one each time
  std::optional<double> load_by_id_us;  // p50 of load_by_id(random), freshly opened
  std::optional<double> history_ms;     // median of history(thread)

  double peak_rss_mb = 0;  // the child process's peak RSS (getrusage)
  double save_rss_mb = 0;  // its peak RSS when the saves were done (before any load)
  double cpu_total_s = 0;  // the child's whole CPU time (user + sys)
  double wall_total_s = 0;
  bool verified = false;  // every load matched what was saved
  std::size_t verified_loads = 0;
  Json extra = Json::object();  // strategy-specific figures (adk: save profile)
};

Json to_json(const RunSpec& spec);
RunSpec spec_from_json(const Json& j);
Json to_json(const RunResult& r);
RunResult result_from_json(const Json& j);

}  // namespace deltackpt::bench

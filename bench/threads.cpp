// deltackpt-bench-threads: many live threads in one process (issue 18).
//
// Saves S steps of each of N threads, interleaved round robin (step 0 of
// every thread, then step 1 of every thread, ...), as a runtime server with
// N live conversations does, through one DeltaCheckpointer with the given
// cache, writing deltas or full rows only; then prints, as one JSON line:
// save p50 and p99 of the last round and the mean over the run, the state
// cache's figures (hit rate, evictions, what it holds), the saves whose
// parent was rebuilt from its rows, peak RSS and the bytes stored. Every
// thread's last state is loaded back and compared with what was saved.
//
//   deltackpt-bench-threads --workload chat --threads 200 --steps 60
//       --strategy delta --cache-mb 64 [--store URL | --pg-url SERVER]
//
// A SQLite file in a temporary directory by default (synchronous=NORMAL);
// --pg-url makes a scratch database on that server.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "deltackpt/deltackpt.hpp"
#include "deltackpt/maintenance.hpp"
#include "deltackpt/open.hpp"
#include "pg_scratch.hpp"
#include "workload_source.hpp"

namespace {

using deltackpt::Json;

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto at = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(at, values.size() - 1)];
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"deltackpt-bench-threads: saves of many interleaved threads through one checkpointer"};
  std::string workload = "chat";
  int threads = 100;
  int steps = 60;
  std::string strategy = "delta";
  std::string cache = "default";
  std::string store_url;
  std::string pg_url;
  std::uint64_t seed = 1;
  app.add_option("--workload", workload, "Generator name (chat, doc_edit, kv_churn, tool_results, plan_edit)");
  app.add_option("--threads", threads, "Live threads, saved round robin")->check(CLI::PositiveNumber);
  app.add_option("--steps", steps, "Steps saved per thread")->check(CLI::PositiveNumber);
  app.add_option("--strategy", strategy, "delta or full")->check(CLI::IsMember({"delta", "full"}));
  app.add_option("--cache-mb", cache, "DeltaOptions::cache_bytes in MiB, \"unlimited\" or \"default\" (the library's)");
  app.add_option("--store", store_url, "Store URL (default: a SQLite file in a temporary directory)");
  app.add_option("--pg-url", pg_url, "Make a scratch database on this PostgreSQL server instead");
  app.add_option("--seed", seed, "Seed of thread 0's workload; thread i uses seed + i");
  CLI11_PARSE(app, argc, argv);

  deltackpt::OpenOptions options;
  options.deltas = strategy == "delta";
  options.durability = deltackpt::Durability::kNormal;
  if (cache == "unlimited") {
    options.delta.cache_bytes = std::numeric_limits<std::size_t>::max();
  } else if (cache != "default") {
    options.delta.cache_bytes = static_cast<std::size_t>(std::stoull(cache)) << 20;
  }
  const auto dir = std::filesystem::temp_directory_path() /
                   ("deltackpt-threads-" + std::to_string(::getpid()));
  std::optional<deltackpt::bench::PgScratchDb> scratch;
  std::string sqlite_path;
  if (store_url.empty() && !pg_url.empty()) {
#if DELTACKPT_HAVE_POSTGRES
    scratch.emplace(pg_url, "deltackpt_threads_" + std::to_string(::getpid()));
    store_url = scratch->url();  // a libpq keyword/value string, which open() takes
#else
    std::cerr << "built without PostgreSQL\n";
    return 2;
#endif
  }
  if (store_url.empty()) {
    std::filesystem::create_directories(dir);
    sqlite_path = (dir / "threads.db").string();
    store_url = "sqlite:" + sqlite_path;
  }
  int status = 0;
  {
    auto cp = deltackpt::open(store_url, options);
    std::vector<std::unique_ptr<deltackpt::bench::StateSource>> sources;
    for (int t = 0; t < threads; ++t) sources.push_back(deltackpt::bench::open_source(workload, seed + static_cast<std::uint64_t>(t)));
    std::vector<Json> last(static_cast<std::size_t>(threads));
    std::vector<double> last_round;
    double total_us = 0;
    for (int step = 0; step < steps; ++step) {
      for (int t = 0; t < threads; ++t) {
        deltackpt::Checkpoint c;
        c.thread_id = "thread-" + std::to_string(t);
        c.step = step;
        c.state = sources[static_cast<std::size_t>(t)]->next();
        const auto t0 = std::chrono::steady_clock::now();
        cp->save(c);
        const auto t1 = std::chrono::steady_clock::now();
        const double us = std::chrono::duration<double, std::micro>(t1 - t0).count();
        total_us += us;
        if (step == steps - 1) last_round.push_back(us);
        last[static_cast<std::size_t>(t)] = std::move(c.state);
      }
    }
    const deltackpt::SaveCounters saves = cp->counters();
    const deltackpt::CacheCounters cached = cp->cache_counters();
    const double rss = peak_rss_mb();
    // What was saved loads back (a fresh checkpointer: from the rows).
    deltackpt::DeltaCheckpointer reader(cp->row_store());
    for (int t = 0; t < threads; ++t) {
      const auto loaded = reader.load("thread-" + std::to_string(t));
      if (!loaded || loaded->state.dump() != last[static_cast<std::size_t>(t)].dump()) {
        std::cerr << "thread-" << t << ": the latest state differs from the last saved\n";
        status = 1;
      }
    }
    const deltackpt::StoreStats stored = deltackpt::stats(cp->row_store());
    const double lookups = static_cast<double>(cached.hits + cached.misses);
    Json out = {{"workload", workload},
                {"threads", threads},
                {"steps", steps},
                {"strategy", strategy},
                {"cache", cache == "default" ? "default (" + std::to_string(options.delta.cache_bytes >> 20) + " MiB)"
                          : cache == "unlimited" ? cache : cache + " MiB"},
                {"backend", scratch ? "postgres" : (sqlite_path.empty() ? store_url : "sqlite-normal")},
                {"save_last_p50_us", percentile(last_round, 0.5)},
                {"save_last_p99_us", percentile(last_round, 0.99)},
                {"save_mean_us", total_us / (static_cast<double>(threads) * steps)},
                {"hit_rate", lookups == 0 ? 0.0 : static_cast<double>(cached.hits) / lookups},
                {"parents_rebuilt", saves.parents_rebuilt},
                {"full_rows", saves.full_rows},
                {"delta_rows", saves.delta_rows},
                {"evictions", cached.evictions},
                {"cache_entries", cached.entries},
                {"cache_bytes", cached.bytes},
                {"peak_rss_mb", rss},
                {"stored_payload_bytes", stored.total.stored_bytes}};
    if (!sqlite_path.empty()) {
      std::error_code no_wal;
      const auto wal = std::filesystem::file_size(sqlite_path + "-wal", no_wal);
      out["file_bytes"] = std::filesystem::file_size(sqlite_path) + (no_wal ? 0 : wal);
    }
    std::cout << out.dump() << std::endl;
  }
  if (!sqlite_path.empty()) std::filesystem::remove_all(dir);
  return status;
}

// deltackpt-bench: stored bytes, save and load latency of deltackpt against
// full snapshots, adk-graph's algorithm and raw inserts. See docs/BENCHMARKS.md.
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "bench_types.hpp"
#include "deltackpt/config.hpp"
#include "deltackpt/delta_checkpointer.hpp"
#include "report.hpp"
#include "run_one.hpp"
#include "workload_source.hpp"
#include "workloads.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace bench = deltackpt::bench;
using deltackpt::Json;

constexpr std::string_view kUsage = R"(usage: deltackpt-bench [options]
  --workload LIST     generator names (chat, doc_edit, kv_churn, tool_results,
                      plan_edit) and/or JSONL files of states, comma-separated
                      (default: the five generators)
  --steps N           states saved per run (default: each workload's own)
  --strategy LIST     full, adk, delta, raw (default: all)
  --backend LIST      memory, sqlite-full, sqlite-normal, postgres
                      (default: the first three, plus postgres with a URL)
  --pg-url URL        PostgreSQL server to create scratch databases on
                      (default: $DELTACKPT_TEST_PG_DSN)
  --seed S            workload seed (default: 1)
  --interval N        DeltaOptions.full_snapshot_interval (default: library's)
  --budget X          DeltaOptions.replay_budget (default: library's)
  --max-delta-fraction X  DeltaOptions.max_delta_fraction (default: library's)
  --cache-mb N        DeltaOptions.cache_bytes in MiB (default: library's)
  --reps N            load-latest repetitions, warm and cold each (default: 15)
  --by-id N           random checkpoints loaded by id (default: 20)
  --no-history        skip history()
  --quick             30 steps, few repetitions: a smoke test in seconds
  --sweep             sweep the delta strategy instead: each interval at the
                      default budget, each budget at the default interval
                      (default backend: sqlite-normal)
  --sweep-grid        the same over every interval x budget pair
  --sweep-intervals L (default: 10,25,50,100,200,400)
  --sweep-budgets L   (default: 0.5,1,2,4)
  --json              print JSON instead of the tables
  --csv FILE          also write a CSV of every run
  --out DIR           write results.{csv,json} (sweep.{csv,json} with --sweep)
                      and per-step series/*.csv into DIR
  --merge LIST        run nothing: read the results.json files given
                      (comma-separated), then print, check and write them
                      together as if from one run
Every combination runs in a child process of its own. Exit status: 0 when
every run succeeded and verified its loads, 1 otherwise, 2 on usage errors.
)";

std::vector<std::string> split(std::string_view list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = list.find(',', start);
    const std::string_view part =
        list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

template <typename T>
bool parse_number(std::string_view text, T& out) {
  if (text.empty()) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool parse_double(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size();
}

struct Options {
  std::vector<std::string> workloads;
  int steps = -1;
  std::vector<std::string> strategies;
  std::vector<std::string> backends;
  std::string pg_url;
  std::uint64_t seed = 1;
  deltackpt::DeltaOptions delta;
  int reps = 15;
  int by_id = 20;
  bool history = true;
  bool quick = false;
  bool sweep = false;
  bool sweep_grid = false;
  std::vector<std::size_t> sweep_intervals = {10, 25, 50, 100, 200, 400};
  std::vector<double> sweep_budgets = {0.5, 1, 2, 4};
  bool json = false;
  std::string csv;
  std::string out_dir;
  std::vector<std::string> merge;
  std::string command_line;
};

int usage_error(const std::string& message) {
  std::cerr << "deltackpt-bench: " << message << "\n" << kUsage;
  return 2;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Parses argv into `o`; returns 0, or the exit status to stop with.
int parse(int argc, char** argv, Options& o) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args) o.command_line += (o.command_line.empty() ? "" : " ") + a;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string v;
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return -1;
    } else if (a == "--workload") {
      if (!value(v)) return usage_error("--workload needs a value");
      for (auto& w : split(v)) o.workloads.push_back(w);
    } else if (a == "--steps") {
      if (!value(v) || !parse_number(v, o.steps) || o.steps < 1) return usage_error("--steps needs a positive number");
    } else if (a == "--strategy") {
      if (!value(v)) return usage_error("--strategy needs a value");
      o.strategies = split(v);
      for (const auto& s : o.strategies) {
        if (!contains(bench::kStrategies, s)) return usage_error("unknown strategy " + s);
      }
    } else if (a == "--backend") {
      if (!value(v)) return usage_error("--backend needs a value");
      o.backends = split(v);
      for (const auto& b : o.backends) {
        if (!contains(bench::kBackends, b)) return usage_error("unknown backend " + b);
      }
    } else if (a == "--pg-url") {
      if (!value(o.pg_url)) return usage_error("--pg-url needs a value");
    } else if (a == "--seed") {
      if (!value(v) || !parse_number(v, o.seed)) return usage_error("--seed needs a number");
    } else if (a == "--interval") {
      if (!value(v) || !parse_number(v, o.delta.full_snapshot_interval) || o.delta.full_snapshot_interval < 1) {
        return usage_error("--interval needs a positive number");
      }
    } else if (a == "--budget") {
      if (!value(v) || !parse_double(v, o.delta.replay_budget) || o.delta.replay_budget < 0) {
        return usage_error("--budget needs a number >= 0");
      }
    } else if (a == "--max-delta-fraction") {
      if (!value(v) || !parse_double(v, o.delta.max_delta_fraction) || o.delta.max_delta_fraction < 0) {
        return usage_error("--max-delta-fraction needs a number >= 0");
      }
    } else if (a == "--cache-mb") {
      std::size_t mb = 0;
      if (!value(v) || !parse_number(v, mb)) return usage_error("--cache-mb needs a number");
      o.delta.cache_bytes = mb << 20;
    } else if (a == "--reps") {
      if (!value(v) || !parse_number(v, o.reps) || o.reps < 1) return usage_error("--reps needs a positive number");
    } else if (a == "--by-id") {
      if (!value(v) || !parse_number(v, o.by_id) || o.by_id < 0) return usage_error("--by-id needs a number");
    } else if (a == "--no-history") {
      o.history = false;
    } else if (a == "--quick") {
      o.quick = true;
    } else if (a == "--sweep") {
      o.sweep = true;
    } else if (a == "--sweep-grid") {
      o.sweep = true;
      o.sweep_grid = true;
    } else if (a == "--sweep-intervals") {
      if (!value(v)) return usage_error("--sweep-intervals needs a value");
      o.sweep_intervals.clear();
      for (const auto& s : split(v)) {
        std::size_t n = 0;
        if (!parse_number(s, n) || n < 1) return usage_error("bad interval " + s);
        o.sweep_intervals.push_back(n);
      }
    } else if (a == "--sweep-budgets") {
      if (!value(v)) return usage_error("--sweep-budgets needs a value");
      o.sweep_budgets.clear();
      for (const auto& s : split(v)) {
        double b = 0;
        if (!parse_double(s, b) || b < 0) return usage_error("bad budget " + s);
        o.sweep_budgets.push_back(b);
      }
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--csv") {
      if (!value(o.csv)) return usage_error("--csv needs a file");
    } else if (a == "--out") {
      if (!value(o.out_dir)) return usage_error("--out needs a directory");
    } else if (a == "--merge") {
      if (!value(v)) return usage_error("--merge needs files");
      o.merge = split(v);
    } else {
      return usage_error("unknown argument " + a);
    }
  }
  if (o.workloads.empty()) {
    for (const auto& info : deltackpt::workloads::all()) o.workloads.push_back(info.name);
  }
  for (const auto& w : o.workloads) {
    try {
      if (bench::default_steps(w) < 1) return usage_error("workload " + w + " has no states");
    } catch (const std::exception& e) {
      return usage_error(e.what());
    }
  }
  if (o.pg_url.empty()) {
    if (const char* env = std::getenv("DELTACKPT_TEST_PG_DSN")) o.pg_url = env;
  }
  if (o.strategies.empty()) o.strategies = o.sweep ? std::vector<std::string>{"delta"} : bench::kStrategies;
  if (o.backends.empty()) {
    if (o.sweep) {
      o.backends = {"sqlite-normal"};
    } else {
      o.backends = {"memory", "sqlite-full", "sqlite-normal"};
      if (DELTACKPT_HAVE_POSTGRES && !o.pg_url.empty()) o.backends.push_back("postgres");
    }
  }
  if (contains(o.backends, "postgres")) {
    if (!DELTACKPT_HAVE_POSTGRES) {
      return usage_error("this build has no PostgreSQL backend (configure with -DDELTACKPT_WITH_POSTGRES=ON)");
    }
    if (o.pg_url.empty()) return usage_error("--backend postgres needs --pg-url (or DELTACKPT_TEST_PG_DSN)");
  }
  if (o.quick) {
    o.reps = std::min(o.reps, 3);
    o.by_id = std::min(o.by_id, 5);
  }
  return 0;
}

// Runs `spec` in a child process (this executable, --child) and reads its result.
bench::RunResult run_child(const bench::RunSpec& spec, const std::string& result_path) {
  const std::string spec_text = bench::to_json(spec).dump();
  std::vector<std::string> args = {"deltackpt-bench", "--child", spec_text, result_path};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  fs::remove(result_path);
  pid_t pid = 0;
  bench::RunResult failed;
  failed.spec = spec;
  if (const int rc = posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), environ); rc != 0) {
    failed.error = std::string("posix_spawn: ") + std::strerror(rc);
    return failed;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) break;
  }
  std::ifstream in(result_path);
  if (!in) {
    failed.error = "the child process wrote no result (status " + std::to_string(status) + ")";
    return failed;
  }
  try {
    bench::RunResult r = bench::result_from_json(Json::parse(in));
    r.spec.pg_url = spec.pg_url;
    return r;
  } catch (const std::exception& e) {
    failed.error = std::string("unreadable child result: ") + e.what();
    return failed;
  }
}

int child_main(const std::string& spec_text, const std::string& result_path) {
  bench::RunResult r;
  try {
    r = bench::run_one(bench::spec_from_json(Json::parse(spec_text)));
  } catch (const std::exception& e) {
    r.ok = false;
    r.error = e.what();
  }
  std::ofstream out(result_path);
  out << bench::to_json(r).dump() << "\n";
  if (!r.ok) std::cerr << "deltackpt-bench: " << r.error << "\n";
  return r.ok && out ? 0 : 1;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

std::string safe(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  }
  return out;
}

// Prints and writes `results`; false when a file could not be written.
bool publish(const Options& o, const std::vector<bench::RunResult>& results, double total_s) {
  bool all_ok = true;
  const bool own_tmp = o.out_dir.empty();
  const fs::path out_dir = o.out_dir;
  // The targets are stated for the workloads' own step counts.
  const bool check = !o.sweep && !o.quick && o.steps < 0;
  const auto targets = check ? bench::check_targets(results) : std::vector<bench::TargetCheck>{};
  Json context{{"command", "deltackpt-bench " + o.command_line},
               {"deltackpt_version", DELTACKPT_VERSION},
               {"sqlite_version", sqlite3_libversion()},
               {"cpu", cpu_model()},
               {"nproc", sysconf(_SC_NPROCESSORS_ONLN)},
               {"total_seconds", total_s},
               {"kind", o.sweep ? "sweep" : "matrix"}};
  const Json doc = bench::to_json(results, targets, context);

  if (o.json) {
    std::cout << doc.dump(2) << "\n";
  } else if (o.sweep) {
    bench::print_sweep(std::cout, results);
  } else {
    bench::print_tables(std::cout, results, targets);
  }
  const auto write = [](const fs::path& path, const std::function<void(std::ostream&)>& body) {
    std::ofstream f(path);
    body(f);
    if (!f) {
      std::cerr << "deltackpt-bench: cannot write " << path << "\n";
      return false;
    }
    return true;
  };
  if (!o.csv.empty()) all_ok &= write(o.csv, [&](std::ostream& f) { bench::write_csv(f, results); });
  if (!own_tmp) {
    const std::string base = o.sweep ? "sweep" : "results";
    all_ok &= write(out_dir / (base + ".csv"), [&](std::ostream& f) { bench::write_csv(f, results); });
    all_ok &= write(out_dir / (base + ".json"), [&](std::ostream& f) { f << doc.dump(2) << "\n"; });
  }
  return all_ok;
}

int merge_main(const Options& o) {
  std::vector<bench::RunResult> results;
  double total_s = 0;
  bool all_ok = true;
  for (const auto& file : o.merge) {
    std::ifstream in(file);
    if (!in) return usage_error("cannot read " + file);
    try {
      const Json doc = Json::parse(in);
      total_s += doc.value("total_seconds", 0.0);
      for (const auto& r : doc.at("results")) {
        results.push_back(bench::result_from_json(r));
        all_ok &= results.back().ok;
      }
    } catch (const std::exception& e) {
      return usage_error(file + ": " + e.what());
    }
  }
  if (!o.out_dir.empty()) fs::create_directories(o.out_dir);
  all_ok &= publish(o, results, total_s);
  std::cerr << "deltackpt-bench: " << results.size() << " runs in " << static_cast<int>(total_s) << " s"
            << (all_ok ? "" : ", SOME FAILED") << "\n";
  return all_ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string_view(argv[1]) == "--child") return child_main(argv[2], argv[3]);

  Options o;
  if (const int rc = parse(argc, argv, o); rc != 0) return rc < 0 ? 0 : rc;

  if (!o.merge.empty()) return merge_main(o);

  const bool own_tmp = o.out_dir.empty();
  const fs::path out_dir = o.out_dir;
  const fs::path work_dir = own_tmp ? fs::temp_directory_path() / ("deltackpt-bench-" + std::to_string(getpid()))
                                    : out_dir / "tmp";
  fs::create_directories(work_dir);
  if (!own_tmp) fs::create_directories(out_dir / (o.sweep ? "sweep-series" : "series"));

  std::vector<bench::RunSpec> specs;
  for (const auto& w : o.workloads) {
    const int def = bench::default_steps(w);
    int steps = o.steps > 0 ? o.steps : def;
    if (o.quick) steps = std::min(steps, 30);
    for (const auto& b : o.backends) {
      const auto add = [&](const std::string& strategy, std::size_t interval, double budget) {
        bench::RunSpec s;
        s.workload = w;
        s.steps = steps;
        s.seed = o.seed;
        s.strategy = strategy;
        s.backend = b;
        s.pg_url = o.pg_url;
        s.interval = interval;
        s.budget = budget;
        s.max_delta_fraction = o.delta.max_delta_fraction;
        s.cache_bytes = o.delta.cache_bytes;
        s.work_dir = work_dir.string();
        s.load_reps = o.reps;
        s.by_id_samples = o.by_id;
        s.history_reps = o.quick ? 1 : 3;
        s.with_history = o.history;
        if (!own_tmp) {
          std::string name = safe(bench::workload_label(w)) + "_" + strategy + "_" + b;
          if (o.sweep) name += "_i" + std::to_string(interval) + "_b" + safe(std::to_string(budget));
          s.series_path = (out_dir / (o.sweep ? "sweep-series" : "series") / (name + ".csv")).string();
        }
        specs.push_back(s);
      };
      if (o.sweep) {
        // Each interval at the default budget, each budget at the default
        // interval; every pair with --sweep-grid.
        std::vector<std::pair<std::size_t, double>> points;
        const std::size_t def_interval = o.delta.full_snapshot_interval;
        const double def_budget = o.delta.replay_budget;
        for (const auto interval : o.sweep_intervals) {
          for (const auto budget : o.sweep_budgets) {
            if (!o.sweep_grid && interval != def_interval && budget != def_budget) continue;
            points.emplace_back(interval, budget);
          }
        }
        for (const auto interval : o.sweep_intervals) {
          if (!o.sweep_grid && std::find(o.sweep_budgets.begin(), o.sweep_budgets.end(), def_budget) ==
                                   o.sweep_budgets.end()) {
            points.emplace_back(interval, def_budget);
          }
        }
        for (const auto& [interval, budget] : points) add("delta", interval, budget);
      } else {
        for (const auto& s : o.strategies) add(s, o.delta.full_snapshot_interval, o.delta.replay_budget);
      }
    }
  }

  std::vector<bench::RunResult> results;
  bool all_ok = true;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto& s = specs[i];
    std::cerr << "[" << i + 1 << "/" << specs.size() << "] " << bench::workload_label(s.workload) << " "
              << s.strategy << " " << s.backend;
    if (o.sweep) std::cerr << " interval=" << s.interval << " budget=" << s.budget;
    std::cerr << " ..." << std::flush;
    const auto t0 = std::chrono::steady_clock::now();
    bench::RunResult r = run_child(s, (work_dir / ("result-" + std::to_string(i) + ".json")).string());
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cerr << (r.ok ? " ok" : " FAILED") << " (" << std::fixed;
    std::cerr.precision(1);
    std::cerr << secs << " s)\n";
    std::cerr.unsetf(std::ios::fixed);
    if (!r.ok) {
      all_ok = false;
      std::cerr << "  " << r.error << "\n";
    }
    results.push_back(std::move(r));
  }
  const double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::error_code ec;
  fs::remove_all(work_dir, ec);

  all_ok &= publish(o, results, total_s);
  std::cerr << "deltackpt-bench: " << results.size() << " runs in " << static_cast<int>(total_s) << " s"
            << (all_ok ? "" : ", SOME FAILED") << "\n";
  return all_ok ? 0 : 1;
}

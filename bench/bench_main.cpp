// deltackpt-bench: stored bytes, save and load latency of deltackpt against
// full snapshots, the baselines of bench/compare/ (adk-graph's algorithm) and
// raw inserts. See docs/BENCHMARKS.md.
#include <CLI/CLI.hpp>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "bench_types.hpp"
#include "compare/compare.hpp"
#include "deltackpt/config.hpp"
#include "deltackpt/delta_checkpointer.hpp"
#include "floor.hpp"
#include "report.hpp"
#include "run_one.hpp"
#include "workload_source.hpp"
#include "workloads.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace bench = deltackpt::bench;
namespace compare = deltackpt::bench::compare;
using deltackpt::Json;

struct Options {
  std::vector<std::string> workloads;
  int steps = -1;
  std::vector<std::string> strategies;
  std::vector<std::string> backends;
  std::string pg_url;
  std::uint64_t seed = 1;
  deltackpt::DeltaOptions delta;
  std::string payload_encoding = "json";
  int reps = 15;
  int by_id = 20;
  bool history = true;
  bool quick = false;
  bool floor = false;
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
  std::cerr << "deltackpt-bench: " << message << "\nRun with --help for more information.\n";
  return 2;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// The defaults that depend on other options, and the checks across options.
// Throws CLI::ValidationError.
void finish(Options& o, const std::vector<std::string>& strategies) {
  if (o.sweep_grid) o.sweep = true;
  if (o.workloads.empty()) {
    for (const auto& info : deltackpt::workloads::all()) o.workloads.push_back(info.name);
  }
  for (const auto& w : o.workloads) {
    try {
      if (bench::default_steps(w) < 1) throw CLI::ValidationError("--workload", w + " has no states");
    } catch (const std::invalid_argument& e) {
      throw CLI::ValidationError("--workload", e.what());
    }
  }
  if (o.pg_url.empty()) {
    if (const char* env = std::getenv("DELTACKPT_TEST_PG_DSN")) o.pg_url = env;
  }
  if (o.strategies.empty()) o.strategies = o.sweep ? std::vector<std::string>{"delta"} : strategies;
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
      throw CLI::ValidationError(
          "--backend", "this build has no PostgreSQL backend (configure with -DDELTACKPT_WITH_POSTGRES=ON)");
    }
    if (o.pg_url.empty()) throw CLI::ValidationError("--backend", "postgres needs --pg-url (or DELTACKPT_TEST_PG_DSN)");
  }
  if (o.quick) {
    o.reps = std::min(o.reps, 3);
    o.by_id = std::min(o.by_id, 5);
  }
}

// Accepts numbers of at least `min`; `name` is what --help shows.
CLI::Validator at_least(double min, const std::string& name) {
  return CLI::Validator(
      [min](std::string& text) {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        const bool ok = !text.empty() && end == text.c_str() + text.size() && v >= min;
        return ok ? std::string() : text + " is not a number >= " + bench::fmt("%g", min);
      },
      name);
}

// Parses argv into `o`. Returns the exit status to stop with (0 after
// --help, 2 on a usage error), or std::nullopt to go on.
std::optional<int> parse(int argc, char** argv, const std::vector<std::string>& strategies, Options& o) {
  for (int i = 1; i < argc; ++i) o.command_line += (i > 1 ? " " : "") + std::string(argv[i]);
  std::vector<std::string> generators;
  for (const auto& info : deltackpt::workloads::all()) generators.push_back(info.name);
  const deltackpt::DeltaOptions defaults;
  const CLI::Validator positive = at_least(1, "POSITIVE");
  const CLI::Validator non_negative = at_least(0, "NONNEGATIVE");

  CLI::App app{"deltackpt-bench: stored bytes, save and load latency of deltackpt against full snapshots, "
               "baselines and raw inserts, on every backend (docs/BENCHMARKS.md)",
               "deltackpt-bench"};
  // A list option takes one value per occurrence, comma-separated.
  const auto list = [](CLI::Option* option) {
    return option->delimiter(',')->allow_extra_args(false)->type_name("LIST");
  };
  list(app.add_option("--workload", o.workloads,
                      "Generator names (" + join(generators) +
                          ") and/or JSONL files of states (default: the generators)"));
  app.add_option("--steps", o.steps, "States saved per run (default: each workload's own)")
      ->check(positive);
  std::vector<std::string> known = strategies;
  for (const auto& s : bench::optional_strategies()) known.push_back(s);
  list(app.add_option("--strategy", o.strategies, "Strategies (default: all but given)"))
      ->check(CLI::IsMember(known));
  list(app.add_option("--backend", o.backends, "Backends (default: the first three, plus postgres with a URL)"))
      ->check(CLI::IsMember(bench::kBackends));
  app.add_option("--pg-url", o.pg_url,
                 "PostgreSQL server to create scratch databases on (default: $DELTACKPT_TEST_PG_DSN)")
      ->type_name("URL");
  app.add_option("--seed", o.seed, "Workload seed")->capture_default_str();
  app.add_option("--interval", o.delta.full_snapshot_interval, "DeltaOptions.full_snapshot_interval")
      ->check(positive)
      ->capture_default_str();
  app.add_option("--budget", o.delta.replay_budget, "DeltaOptions.replay_budget")
      ->check(non_negative)
      ->capture_default_str();
  app.add_option("--max-delta-fraction", o.delta.max_delta_fraction, "DeltaOptions.max_delta_fraction")
      ->check(non_negative)
      ->capture_default_str();
  app.add_option("--encoding", o.payload_encoding,
                 "Payload encoding of the SQLite and PostgreSQL stores: json, zstd-full-rows, zstd, lz4")
      ->check(CLI::IsMember({"json", "zstd-full-rows", "zstd", "lz4"}))
      ->capture_default_str();
  app.add_option_function<std::size_t>(
         "--cache-mb", [&o](std::size_t mb) { o.delta.cache_bytes = mb << 20; },
         "DeltaOptions.cache_bytes in MiB")
      ->default_str(std::to_string(defaults.cache_bytes >> 20));
  app.add_option("--reps", o.reps, "Load-latest repetitions, warm and cold each")
      ->check(positive)
      ->capture_default_str();
  app.add_option("--by-id", o.by_id, "Random checkpoints loaded by id")
      ->check(non_negative)
      ->capture_default_str();
  app.add_flag_callback("--no-history", [&o] { o.history = false; }, "Skip history()");
  app.add_flag("--quick", o.quick, "30 steps, few repetitions: a smoke test in seconds");
  app.add_flag("--floor", o.floor,
               "Also compute each workload's information floor (its whole history through zstd -19 --long=27; "
               "seconds per 100 MB of states) and print payload bytes over it");
  app.add_flag("--sweep", o.sweep,
               "Sweep the delta strategy instead: each interval at the default budget, each budget at the "
               "default interval (default backend: sqlite-normal)");
  app.add_flag("--sweep-grid", o.sweep_grid, "The same over every interval x budget pair");
  list(app.add_option("--sweep-intervals", o.sweep_intervals, "Intervals of the sweep"))
      ->check(positive)
      ->capture_default_str();
  list(app.add_option("--sweep-budgets", o.sweep_budgets, "Budgets of the sweep"))
      ->check(non_negative)
      ->capture_default_str();
  app.add_flag("--json", o.json, "Print JSON instead of the tables");
  app.add_option("--csv", o.csv, "Also write a CSV of every run")->type_name("FILE");
  app.add_option("--out", o.out_dir,
                 "Write results.{csv,json} (sweep.{csv,json} with --sweep) and per-step series/*.csv into DIR")
      ->type_name("DIR");
  list(app.add_option("--merge", o.merge,
                      "Run nothing: read the results.json files given, then print, check and write them "
                      "together as if from one run"));
  app.footer(
      "Every combination runs in a child process of its own. Exit status: 0 when every run succeeded and "
      "verified its loads, 1 otherwise, 2 on usage errors.");
  app.callback([&] { finish(o, strategies); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return std::nullopt;
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
    r = bench::run_one(bench::spec_from_json(Json::parse(spec_text)), bench::compare::baselines());
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
  const auto targets = check ? compare::check_targets(results) : std::vector<compare::TargetCheck>{};
  Json context{{"command", "deltackpt-bench " + o.command_line},
               {"deltackpt_version", DELTACKPT_VERSION},
               {"sqlite_version", sqlite3_libversion()},
               {"cpu", cpu_model()},
               {"nproc", sysconf(_SC_NPROCESSORS_ONLN)},
               {"total_seconds", total_s},
               {"kind", o.sweep ? "sweep" : "matrix"}};
  Json doc = bench::to_json(results, context);
  doc["targets"] = compare::to_json(targets);

  if (o.json) {
    std::cout << doc.dump(2) << "\n";
  } else if (o.sweep) {
    bench::print_sweep(std::cout, results);
  } else {
    bench::print_tables(std::cout, results);
    compare::print_targets(std::cout, targets);
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
  if (const auto rc = parse(argc, argv, bench::strategies(compare::baselines()), o)) return *rc;

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
        s.payload_encoding = o.payload_encoding;
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
  if (o.floor) {
    // Once per workload, in this process: the runs are children, one each.
    std::map<std::tuple<std::string, int, std::uint64_t>, std::int64_t> floors;
    for (auto& r : results) {
      const auto key = std::tuple(r.spec.workload, r.spec.steps, r.spec.seed);
      auto it = floors.find(key);
      if (it == floors.end()) {
        std::cerr << "information floor of " << bench::workload_label(r.spec.workload) << " ..." << std::flush;
        it = floors.emplace(key, bench::information_floor(r.spec.workload, r.spec.steps, r.spec.seed)).first;
        std::cerr << " " << it->second << " bytes\n";
      }
      r.floor_bytes = it->second;
    }
  }
  const double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::error_code ec;
  fs::remove_all(work_dir, ec);

  all_ok &= publish(o, results, total_s);
  std::cerr << "deltackpt-bench: " << results.size() << " runs in " << static_cast<int>(total_s) << " s"
            << (all_ok ? "" : ", SOME FAILED") << "\n";
  return all_ok ? 0 : 1;
}

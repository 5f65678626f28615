// run_one(): save a workload through one strategy and backend, then load it back.
#include "run_one.hpp"

#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <stdexcept>
#include <unordered_map>

#include "baseline.hpp"
#include "deltackpt/backends/memory.hpp"
#include "deltackpt/backends/sqlite.hpp"
#include "deltackpt/config.hpp"
#include "deltackpt/delta_checkpointer.hpp"
#include "deltackpt/row_store.hpp"
#include "pg_scratch.hpp"
#include "raw_store.hpp"
#include "workload_source.hpp"
#if DELTACKPT_HAVE_POSTGRES
#include "deltackpt/backends/postgres.hpp"
#endif

namespace deltackpt::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kThread = "bench-thread";
// Repeated load measurements stop early, after at least kMinReps, once
// they have taken this long.
constexpr double kRepBudgetS = 2.0;
constexpr int kMinReps = 3;

double micros(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::uint64_t text_hash(const std::string& text) { return std::hash<std::string>{}(text); }

// The state with its top-level keys sorted: what a baseline that does not keep
// key order (adk-graph's HashMap) can be compared on.
std::uint64_t unordered_hash(const Json& state) {
  std::vector<std::string> keys;
  for (auto it = state.begin(); it != state.end(); ++it) keys.push_back(it.key());
  std::sort(keys.begin(), keys.end());
  Json sorted = Json::object();
  for (const auto& k : keys) sorted[k] = state.at(k);
  return text_hash(sorted.dump());
}

[[noreturn]] void mismatch(const std::string& what) {
  throw std::runtime_error("verification failed: " + what);
}

// One backend, fresh for this run.
class Storage {
 public:
  Storage(const RunSpec& spec) : spec_(spec) {
    if (spec.backend == "memory") {
      memory_ = open_memory();
    } else if (spec.backend == "sqlite-full" || spec.backend == "sqlite-normal") {
      durability_ = spec.backend == "sqlite-full" ? Durability::kFull : Durability::kNormal;
      fs::create_directories(spec.work_dir);
      path_ = (fs::path(spec.work_dir) / (workload_label(spec.workload) + "-" + spec.strategy + "-" +
                                          spec.backend + "-" + std::to_string(getpid()) + ".db"))
                  .string();
      remove_files();
    } else if (spec.backend == "postgres") {
#if DELTACKPT_HAVE_POSTGRES
      if (spec.pg_url.empty()) throw std::invalid_argument("the postgres backend needs --pg-url");
      pg_ = std::make_unique<PgScratchDb>(spec.pg_url, "dckpt_bench_" + std::to_string(getpid()));
#else
      throw std::invalid_argument(
          "this build has no PostgreSQL backend (configure with -DDELTACKPT_WITH_POSTGRES=ON)");
#endif
    } else {
      throw std::invalid_argument("unknown backend " + spec.backend);
    }
  }
  ~Storage() { remove_files(); }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // A new checkpointer on the store: its own connection, nothing cached.
  // For memory, a new checkpointer over the same rows.
  std::unique_ptr<DeltaCheckpointer> open_checkpointer(const DeltaOptions& options) {
    if (memory_) return std::make_unique<DeltaCheckpointer>(*memory_, options);
    if (!path_.empty()) {
      return std::make_unique<DeltaCheckpointer>(
          open_sqlite({.path = path_, .durability = durability_, .payload_encoding = spec_.payload_encoding}), options);
    }
#if DELTACKPT_HAVE_POSTGRES
    return std::make_unique<DeltaCheckpointer>(
        open_postgres({.url = pg_->url(), .pool_size = 1, .payload_encoding = spec_.payload_encoding}), options);
#else
    throw std::logic_error("no backend");
#endif
  }

  std::unique_ptr<RawWriter> open_raw() {
    if (memory_) return open_raw_memory(*memory_);
    if (!path_.empty()) return open_raw_sqlite(path_, durability_);
#if DELTACKPT_HAVE_POSTGRES
    return open_raw_postgres(pg_->url());
#else
    throw std::logic_error("no backend");
#endif
  }

  // REQUIRES: every checkpointer but the memory store is closed.
  std::int64_t stored_bytes(const std::vector<RowHeader>& headers) {
    if (memory_) {
      std::int64_t total = 0;
      for (const auto& h : headers) total += h.payload_size + static_cast<std::int64_t>(h.metadata.size());
      return total;
    }
    if (!path_.empty()) {
      sqlite3* db = nullptr;
      if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        sqlite3_close_v2(db);
        throw std::runtime_error("cannot reopen " + path_);
      }
      char* error = nullptr;
      const int rc = sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, &error);
      const std::string why = error != nullptr ? error : "";
      sqlite3_free(error);
      sqlite3_close_v2(db);
      if (rc != SQLITE_OK) throw std::runtime_error("wal_checkpoint: " + why);
      std::int64_t total = static_cast<std::int64_t>(fs::file_size(path_));
      if (fs::exists(path_ + "-wal")) total += static_cast<std::int64_t>(fs::file_size(path_ + "-wal"));
      return total;
    }
#if DELTACKPT_HAVE_POSTGRES
    return pg_->table_bytes();
#else
    return 0;
#endif
  }

 private:
  void remove_files() {
    if (path_.empty()) return;
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path_ + suffix, ec);
  }

  const RunSpec& spec_;
  std::unique_ptr<RowStore> memory_;
  std::string path_;
  Durability durability_ = Durability::kFull;
#if DELTACKPT_HAVE_POSTGRES
  std::unique_ptr<PgScratchDb> pg_;
#endif
};

// What the bench remembers of the saved states to check loads against.
struct Expected {
  std::vector<std::uint64_t> hash;            // of state.dump(), every step
  std::vector<std::uint64_t> unordered;       // baselines without key order: keys sorted
  std::vector<std::int64_t> state_bytes;      // every step
  std::map<std::size_t, Json> kept;           // the by-id targets and the last step
  std::vector<std::size_t> by_id_targets;
};

class Runner {
 public:
  // `baseline`: the strategy's, when it is one (else nullptr).
  Runner(const RunSpec& spec, const Baseline* baseline)
      : spec_(spec), baseline_(baseline), n_(static_cast<std::size_t>(spec.steps)) {
    if (spec.steps < 1) throw std::invalid_argument("--steps must be at least 1");
    options_.full_snapshot_interval = spec.interval;
    options_.replay_budget = spec.budget;
    options_.max_delta_fraction = spec.max_delta_fraction;
    options_.cache_bytes = spec.cache_bytes;
    choose_targets();
  }

  RunResult run() {
    RunResult r;
    r.spec = spec_;
    const auto wall0 = Clock::now();
    Storage storage(spec_);
    const std::string& s = spec_.strategy;
    if (s == "raw") {
      run_raw(storage, r);
    } else if (s == "full" || s == "delta" || s == "given" || baseline_ != nullptr) {
      run_checkpointer(storage, r);
    } else {
      throw std::invalid_argument("unknown strategy " + s);
    }
    r.full_state_bytes = std::accumulate(expected_.state_bytes.begin(), expected_.state_bytes.end(),
                                         std::int64_t{0});
    r.last_state_bytes = expected_.state_bytes.back();
    summarize_saves(r);
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    r.peak_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
    r.save_rss_mb = save_rss_mb_;
    r.cpu_total_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                    static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
    r.wall_total_s = micros(wall0, Clock::now()) * 1e-6;
    r.verified = true;
    r.verified_loads = verified_loads_;
    r.ok = true;
    write_series(r);
    return r;
  }

 private:
  void choose_targets() {
    std::vector<std::size_t> steps(n_);
    std::iota(steps.begin(), steps.end(), std::size_t{0});
    std::mt19937_64 rng(spec_.seed * 0x9E3779B97F4A7C15ULL + 17);
    std::shuffle(steps.begin(), steps.end(), rng);
    const auto k = std::min(n_, static_cast<std::size_t>(std::max(spec_.by_id_samples, 0)));
    expected_.by_id_targets.assign(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(k));
  }

  // The bench's own work on a new state, identical for every strategy and
  // never timed: size, fingerprint, and a copy when it must be kept.
  Checkpoint prepare(Json state, std::size_t i, bool record) {
    if (record) {
      const std::string text = state.dump();
      expected_.hash.push_back(text_hash(text));
      expected_.state_bytes.push_back(static_cast<std::int64_t>(text.size()));
      if (any_key_order()) expected_.unordered.push_back(unordered_hash(state));
      const bool keep = i + 1 == n_ || std::find(expected_.by_id_targets.begin(),
                                                 expected_.by_id_targets.end(),
                                                 i) != expected_.by_id_targets.end();
      if (keep) expected_.kept[i] = state;
    } else {
      // The same work as above, so the timed loop sees the same caches.
      const std::string text = state.dump();
      if (text_hash(text) != expected_.hash[i]) mismatch("the workload is not deterministic");
    }
    Checkpoint cp;
    cp.thread_id = kThread;
    cp.step = static_cast<std::int64_t>(i);
    cp.state = std::move(state);
    return cp;
  }

  // Saves every state through `save`, timing only the call.
  void timed_saves(const std::function<std::string(const Checkpoint&, std::size_t)>& save,
                   bool record) {
    auto source = open_source(spec_.workload, spec_.seed);
    save_us_.assign(n_, 0.0);
    ids_.assign(n_, std::string());
    double cpu = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      const Checkpoint cp = prepare(source->next(), i, record);
      const double c0 = cpu_seconds();
      const auto t0 = Clock::now();
      std::string id = save(cp, i);
      const auto t1 = Clock::now();
      cpu += cpu_seconds() - c0;
      save_us_[i] = micros(t0, t1);
      ids_[i] = std::move(id);
    }
    save_cpu_s_ = cpu;
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    save_rss_mb_ = static_cast<double>(usage.ru_maxrss) / 1024.0;
  }

  // Whether loads may return the top-level keys in another order.
  bool any_key_order() const { return baseline_ != nullptr && !baseline_->keeps_key_order; }

  bool same_state(const Json& got, std::size_t step) const {
    const auto it = expected_.kept.find(step);
    if (it == expected_.kept.end()) return false;
    // Judged by the exact text, not by the library's own comparison (which
    // is what a round trip must be able to catch).
    if (got.dump() == it->second.dump()) return true;
    return any_key_order() && unordered_hash(got) == unordered_hash(it->second);
  }

  void check_latest(const std::optional<Checkpoint>& got, const char* what) {
    if (!got) mismatch(std::string(what) + ": no checkpoint");
    if (got->step != static_cast<std::int64_t>(n_ - 1) || !same_state(got->state, n_ - 1)) {
      mismatch(std::string(what) + ": the latest state differs from the last saved");
    }
    ++verified_loads_;
  }

  void check_history(const std::vector<Checkpoint>& all) {
    if (all.size() != n_) mismatch("history has " + std::to_string(all.size()) + " checkpoints");
    for (std::size_t i = 0; i < n_; ++i) {
      const bool ok = all[i].step == static_cast<std::int64_t>(i) &&
                      (text_hash(all[i].state.dump()) == expected_.hash[i] ||
                       (any_key_order() && unordered_hash(all[i].state) == expected_.unordered[i]));
      if (!ok) mismatch("history state of step " + std::to_string(i) + " differs");
    }
    ++verified_loads_;
  }

  // Loads: warm (the saving checkpointer), cold (fresh ones), by id, history.
  struct Loader {
    std::function<std::optional<Checkpoint>()> load;
    std::function<std::optional<Checkpoint>(const std::string&)> load_by_id;
    std::function<std::vector<Checkpoint>()> history;
  };

  void measure_loads(RunResult& r, const Loader& warm, const std::function<Loader()>& open_cold,
                     bool timed) {
    const int reps = timed ? std::max(spec_.load_reps, 1) : 1;
    // Slow loads (a baseline that lists the whole thread) stop after kMinReps
    // once they have taken kRepBudgetS: enough for a median, and the bench
    // stays quick.
    const auto enough = [&](const std::vector<double>& t) {
      const double spent = std::accumulate(t.begin(), t.end(), 0.0) * 1e-6;
      return static_cast<int>(t.size()) >= reps ||
             (static_cast<int>(t.size()) >= kMinReps && spent > kRepBudgetS);
    };
    std::vector<double> times;
    while (!enough(times)) {
      const auto t0 = Clock::now();
      const auto got = warm.load();
      const auto t1 = Clock::now();
      times.push_back(micros(t0, t1));
      check_latest(got, "load (warm)");
    }
    if (timed) r.load_warm_us = summarize(times).p50;

    times.clear();
    while (!enough(times)) {
      const Loader fresh = open_cold();
      const auto t0 = Clock::now();
      const auto got = fresh.load();
      const auto t1 = Clock::now();
      times.push_back(micros(t0, t1));
      check_latest(got, "load (cold)");
    }
    if (timed) r.load_cold_us = summarize(times).p50;

    times.clear();
    {
      const Loader fresh = open_cold();  // one checkpointer, each id loaded once: all cold
      for (const std::size_t step : expected_.by_id_targets) {
        if (timed && static_cast<int>(times.size()) >= kMinReps &&
            std::accumulate(times.begin(), times.end(), 0.0) * 1e-6 > kRepBudgetS) {
          break;
        }
        const auto t0 = Clock::now();
        const auto got = fresh.load_by_id(ids_[step]);
        const auto t1 = Clock::now();
        times.push_back(micros(t0, t1));
        if (!got || got->step != static_cast<std::int64_t>(step) || !same_state(got->state, step)) {
          mismatch("load_by_id of step " + std::to_string(step) + " differs");
        }
        ++verified_loads_;
      }
    }
    if (timed && !times.empty()) r.load_by_id_us = summarize(times).p50;

    if (!spec_.with_history) return;
    times.clear();
    {
      const Loader fresh = open_cold();
      double spent = 0;
      for (int i = 0; i < std::max(spec_.history_reps, 1) && (i == 0 || spent < kRepBudgetS); ++i) {
        const auto t0 = Clock::now();
        const auto all = fresh.history();
        const auto t1 = Clock::now();
        times.push_back(micros(t0, t1) / 1000.0);
        spent += micros(t0, t1) * 1e-6;
        if (i == 0) check_history(all);  // the same rows every time: checked once
        if (!timed) break;
      }
    }
    if (timed) r.history_ms = summarize(times).p50;
  }

  static Loader loader_of(Checkpointer& cp) {
    return Loader{[&cp] { return cp.load(kThread); },
                  [&cp](const std::string& id) { return cp.load_by_id(id); },
                  [&cp] { return cp.history(kThread); }};
  }

  static Loader loader_of(BaselineCheckpointer& baseline) {
    return Loader{[&baseline] { return baseline.load(kThread); },
                  [&baseline](const std::string& id) { return baseline.load_by_id(id); },
                  [&baseline] { return baseline.history(kThread); }};
  }

  std::unique_ptr<DeltaCheckpointer> open_strategy(Storage& storage) {
    const bool deltas = spec_.strategy == "delta" || spec_.strategy == "raw" || spec_.strategy == "given";
    return storage.open_checkpointer(deltas ? options_ : DeltaOptions::full_rows());
  }

  void run_checkpointer(Storage& storage, RunResult& r) {
    std::vector<RowHeader> headers;
    {
      std::unique_ptr<DeltaCheckpointer> cp = open_strategy(storage);
      std::unique_ptr<BaselineCheckpointer> baseline;
      if (baseline_ != nullptr) baseline = baseline_->open(cp->row_store());
      if (baseline) {
        timed_saves([&](const Checkpoint& c, std::size_t) { return baseline->save(c); }, true);
      } else if (spec_.strategy == "given") {
        // The caller says what changed (save_delta), as a runtime that knows
        // it can: the deltas are computed before the clock runs.
        const std::vector<Json> deltas = given_deltas();
        timed_saves(
            [&](const Checkpoint& c, std::size_t i) {
              if (i == 0) return cp->save(c);
              Checkpoint header;
              header.thread_id = c.thread_id;
              header.parent_id = ids_[i - 1];
              header.step = c.step;
              return cp->save_delta(header, deltas[i]);
            },
            true);
      } else {
        timed_saves([&](const Checkpoint& c, std::size_t) { return cp->save(c); }, true);
      }

      // Cold loaders: a freshly opened checkpointer each, kept alive by the lambdas.
      const auto open_cold = [&]() -> Loader {
        auto fresh = std::shared_ptr<DeltaCheckpointer>(open_strategy(storage));
        if (baseline_ != nullptr) {
          std::shared_ptr<BaselineCheckpointer> fresh_baseline = baseline_->open(fresh->row_store());
          return Loader{[fresh, fresh_baseline] { return fresh_baseline->load(kThread); },
                        [fresh, fresh_baseline](const std::string& id) { return fresh_baseline->load_by_id(id); },
                        [fresh, fresh_baseline] { return fresh_baseline->history(kThread); }};
        }
        return Loader{[fresh] { return fresh->load(kThread); },
                      [fresh](const std::string& id) { return fresh->load_by_id(id); },
                      [fresh] { return fresh->history(kThread); }};
      };
      if (baseline) r.extra = baseline->extra();
      measure_loads(r, baseline ? loader_of(*baseline) : loader_of(*cp), open_cold, true);
      headers = cp->row_store().headers(deltackpt::HeaderQuery{.thread_id = kThread});
    }
    account_rows(r, headers);
    r.stored_bytes = storage.stored_bytes(headers);
  }

  // diff(state i-1, state i) for every state but the first.
  std::vector<Json> given_deltas() const {
    auto source = open_source(spec_.workload, spec_.seed);
    std::vector<Json> deltas(n_);
    Json previous;
    for (std::size_t i = 0; i < n_; ++i) {
      Json state = source->next();
      if (i > 0) deltas[i] = diff(previous, state, options_.diff);
      previous = std::move(state);
    }
    return deltas;
  }

  void run_raw(Storage& storage, RunResult& r) {
    // Untimed: the rows the delta strategy writes for these states, built
    // by a DeltaCheckpointer over a private memory store.
    std::vector<RawRow> rows;
    {
      DeltaCheckpointer builder(open_memory(), options_);
      timed_saves([&](const Checkpoint& c, std::size_t) { return builder.save(c); }, true);
      for (auto& row : builder.row_store().rows(kThread)) rows.push_back(make_raw_row(std::move(row)));
    }
    if (rows.size() != n_) throw std::logic_error("raw: the builder wrote " + std::to_string(rows.size()) + " rows");
    // Timed: the same states go by (same bench work), the rows go in raw.
    std::vector<RowHeader> headers;
    {
      auto writer = storage.open_raw();
      timed_saves(
          [&](const Checkpoint&, std::size_t i) {
            writer->insert(rows[i]);
            return rows[i].row.header.checkpoint_id;
          },
          false);
      writer->finish(rows.back());
    }
    {
      // Untimed: deltackpt reads the raw rows back, to prove they are the real thing.
      std::unique_ptr<DeltaCheckpointer> cp = open_strategy(storage);
      const auto open_cold = [&]() -> Loader {
        auto fresh = std::shared_ptr<DeltaCheckpointer>(open_strategy(storage));
        return Loader{[fresh] { return fresh->load(kThread); },
                      [fresh](const std::string& id) { return fresh->load_by_id(id); },
                      [fresh] { return fresh->history(kThread); }};
      };
      measure_loads(r, loader_of(*cp), open_cold, false);
      headers = cp->row_store().headers(deltackpt::HeaderQuery{.thread_id = kThread});
    }
    account_rows(r, headers);
    r.stored_bytes = storage.stored_bytes(headers);
  }

  void account_rows(RunResult& r, const std::vector<RowHeader>& headers) {
    if (headers.size() != n_) mismatch("the store holds " + std::to_string(headers.size()) + " rows");
    std::unordered_map<std::string, std::int64_t> bytes;
    for (const auto& h : headers) {
      const std::int64_t b = h.payload_size + static_cast<std::int64_t>(h.metadata.size());
      bytes[h.checkpoint_id] = b;
      r.row_bytes += b;
      const bool delta = baseline_ != nullptr ? baseline_->is_delta_row(h) : h.kind == RowKind::kDelta;
      ++(delta ? r.delta_rows : r.full_rows);
      r.max_depth = std::max(r.max_depth, h.depth);
    }
    row_bytes_.assign(n_, 0);
    for (std::size_t i = 0; i < n_; ++i) row_bytes_[i] = bytes.at(ids_[i]);
    // Replay bytes: a delta row's chain is its parent's plus itself.
    std::unordered_map<std::string, std::int64_t> chain;
    std::int64_t all_rows = 0;
    double sum = 0;
    for (auto it = headers.rbegin(); it != headers.rend(); ++it) {  // oldest first
      const RowHeader& h = *it;
      all_rows += h.payload_size + static_cast<std::int64_t>(h.metadata.size());
      std::int64_t c = h.payload_size;
      if (h.kind == RowKind::kDelta) c += chain.at(h.parent_id);
      if (baseline_ != nullptr && baseline_->loads_whole_thread) c = all_rows;
      chain[h.checkpoint_id] = c;
      sum += static_cast<double>(c);
    }
    r.replay_bytes_latest = chain.at(ids_.back());
    r.replay_bytes_mean = sum / static_cast<double>(n_);
  }

  void summarize_saves(RunResult& r) {
    r.save_all = summarize(save_us_);
    const std::size_t tail = std::max<std::size_t>(1, (n_ + 9) / 10);
    r.save_last10 = summarize(std::vector<double>(save_us_.end() - static_cast<std::ptrdiff_t>(tail), save_us_.end()));
    r.save_wall_s = std::accumulate(save_us_.begin(), save_us_.end(), 0.0) * 1e-6;
    r.save_cpu_s = save_cpu_s_;
  }

  void write_series(const RunResult&) {
    if (spec_.series_path.empty()) return;
    std::ofstream out(spec_.series_path);
    out << "step,save_us,state_bytes,row_bytes,cum_row_bytes,cum_full_bytes\n";
    std::int64_t cum_rows = 0, cum_full = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      cum_rows += row_bytes_[i];
      cum_full += expected_.state_bytes[i];
      out << i << ',' << save_us_[i] << ',' << expected_.state_bytes[i] << ',' << row_bytes_[i] << ','
          << cum_rows << ',' << cum_full << '\n';
    }
    if (!out) throw std::runtime_error("cannot write " + spec_.series_path);
  }

  const RunSpec& spec_;
  const Baseline* const baseline_;
  const std::size_t n_;
  DeltaOptions options_;
  Expected expected_;
  std::vector<double> save_us_;
  std::vector<std::string> ids_;
  std::vector<std::int64_t> row_bytes_;
  double save_cpu_s_ = 0;
  double save_rss_mb_ = 0;
  std::size_t verified_loads_ = 0;
};

}  // namespace

std::vector<std::string> optional_strategies() { return {"given"}; }

std::vector<std::string> strategies(const std::vector<Baseline>& baselines) {
  std::vector<std::string> out = {"full"};
  for (const auto& b : baselines) out.push_back(b.strategy);
  out.insert(out.end(), {"delta", "raw"});
  return out;
}

RunResult run_one(const RunSpec& spec, const std::vector<Baseline>& baselines) {
  try {
    const auto it = std::find_if(baselines.begin(), baselines.end(),
                                 [&](const Baseline& b) { return b.strategy == spec.strategy; });
    Runner runner(spec, it != baselines.end() ? &*it : nullptr);
    return runner.run();
  } catch (const std::exception& e) {
    RunResult r;
    r.spec = spec;
    r.ok = false;
    r.error = e.what();
    return r;
  }
}

}  // namespace deltackpt::bench

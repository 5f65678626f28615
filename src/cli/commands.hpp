// The deltackpt subcommands, each a thin layer over the public API.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "deltackpt/json.hpp"

namespace deltackpt::cli {

struct StoreArgs {
  std::string db;           // store URL
  bool json = false;        // machine-readable output
  std::string durability;   // "full" or "normal" (SQLite)
  std::string encoding;     // "json", "lz4" or "zstd": payload encoding for new rows
};

int run_migrate(const StoreArgs& store, bool status_only, std::optional<int> to);
struct ListArgs {
  std::string thread;                 // empty: every thread
  std::optional<std::string> ns;      // nullopt: every namespace
  std::size_t limit = 0;
  std::string before;
  bool by_checkpoint_id = false;      // --order checkpoint_id
  std::vector<std::string> filters;   // key=value
  bool with_states = false;
  bool writes = false;
};

struct ShowArgs {
  std::string thread;
  std::string ns;
  std::optional<long long> step;
  std::string checkpoint;
  bool compact = false;
  bool raw = false;
  bool writes = false;
};

// --filter key=value, each value JSON when it parses, else a string.
Json parse_filter(const std::vector<std::string>& filters);

int run_ingest(const StoreArgs& store, const std::string& thread, const std::string& ns, const std::string& jsonl,
               std::optional<std::size_t> interval, bool full_only, bool keep_going);
int run_threads(const StoreArgs& store);
int run_list(const StoreArgs& store, const ListArgs& args);
int run_show(const StoreArgs& store, const ShowArgs& args);
int run_stats(const StoreArgs& store, const std::string& thread);
int run_verify(const StoreArgs& store, const std::string& thread);
int run_repair(const StoreArgs& store, const std::string& thread, bool dry_run);
int run_prune(const StoreArgs& store, const std::string& thread, const std::optional<std::string>& ns,
              std::optional<std::size_t> keep_last, const std::string& max_age);
int run_compact(const StoreArgs& store, const std::string& thread,
                std::optional<std::size_t> interval, bool full_only);
int run_import_adk(const std::string& source, const StoreArgs& store,
                   std::optional<std::size_t> interval);
int run_version(bool json);

}  // namespace deltackpt::cli

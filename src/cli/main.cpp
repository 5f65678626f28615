// deltackpt: inspect, verify, measure, prune and convert checkpoint stores.
// Exit codes: 0 success, 1 error (one line on stderr), 2 usage error.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <iostream>
#include <limits>
#include <string_view>

#include "arguments.hpp"
#include "commands.hpp"
#include "deltackpt/errors.hpp"

namespace {

using deltackpt::cli::StoreArgs;

// Options every command that opens a store shares.
void add_store_options(CLI::App* cmd, StoreArgs& store, bool positional_db = true) {
  if (positional_db) {
    cmd->add_option("db", store.db,
                    "Store URL: sqlite:PATH, PATH.db, postgresql://..., or memory:")
        ->required();
  }
  cmd->add_flag("--json", store.json, "Print machine-readable JSON");
  cmd->add_option("--durability", store.durability, "SQLite synchronous mode: full or normal")
      ->check(CLI::IsMember({"full", "normal"}));
  cmd->add_option("--encoding", store.encoding,
                  "Payload encoding for new rows: json, zstd-full-rows (deltas stay JSON text), zstd (deltas against their chain's full row) or lz4")
      ->check(CLI::IsMember({"json", "zstd-full-rows", "zstd", "lz4"}));
}

// A validator that accepts what `parse` accepts and reports what it throws,
// so a bad value is a usage error (exit 2) worded by the parser itself.
template <class Parse>
CLI::Validator accepted_by(Parse parse, const std::string& name) {
  return CLI::Validator(
      [parse](std::string& text) {
        try {
          parse(text);
          return std::string();
        } catch (const std::exception& e) {
          return std::string(e.what());
        }
      },
      name);
}

// A whole number in [min, max], checked before CLI11 converts it (which
// would wrap "-1" into a size and clamp an overflow).
CLI::Validator whole_number(std::int64_t min, std::int64_t max = std::numeric_limits<std::int64_t>::max()) {
  return accepted_by([min, max](const std::string& text) { deltackpt::cli::parse_whole_number(text, min, max); },
                     "N");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"deltackpt: delta-compressed checkpoint stores for agent runtimes"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every command");
  StoreArgs store;
  deltackpt::cli::ListArgs list_args;
  deltackpt::cli::ShowArgs show_args;
  std::optional<std::string> ns;
  std::string thread, jsonl, max_age, source;
  std::optional<std::size_t> interval, keep_last;
  std::optional<int> to;
  bool status = false, full_only = false, keep_going = false;
  int result = 0;

  auto* migrate = app.add_subcommand("migrate", "Apply pending schema migrations, or show them");
  add_store_options(migrate, store);
  migrate->add_flag("--status", status, "Only show which migrations are applied");
  migrate->add_option("--to", to, "Migrate up to this schema version")->check(whole_number(0, 1000000));
  migrate->callback([&] { result = deltackpt::cli::run_migrate(store, status, to); });

  auto* ingest = app.add_subcommand("ingest", "Save each line of a JSONL file as the next checkpoint");
  add_store_options(ingest, store);
  ingest->add_option("--thread", thread, "Thread to save into")->required();
  ingest->add_option("--ns", ns, "Namespace to save into (default: the root namespace, \"\")");
  ingest->add_option("--jsonl", jsonl, "File of states, one JSON object per line (- for stdin)")->required();
  ingest->add_option("--interval", interval, "Full row at least every N checkpoints")->check(whole_number(1));
  ingest->add_flag("--full-only", full_only, "Store every checkpoint as a full row");
  ingest->add_flag("--continue", keep_going, "Skip lines that are not JSON objects instead of failing");
  ingest->callback([&] {
    result = deltackpt::cli::run_ingest(store, thread, ns.value_or(""), jsonl, interval, full_only, keep_going);
  });

  auto* threads = app.add_subcommand("threads", "List the threads and what each stores");
  add_store_options(threads, store);
  threads->callback([&] { result = deltackpt::cli::run_threads(store); });

  auto* list = app.add_subcommand("list", "List checkpoints, newest first");
  add_store_options(list, store);
  list->add_option("--thread", list_args.thread, "Only this thread (default: every thread)");
  list->add_option("--ns", list_args.ns, "Only this namespace (\"\" is the root; default: every namespace)");
  list->add_option("--limit", list_args.limit, "At most this many")->check(whole_number(0));
  list->add_option("--before", list_args.before, "Only checkpoints saved before this checkpoint id");
  list->add_option_function<std::string>(
          "--order", [&](const std::string& order) { list_args.by_checkpoint_id = order == "checkpoint_id"; },
          "Newest first as saved (default), or by checkpoint id (LangGraph's order; --before compares ids)")
      ->check(CLI::IsMember({"saved", "checkpoint_id"}));
  list->add_option("--filter", list_args.filters,
                   "Only checkpoints whose metadata has key=value (value as JSON, else a string); repeatable")
      ->check(accepted_by([](const std::string& text) { deltackpt::cli::parse_filter({text}); }, "KEY=VALUE"));
  list->add_flag("--with-states", list_args.with_states, "Print each checkpoint with its state, as JSON");
  list->add_flag("--writes", list_args.writes, "With --with-states: also each checkpoint's pending writes");
  list->callback([&] {
    if (list_args.writes && !list_args.with_states) throw CLI::ValidationError("list", "--writes needs --with-states");
    result = deltackpt::cli::run_list(store, list_args);
  });

  auto* show = app.add_subcommand("show", "Print a checkpoint's state as JSON");
  add_store_options(show, store);
  auto* show_thread = show->add_option("--thread", show_args.thread, "Thread (its latest checkpoint, or --step)");
  auto* show_id = show->add_option("--checkpoint", show_args.checkpoint, "Checkpoint id");
  show->add_option("--ns", show_args.ns, "With --thread: the namespace (default: the root namespace)")
      ->needs(show_thread);
  show->add_option("--step", show_args.step, "The thread's newest checkpoint with this step")
      ->check(whole_number(std::numeric_limits<std::int64_t>::min()))
      ->needs(show_thread);
  show_thread->excludes(show_id);
  show->add_flag("--compact", show_args.compact, "One line of compact JSON (as saved)");
  show->add_flag("--raw", show_args.raw, "Print the stored row (columns and payload) instead of the state");
  show->add_flag("--writes", show_args.writes, "Print the checkpoint with its pending writes");
  show->callback([&] {
    if (show_args.thread.empty() && show_args.checkpoint.empty()) {
      throw CLI::ValidationError("show", "needs --thread or --checkpoint");
    }
    if (show_args.raw && show_args.writes) throw CLI::ValidationError("show", "--raw and --writes do not mix");
    result = deltackpt::cli::run_show(store, show_args);
  });

  auto* stats = app.add_subcommand("stats", "Rows, bytes stored and compression, per thread");
  add_store_options(stats, store);
  stats->add_option("--thread", thread, "Only this thread");
  stats->callback([&] { result = deltackpt::cli::run_stats(store, thread); });

  auto* verify = app.add_subcommand("verify", "Replay every chain and check every row; exit 1 on any bad one");
  add_store_options(verify, store);
  verify->add_option("--thread", thread, "Only this thread");
  verify->callback([&] { result = deltackpt::cli::run_verify(store, thread); });

  bool dry_run = false;
  auto* repair = app.add_subcommand(
      "repair", "Move unreadable checkpoints (as verify reports them) aside into the quarantine, keeping them");
  add_store_options(repair, store);
  repair->add_option("--thread", thread, "Only this thread");
  repair->add_flag("--dry-run", dry_run, "Say what would be moved; change nothing");
  repair->callback([&] { result = deltackpt::cli::run_repair(store, thread, dry_run); });

  auto* prune = app.add_subcommand("prune", "Delete old checkpoints (the newest is always kept)");
  add_store_options(prune, store);
  prune->add_option("--thread", thread, "Thread")->required();
  prune->add_option("--ns", ns, "Only this namespace (default: each namespace of the thread)");
  auto* keep = prune->add_option("--keep-last", keep_last, "Keep this many newest checkpoints")->check(whole_number(0));
  auto* age = prune->add_option("--max-age", max_age, "Delete checkpoints older than this: 30s, 15m, 12h, 7d, 2w")
                  ->check(accepted_by([](const std::string& text) { deltackpt::cli::parse_age(text); }, "DURATION"));
  prune->callback([&] {
    if (keep->count() == 0 && age->count() == 0) {
      throw CLI::ValidationError("prune", "needs --keep-last and/or --max-age");
    }
    result = deltackpt::cli::run_prune(store, thread, ns, keep_last, max_age);
  });

  auto* compact = app.add_subcommand("compact", "Rewrite chains under a new policy, in place and crash-safe");
  add_store_options(compact, store);
  compact->add_option("--thread", thread, "Only this thread");
  compact->add_option("--interval", interval, "Full row at least every N checkpoints")->check(whole_number(1));
  compact->add_flag("--full-only", full_only, "Rewrite every row as a full row");
  compact->callback([&] { result = deltackpt::cli::run_compact(store, thread, interval, full_only); });

  auto* import_adk = app.add_subcommand("import-adk", "Import an adk-graph SQLite store (graph_checkpoints)");
  import_adk->add_option("source", source, "The adk-graph SQLite file")->required()->check(CLI::ExistingFile);
  add_store_options(import_adk, store);
  import_adk->add_option("--interval", interval, "Full row at least every N checkpoints")->check(whole_number(1));
  import_adk->callback([&] { result = deltackpt::cli::run_import_adk(source, store, interval); });

  bool version_json = false;
  auto* version = app.add_subcommand("version", "Print the library and schema versions");
  version->add_flag("--json", version_json, "Print machine-readable JSON");
  version->callback([&] { result = deltackpt::cli::run_version(version_json); });

  // CLI11 would answer both with "A subcommand is required".
  if (argc == 2 && (std::string_view(argv[1]) == "--version" || std::string_view(argv[1]) == "-V")) {
    return deltackpt::cli::run_version(false);
  }
  const CLI::App& commands = app;
  const auto named = [&](const std::string& name) {
    return !commands.get_subcommands([&](const CLI::App* sub) { return sub->check_name(name); }).empty();
  };
  if (argc >= 2 && argv[1][0] != '-' && !named(argv[1])) {
    std::string names;
    for (const CLI::App* sub : commands.get_subcommands([](const CLI::App*) { return true; })) {
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    std::cerr << "deltackpt: unknown command \"" << argv[1] << "\" (commands: " << names << ")\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const deltackpt::Error& e) {
    std::string what = e.what();
    if (what.rfind("deltackpt: ", 0) == 0) what.erase(0, 11);  // the prefix says it already
    std::cerr << "deltackpt: " << deltackpt::to_string(e.code()) << ": " << what << '\n';
    if (e.code() == deltackpt::ErrorCode::kCorruption) {
      std::cerr << "deltackpt: `deltackpt verify DB` lists the damaged rows; `deltackpt repair DB` moves them "
                   "aside (kept in the quarantined_checkpoints table) so the rest can be used\n";
    }
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "deltackpt: error: " << e.what() << '\n';
    return 1;
  }
  return result;
}

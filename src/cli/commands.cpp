// The subcommands: parse nothing, open the store, call the library, print.
#include "commands.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "deltackpt/config.hpp"
#include "deltackpt/deltackpt.hpp"
#include "deltackpt/import_adk.hpp"
#include "deltackpt/maintenance.hpp"
#include "deltackpt/open.hpp"
#include "arguments.hpp"
#include "output.hpp"

namespace deltackpt::cli {
namespace {

OpenOptions open_options(const StoreArgs& store) {
  OpenOptions options;
  if (store.durability == "normal") options.durability = Durability::kNormal;
  options.payload_encoding = store.encoding;
  return options;
}

// One rule for every command given --thread: a thread with no checkpoint
// is not_found (exit 1), as a typo should be, never an empty success.
void require_thread(RowStore& rows, const std::string& thread, std::string_view command) {
  if (thread.empty()) return;
  if (rows.headers(HeaderQuery{.thread_id = thread, .limit = 1}).empty()) {
    throw NotFound("deltackpt: " + std::string(command) + ": no thread " + thread);
  }
}

// What threads, list, show, stats and verify open with: nothing is created,
// migrated or written, so reading works on a read-only file and never
// changes another application's database.
OpenOptions read_only_options(const StoreArgs& store) {
  if (!store.encoding.empty()) throw InvalidArgument("deltackpt: --encoding sets how new rows are written: this command writes none");
  OpenOptions options = open_options(store);
  options.read_only = true;
  return options;
}

// Stored bytes against the same states as full snapshots, in words that
// stay true at and below 1x.
std::string ratio_text(std::int64_t stored_bytes, std::int64_t full_state_bytes) {
  if (stored_bytes <= 0) return "-";
  const double ratio = static_cast<double>(full_state_bytes) / static_cast<double>(stored_bytes);
  char buffer[48];
  if (ratio >= 1.05) {
    std::snprintf(buffer, sizeof buffer, "%.1fx smaller", ratio);
  } else if (ratio > 0.95) {
    std::snprintf(buffer, sizeof buffer, "about the same");
  } else {
    std::snprintf(buffer, sizeof buffer, "%.1fx larger", 1.0 / std::max(ratio, 1e-9));
  }
  return buffer;
}

// A short ratio for tables: "12.3x", or "-" when nothing is stored.
std::string ratio_cell(std::int64_t stored_bytes, std::int64_t full_state_bytes) {
  if (stored_bytes <= 0) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1fx", static_cast<double>(full_state_bytes) / static_cast<double>(stored_bytes));
  return buffer;
}

void print_summary(const ThreadStats& t) {
  std::cout << "checkpoints:      " << t.checkpoints << " (" << t.full_rows << " full, " << t.delta_rows
            << " delta)\n"
            << "stored:           " << human_bytes(t.stored_bytes) << " (" << t.stored_bytes << " bytes)\n"
            << "as full rows:     " << human_bytes(t.full_state_bytes) << " (" << t.full_state_bytes
            << " bytes)\n"
            << "against full:     " << ratio_text(t.stored_bytes, t.full_state_bytes) << '\n'
            << "longest chain:    " << t.longest_chain << " deltas\n"
            << "largest row:      " << human_bytes(t.largest_row_bytes)
            << (t.largest_row_id.empty() ? "" : " (" + t.largest_row_id + ")") << '\n';
}

}  // namespace

int run_migrate(const StoreArgs& store, bool status_only, std::optional<int> to) {
  const SchemaStatus s = status_only ? schema_status(store.db) : migrate(store.db, to);
  if (store.json) {
    std::cout << to_json(s).dump(2) << '\n';
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : s.migrations) {
    rows.push_back({std::to_string(m.version), m.name, m.applied ? "applied" : "pending", m.applied_at});
  }
  print_table({"version", "name", "state", "applied_at"}, rows);
  std::cout << s.backend << " schema at version " << s.database_version << "; this build ships "
            << s.library_version << '\n';
  return 0;
}

namespace {

// Why `line` would not be saved exactly as written, or "" when it would:
// everything save() checks, so a file is judged whole before anything is
// saved.
std::string ingest_problem(std::string_view line, const Limits& limits) {
  try {
    check_state(parse_exact(line, limits.max_depth), limits);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

int run_ingest(const StoreArgs& store, const std::string& thread, const std::string& ns, const std::string& jsonl,
               std::optional<std::size_t> interval, bool full_only, bool keep_going) {
  OpenOptions options = open_options(store);
  options.deltas = !full_only;
  if (interval) options.delta.full_snapshot_interval = *interval;
  const Limits& limits = options.delta.limits;
  // Read and check every line completely before saving any, so a bad file
  // writes nothing (or, with --continue, everything but its bad lines).
  std::ifstream file;
  if (jsonl != "-") {
    if (std::filesystem::is_directory(jsonl)) throw InvalidArgument("deltackpt: ingest: " + jsonl + " is a directory");
    file.open(jsonl, std::ios::binary);
    if (!file) throw InvalidArgument("deltackpt: ingest: cannot read " + jsonl);
  }
  std::istream& in = jsonl == "-" ? std::cin : file;
  std::vector<std::pair<std::size_t, std::string>> lines;  // line number, text
  std::vector<std::size_t> skipped;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string why = ingest_problem(line, limits);
    if (!why.empty()) {
      if (!keep_going) {
        throw InvalidArgument("deltackpt: ingest: " + jsonl + " line " + std::to_string(number) + ": " + why +
                              " (nothing was saved; --continue skips bad lines)");
      }
      std::cerr << "deltackpt: ingest: skipping line " << number << ": " << why << '\n';
      skipped.push_back(number);
      continue;
    }
    lines.emplace_back(number, std::move(line));
  }
  if (in.bad()) throw StorageError("deltackpt: ingest: reading " + jsonl + " failed (nothing was saved)", "file");
  auto cp = open(store.db, options);
  std::size_t saved = 0;
  {
    ProgressBar bar("ingest");
    for (std::size_t i = 0; i < lines.size(); ++i) {
      Checkpoint c;
      c.thread_id = thread;
      c.checkpoint_ns = ns;
      c.step = static_cast<std::int64_t>(lines[i].first - 1);  // line number from 0
      c.state = parse_exact(lines[i].second, limits.max_depth);
      lines[i].second = std::string();  // release the text as we go
      try {
        cp->save(c);
      } catch (const Error& e) {
        // The store is consistent (a failed save writes nothing); say how
        // far the file got, so the rest can be ingested after the cause is
        // fixed.
        const std::string done = saved == 0 ? "nothing was saved"
                                            : std::to_string(saved) + " checkpoints (lines " +
                                                  std::to_string(lines.front().first) + " to " +
                                                  std::to_string(lines[i - 1].first) + ") were saved";
        throw Error(e.code(), "deltackpt: ingest: " + jsonl + " line " + std::to_string(lines[i].first) +
                                  " was not saved: " + e.what() + "; " + done + ", none after");
      }
      ++saved;
      bar.update(i + 1, lines.size());
    }
  }
  const StoreStats s = stats(cp->row_store(), thread);
  const ThreadStats t = s.threads.empty() ? ThreadStats{} : s.threads.front();
  const SaveCounters counters = cp->counters();
  if (store.json) {
    Json out = deltackpt::to_json(t);
    out["saved"] = saved;
    out["skipped_lines"] = skipped;
    out["saves"] = deltackpt::to_json(counters);
    out["cache"] = deltackpt::to_json(cp->cache_counters());
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  std::cout << "saved " << saved << " checkpoints to thread " << thread;
  if (!skipped.empty()) std::cout << " (skipped " << skipped.size() << " bad lines)";
  std::cout << '\n';
  if (counters.deltas_refused > 0) {
    // A bug in deltackpt, caught before it lost data: worth a report.
    std::cout << "note: " << counters.deltas_refused
              << " deltas did not rebuild their state and were written as full rows"
                 " (please report this)\n";
  }
  print_summary(t);
  return 0;
}

int run_threads(const StoreArgs& store) {
  auto cp = open(store.db, read_only_options(store));
  const StoreStats s = stats(cp->row_store());
  if (store.json) {
    Json out = Json::array();
    for (const auto& t : s.threads) out.push_back(deltackpt::to_json(t));
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : s.threads) {
    rows.push_back({t.thread_id, std::to_string(t.checkpoints), human_bytes(t.stored_bytes),
                    human_bytes(t.full_state_bytes), ratio_cell(t.stored_bytes, t.full_state_bytes)});
  }
  print_table({"thread", "checkpoints", "stored", "as_full", "ratio"}, rows);
  return 0;
}

Json parse_filter(const std::vector<std::string>& filters) {
  Json out = Json::object();
  for (const auto& f : filters) {
    const std::size_t eq = f.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw InvalidArgument("deltackpt: --filter \"" + f + "\" is not key=value");
    }
    const std::string value = f.substr(eq + 1);
    // A JSON value (42, true, null, "text", {...}) as written; anything else
    // is a string, so --filter source=loop works unquoted.
    out[f.substr(0, eq)] = Json::accept(value) ? Json::parse(value) : Json(value);
  }
  return out;
}

int run_list(const StoreArgs& store, const ListArgs& args) {
  auto cp = open(store.db, read_only_options(store));
  require_thread(cp->row_store(), args.thread, "list");
  ListOptions options;
  if (!args.thread.empty()) options.thread_id = args.thread;
  options.checkpoint_ns = args.ns;
  options.limit = args.limit;
  options.before = args.before;
  if (args.by_checkpoint_id) options.order = ListOrder::kCheckpointId;
  options.metadata_filter = parse_filter(args.filters);
  if (args.with_states) {
    options.with_writes = args.writes;
    Json out = Json::array();
    for (auto& listed : cp->list_states(options)) {
      Json item = to_json(std::move(listed.checkpoint));
      if (args.writes) {
        item["writes"] = Json::array();
        for (const auto& w : listed.writes) item["writes"].push_back(to_json(w));
      }
      out.push_back(std::move(item));
    }
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  const auto infos = cp->list(options);
  if (store.json) {
    Json out = Json::array();
    for (const auto& i : infos) out.push_back(to_json(i));
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  // Thread and namespace columns only when the rows can differ in them.
  const bool thread_column = args.thread.empty();
  const bool ns_column = !args.ns || std::any_of(infos.begin(), infos.end(),
                                                  [](const auto& i) { return !i.checkpoint_ns.empty(); });
  std::vector<std::string> header;
  if (thread_column) header.push_back("thread");
  if (ns_column) header.push_back("ns");
  for (const char* h : {"step", "checkpoint_id", "kind", "depth", "stored", "state", "created_at"}) header.push_back(h);
  std::vector<std::vector<std::string>> rows;
  for (const auto& i : infos) {
    std::vector<std::string> row;
    if (thread_column) row.push_back(i.thread_id);
    if (ns_column) row.push_back(i.checkpoint_ns.empty() ? "\"\"" : i.checkpoint_ns);
    for (auto cell : {std::to_string(i.step), i.checkpoint_id, std::string(to_string(i.kind)), std::to_string(i.depth),
                      std::to_string(i.stored_bytes), std::to_string(i.state_bytes), format_timestamp(i.created_at)}) {
      row.push_back(std::move(cell));
    }
    rows.push_back(std::move(row));
  }
  print_table(header, rows);
  return 0;
}

int run_show(const StoreArgs& store, const ShowArgs& args) {
  auto cp = open(store.db, read_only_options(store));
  const std::string& thread = args.thread;
  std::string id = args.checkpoint;
  if (id.empty() && args.step) {
    for (const auto& info : cp->list(ListOptions{.thread_id = thread, .checkpoint_ns = args.ns})) {
      if (info.step == *args.step) {
        id = info.checkpoint_id;
        break;
      }
    }
    if (id.empty()) {
      throw NotFound("deltackpt: show: thread " + thread + " has no checkpoint at step " + std::to_string(*args.step));
    }
  }
  const auto print = [&](const Json& out) { std::cout << (args.compact ? out.dump() : out.dump(2)) << '\n'; };
  if (args.raw) {
    RowStore& rows = cp->row_store();
    if (id.empty()) {
      const auto head = rows.head(thread, args.ns);
      if (!head) throw NotFound("deltackpt: show: thread " + thread + " has no checkpoints");
      id = head->checkpoint_id;
    }
    const auto header = rows.header(id);
    if (!header) throw NotFound("deltackpt: show: no checkpoint " + id);
    const RowHeader& h = *header;
    Json out{{"thread_id", h.thread_id}, {"checkpoint_ns", h.checkpoint_ns}, {"checkpoint_id", h.checkpoint_id},
             {"parent_id", h.parent_id}, {"step", h.step}, {"kind", to_string(h.kind)}, {"base_id", h.base_id},
             {"depth", h.depth}, {"created_at", format_timestamp(h.created_at)}, {"encoding", h.encoding},
             {"payload_size", h.payload_size}, {"state_size", h.state_size}};
    out["checksum"] = checksum_text(h.checksum);
    out["metadata"] = Json::parse(h.metadata);
    out["pending_nodes"] = Json::parse(h.pending_nodes);
    // Decoded whatever the encoding (the row's bytes are checked first).
    out["payload"] = Json::parse(*payload_json(rows, id));
    print(out);
    return 0;
  }
  auto loaded = id.empty() ? cp->load(thread, args.ns) : cp->load_by_id(id);
  if (!loaded) {
    throw NotFound(id.empty() ? "deltackpt: show: thread " + thread + " has no checkpoints"
                              : "deltackpt: show: no checkpoint " + id);
  }
  if (!args.writes) {
    print(loaded->state);
    return 0;
  }
  const CheckpointKey key{loaded->thread_id, loaded->checkpoint_ns, loaded->checkpoint_id};
  Json out = to_json(std::move(*loaded));
  out["writes"] = Json::array();
  for (const auto& w : cp->writes(key)) out["writes"].push_back(to_json(w));
  print(out);
  return 0;
}

int run_stats(const StoreArgs& store, const std::string& thread) {
  auto cp = open(store.db, read_only_options(store));
  require_thread(cp->row_store(), thread, "stats");
  const StoreStats s = stats(cp->row_store(), thread);
  if (store.json) {
    std::cout << to_json(s).dump(2) << '\n';
    return 0;
  }
  std::cout << "threads:          " << s.threads.size() << '\n';
  print_summary(s.total);
  return 0;
}

int run_verify(const StoreArgs& store, const std::string& thread) {
  auto cp = open(store.db, read_only_options(store));
  require_thread(cp->row_store(), thread, "verify");
  ProgressBar bar("verify");
  const VerifyReport report = verify(cp->row_store(), thread, cp->options().limits,
                                     [&](std::size_t done, std::size_t total) { bar.update(done, total); });
  bar.clear();
  if (store.json) {
    std::cout << to_json(report).dump(2) << '\n';
  } else {
    for (const auto& p : report.problems) {
      std::cout << "BAD " << p.checkpoint_id << " (thread " << p.thread_id << "): " << p.message << '\n';
    }
    std::cout << (report.ok() ? "ok: " : "FAILED: ") << report.checkpoints << " checkpoints in "
              << report.threads << " threads verified, " << report.problems.size() << " bad\n";
  }
  return report.ok() ? 0 : 1;
}

int run_repair(const StoreArgs& store, const std::string& thread, bool dry_run) {
  auto cp = open(store.db, dry_run ? read_only_options(store) : open_options(store));
  require_thread(cp->row_store(), thread, "repair");
  ProgressBar bar("repair");
  const RepairResult r = repair(cp->row_store(), thread, cp->options().limits, dry_run,
                                [&](std::size_t done, std::size_t total) { bar.update(done, total); });
  bar.clear();
  if (store.json) {
    std::cout << to_json(r).dump(2) << '\n';
    return r.ok() ? 0 : 1;
  }
  const char* verb = dry_run ? "would quarantine " : "quarantined ";
  for (const auto& q : r.quarantined) {
    std::cout << verb << q.checkpoint_id << " (thread " << q.thread_id << "): " << q.message << '\n';
  }
  for (const auto& h : r.heads_moved) {
    std::cout << "head of thread " << h.thread_id << (h.checkpoint_ns.empty() ? "" : " ns " + h.checkpoint_ns)
              << ": " << (h.from.empty() ? "(missing)" : h.from) << " -> "
              << (h.to.empty() ? "(none: no row of the namespace remains)" : h.to) << '\n';
  }
  for (const auto& p : r.remaining) {
    std::cout << "STILL BAD " << p.checkpoint_id << " (thread " << p.thread_id << "): " << p.message << '\n';
  }
  std::cout << r.checkpoints << " checkpoints in " << r.threads << " threads verified; " << r.quarantined.size()
            << (dry_run ? " would be quarantined" : " quarantined");
  if (!dry_run && !r.quarantined.empty()) {
    std::cout << " (kept in the quarantined_checkpoints table)";
  }
  std::cout << '\n';
  return r.ok() ? 0 : 1;
}

int run_prune(const StoreArgs& store, const std::string& thread, const std::optional<std::string>& ns,
              std::optional<std::size_t> keep_last, const std::string& max_age) {
  RetentionPolicy policy;
  policy.keep_last = keep_last;
  if (!max_age.empty()) policy.max_age = parse_age(max_age);
  auto cp = open(store.db, open_options(store));
  require_thread(cp->row_store(), thread, "prune");
  // Each namespace keeps its own newest checkpoints.
  PruneResult r;
  for (const auto& each : ns ? std::vector<std::string>{*ns} : cp->namespaces(thread)) {
    const PruneResult part = cp->prune(thread, each, policy);
    r.removed += part.removed;
    r.rewritten += part.rewritten;
  }
  if (store.json) {
    std::cout << to_json(r).dump(2) << '\n';
  } else {
    std::cout << "removed " << r.removed << " checkpoints; rewrote " << r.rewritten
              << " kept deltas as full rows\n";
  }
  return 0;
}

int run_compact(const StoreArgs& store, const std::string& thread, std::optional<std::size_t> interval,
                bool full_only) {
  OpenOptions options = open_options(store);
  if (interval) options.delta.full_snapshot_interval = *interval;
  if (full_only) options.delta.full_snapshot_interval = DeltaOptions::full_rows().full_snapshot_interval;
  auto cp = open(store.db, options);
  require_thread(cp->row_store(), thread, "compact");
  ProgressBar bar("compact");
  const CompactResult r = compact(cp->row_store(), thread, options.delta,
                                  [&](std::size_t done, std::size_t total) { bar.update(done, total); });
  bar.clear();
  if (store.json) {
    std::cout << to_json(r).dump(2) << '\n';
  } else {
    std::cout << "rewrote " << r.checkpoints << " checkpoints (" << r.full_rows << " full, " << r.delta_rows
              << " delta): " << human_bytes(r.bytes_before) << " -> " << human_bytes(r.bytes_after) << '\n';
    if (const StoreUrl where = parse_store_url(store.db);
        r.bytes_after < r.bytes_before && where.kind == StoreUrl::Kind::kSqlite) {
      // SQLite keeps freed pages in the file for its next writes.
      std::cout << "note: the file keeps the " << human_bytes(r.bytes_before - r.bytes_after)
                << " freed for reuse; `sqlite3 " << where.target
                << " VACUUM` gives it back to the file system (it needs room for a copy of the file while it runs)\n";
    }
  }
  return 0;
}

int run_import_adk(const std::string& source, const StoreArgs& store, std::optional<std::size_t> interval) {
  if (const StoreUrl where = parse_store_url(store.db); where.kind == StoreUrl::Kind::kSqlite) {
    std::error_code error;
    if (std::filesystem::equivalent(source, where.target, error)) {
      throw InvalidArgument("deltackpt: import-adk: the destination " + store.db + " is the source file");
    }
  }
  OpenOptions options = open_options(store);
  if (interval) options.delta.full_snapshot_interval = *interval;
  auto cp = open(store.db, options);
  ProgressBar bar("import");
  const ImportResult r =
      import_adk_sqlite(source, *cp, [&](std::size_t done, std::size_t total) { bar.update(done, total); });
  bar.clear();
  // What this import wrote, not the whole destination.
  ThreadStats imported;
  for (const auto& thread : r.imported_threads) {
    for (const auto& t : stats(cp->row_store(), thread).threads) add_stats(imported, t);
  }
  if (store.json) {
    Json out = deltackpt::to_json(imported);
    out.erase("thread_id");
    out["imported_threads"] = r.threads;
    out["imported_checkpoints"] = r.checkpoints;
    out["skipped_threads"] = r.skipped_threads;
    out["source_state_bytes"] = r.source_state_bytes;
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  std::cout << "imported " << r.checkpoints << " checkpoints of " << r.threads << " threads ("
            << human_bytes(r.source_state_bytes) << " of state text in the source)";
  if (r.skipped_threads > 0) std::cout << "; skipped " << r.skipped_threads << " threads imported before";
  std::cout << '\n';
  if (r.threads > 0) print_summary(imported);
  return 0;
}

int run_version(bool json) {
  if (json) {
    std::cout << Json{{"version", DELTACKPT_VERSION},
                      {"delta_format", kDeltaFormatVersion},
                      {"postgres", DELTACKPT_HAVE_POSTGRES == 1}}.dump(2)
              << '\n';
  } else {
    std::cout << "deltackpt " << DELTACKPT_VERSION << " (delta format " << kDeltaFormatVersion
              << (DELTACKPT_HAVE_POSTGRES ? ", with PostgreSQL" : ", without PostgreSQL") << ")\n";
  }
  return 0;
}

}  // namespace deltackpt::cli

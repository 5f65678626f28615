// Whole-store maintenance: verify every chain, measure what is stored, and
// rewrite chains under another policy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deltackpt/delta_checkpointer.hpp"
#include "deltackpt/export.hpp"
#include "deltackpt/limits.hpp"
#include "deltackpt/row_store.hpp"

namespace deltackpt {

// Called now and then with rows done and rows in all (for progress bars).
using Progress = std::function<void(std::size_t done, std::size_t total)>;

struct VerifyProblem {
  std::string thread_id;
  std::string checkpoint_id;
  std::string message;
};

// Pending writes saved against a checkpoint that is not stored: it never
// arrived (its save failed or is still running) or was pruned in a race.
// Not a problem: they go with their thread (remove_thread).
struct OrphanWrites {
  std::string thread_id;
  std::string checkpoint_ns;
  std::string checkpoint_id;
  std::size_t writes = 0;
};

struct VerifyReport {
  std::size_t threads = 0;
  std::size_t checkpoints = 0;
  std::vector<VerifyProblem> problems;  // one per bad checkpoint
  std::vector<OrphanWrites> orphan_writes;
  bool ok() const noexcept { return problems.empty(); }
};

// Replays every chain of one thread, in every namespace (all threads when
// `thread_id` is empty), and checks every row: checksum, encoding, JSON, delta fit, chain columns
// (base, depth), rebuilt size, metadata, each within `limits` (pass the
// limits the store's checkpointers use: DeltaCheckpointer::options().limits).
// A checkpoint whose chain passes through a bad row is reported too. Never
// throws Corruption: problems are collected. Also lists orphan writes.
DELTACKPT_EXPORT VerifyReport verify(RowStore& store, std::string_view thread_id = {}, const Limits& limits = {},
                                     const Progress& progress = {});

// The stored payload of a checkpoint as JSON text, whatever its encoding:
// the state of a full row, the delta document of a delta row (a zstd-chain
// delta is decoded against its chain's full row). What `deltackpt show
// --raw` and the sqlite3 extension's deltackpt_payload() print. nullopt for
// an unknown id; Corruption naming the row when its bytes are damaged.
DELTACKPT_EXPORT std::optional<std::string> payload_json(RowStore& store, std::string_view checkpoint_id,
                                                         const Limits& limits = {});

// The report as a JSON object (what the CLI's and the C API's --json output
// print): {"ok", "threads", "checkpoints", "problems": [{thread_id,
// checkpoint_id, message}], "orphan_writes": [{thread_id, checkpoint_ns,
// checkpoint_id, writes}]}.
DELTACKPT_EXPORT Json to_json(const VerifyReport& report);

// A head that repair() moved because its row was quarantined (or missing).
struct HeadMove {
  std::string thread_id;
  std::string checkpoint_ns;
  std::string from;  // empty: the head named no stored row
  std::string to;    // empty: no row of the namespace remains
};

struct RepairResult {
  std::size_t threads = 0;      // threads verified
  std::size_t checkpoints = 0;  // rows verified
  // The rows moved to the quarantine (would be moved, on a dry run), each
  // with the problem that made it unreadable.
  std::vector<VerifyProblem> quarantined;
  std::vector<HeadMove> heads_moved;
  // What verify still reports after the repair: empty unless rows changed
  // while it ran. Always empty on a dry run.
  std::vector<VerifyProblem> remaining;
  bool ok() const noexcept { return remaining.empty(); }
};

// Verifies one thread (all when `thread_id` is empty) and moves every row
// verify reports as bad, with every delta row whose chain passes through
// one, into the store's quarantine (RowStore::quarantine): kept there
// byte for byte for inspection, out of every load and list, so that the
// thread can be saved to, pruned and compacted again. A head left without
// its row becomes its namespace's newest remaining row. Verifies again
// afterwards (and repeats while that finds rows to move). With `dry_run`,
// reports what it would move and changes nothing.
DELTACKPT_EXPORT RepairResult repair(RowStore& store, std::string_view thread_id = {}, const Limits& limits = {},
                                     bool dry_run = false, const Progress& progress = {});

// {ok, threads, checkpoints, quarantined: [{thread_id, checkpoint_id,
// message}], heads_moved: [{thread_id, checkpoint_ns, from, to}],
// remaining: [...]}.
DELTACKPT_EXPORT Json to_json(const RepairResult& result);

struct ThreadStats {
  std::string thread_id;
  std::size_t checkpoints = 0;
  std::size_t full_rows = 0;
  std::size_t delta_rows = 0;
  std::int64_t stored_bytes = 0;      // payload bytes as stored
  std::int64_t full_state_bytes = 0;  // bytes if every state were a full row
  std::int32_t longest_chain = 0;     // most deltas a load replays
  std::int64_t largest_row_bytes = 0;
  std::string largest_row_id;
  std::size_t writes = 0;          // pending write rows
  std::int64_t write_bytes = 0;    // bytes of their values
  std::size_t orphan_writes = 0;   // of them, saved against no stored checkpoint
  // full_state_bytes / stored_bytes: how many times smaller the store is.
  double ratio() const noexcept {
    return stored_bytes == 0 ? 0.0 : static_cast<double>(full_state_bytes) / static_cast<double>(stored_bytes);
  }
};

// Adds the figures of `part` (a row or a thread) to `sum`: counts and bytes
// add up, the longest chain and the largest row are the larger one's.
DELTACKPT_EXPORT void add_stats(ThreadStats& sum, const ThreadStats& part);

struct StoreStats {
  std::vector<ThreadStats> threads;
  ThreadStats total;  // thread_id empty
};

// The fields of `t` as a JSON object (what the CLI's and the C API's
// --json output print), with "ratio" computed.
DELTACKPT_EXPORT Json to_json(const ThreadStats& t);

// {total: {the fields of ThreadStats but thread_id, and "threads", their
// number}, threads: [to_json(ThreadStats)...]}.
DELTACKPT_EXPORT Json to_json(const StoreStats& stats);

// Reads headers only (no payloads).
DELTACKPT_EXPORT StoreStats stats(RowStore& store, std::string_view thread_id = {});

struct CompactResult {
  std::size_t checkpoints = 0;
  std::size_t full_rows = 0;
  std::size_t delta_rows = 0;
  std::int64_t bytes_before = 0;
  std::int64_t bytes_after = 0;
  // Pending writes whose value was re-encoded for the store's setting.
  std::size_t writes_reencoded = 0;
};

// {checkpoints, full_rows, delta_rows, bytes_before, bytes_after, writes_reencoded}.
DELTACKPT_EXPORT Json to_json(const CompactResult& result);

// Rewrites the rows of a thread (all threads when empty) as a
// DeltaCheckpointer with `policy` would have written them (full rows only
// for DeltaOptions::full_rows()), encoded as the store's payload_encoding
// says, and re-encodes pending-write values the same way: how a store moves
// between settings. Each thread's rows are rewritten in one transaction,
// then each checkpoint's writes in one, so a crash leaves every row and
// write readable, as it was or rewritten (each records its encoding); run
// it again to finish.
// States, ids and lineage do not change. Other DeltaCheckpointers open on
// the store keep working (their caches hold states, which are unchanged).
// Throws InvalidArgument when an option is out of range.
DELTACKPT_EXPORT CompactResult compact(RowStore& store, std::string_view thread_id, const DeltaOptions& policy,
                                       const Progress& progress = {});

}  // namespace deltackpt

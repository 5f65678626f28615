// verify(), stats() and compact(): whole-store work over a RowStore.
#include "deltackpt/maintenance.hpp"

#include <algorithm>
#include <unordered_map>

#include "deltackpt/diff.hpp"
#include "deltackpt/errors.hpp"
#include "backends/row_columns.hpp"
#include "delta_policy.hpp"
#include "replay.hpp"
#include "row_codec.hpp"

namespace deltackpt {
namespace {

using detail::ChainPosition;

std::vector<std::string> threads_of(RowStore& store, std::string_view thread_id) {
  if (!thread_id.empty()) return {std::string(thread_id)};
  return store.threads();
}

// Chain columns and JSON columns a row must have, whatever its payload.
// `seen` holds the chain positions of the rows before it.
void check_columns(const StoredRow& row, const std::unordered_map<std::string, ChainPosition>& seen,
                   const Limits& limits) {
  const RowHeader& h = row.header;
  if (h.kind == RowKind::kFull) {
    if (h.base_id != h.checkpoint_id || h.depth != 0) {
      detail::throw_row_corruption(h, "full row whose base_id or depth is not its own");
    }
  } else {
    const auto parent = seen.find(h.parent_id);
    if (parent == seen.end() || parent->second.checkpoint_ns != h.checkpoint_ns) {
      detail::throw_row_corruption(h, "the row its delta is against (" + h.parent_id + ") is missing");
    }
    const ChainPosition expected = parent->second.after_delta(0, h.state_size);
    if (h.base_id != expected.base_id || h.depth != expected.depth) {
      detail::throw_row_corruption(h, "base_id/depth do not follow from its parent's");
    }
  }
  detail::parse_metadata(h, limits);
  detail::parse_pending_nodes(h, limits);
}

// The figures of one row, to add up.
ThreadStats stats_of_row(const RowHeader& h) {
  ThreadStats t;
  t.checkpoints = 1;
  (h.kind == RowKind::kFull ? t.full_rows : t.delta_rows) = 1;
  t.stored_bytes = h.payload_size;
  t.full_state_bytes = h.state_size;
  t.longest_chain = h.depth;
  t.largest_row_bytes = h.payload_size;
  t.largest_row_id = h.checkpoint_id;
  return t;
}

// Whether writes were saved against a checkpoint that is not among
// `stored` (the thread's checkpoint ids, each with its namespace).
template <class Stored>
bool is_orphan(const WriteTotals& w, const Stored& stored) {
  const auto it = stored.find(w.checkpoint_id);
  return it == stored.end() || it->second != w.checkpoint_ns;
}


// Rewrites the thread's pending writes whose value encoding is not what a
// store set to `encoding` writes (each checkpoint's writes in one
// transaction); returns how many changed.
std::size_t reencode_writes(RowStore& store, const std::string& thread, std::string_view encoding,
                            const Limits& limits) {
  std::size_t changed = 0;
  for (const auto& totals : store.write_totals(thread)) {
    const CheckpointKey key{thread, totals.checkpoint_ns, totals.checkpoint_id};
    std::vector<EncodedWrite> rewritten;
    bool differs = false;
    for (auto& stored : store.writes({key})) {
      const std::string was = stored.value_encoding;
      EncodedWrite now = detail::encode_write(detail::decode_write(std::move(stored), limits), encoding);
      differs = differs || now.value_encoding != was;
      rewritten.push_back(std::move(now));
    }
    if (!differs) continue;
    store.put_writes(key, rewritten, true);
    changed += rewritten.size();
  }
  return changed;
}

}  // namespace

VerifyReport verify(RowStore& store, std::string_view thread_id, const Limits& limits, const Progress& progress) {
  VerifyReport report;
  const auto threads = threads_of(store, thread_id);
  std::size_t done = 0;
  for (const auto& thread : threads) {
    std::vector<StoredRow> rows;
    try {
      rows = store.rows(thread);
    } catch (const Corruption& e) {
      // A column the store cannot even decode: nothing after it is read.
      ++report.threads;
      report.problems.push_back({thread, e.checkpoint_id(), e.what()});
      continue;
    }
    if (!rows.empty()) ++report.threads;
    std::unordered_map<std::string, ChainPosition> seen;
    detail::ForwardReplay replay(rows, limits);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const RowHeader& h = rows[i].header;
      ++report.checkpoints;
      std::string problem;
      try {
        const auto step = replay.next(i);
        if (static_cast<std::int64_t>(serialized_size(*step.state)) != h.state_size) {
          detail::throw_row_corruption(h, "rebuilt state does not have the recorded size");
        }
      } catch (const Error& e) {
        problem = e.what();
      }
      try {
        check_columns(rows[i], seen, limits);
      } catch (const Error& e) {
        if (problem.empty()) problem = e.what();
      }
      if (!problem.empty()) report.problems.push_back({thread, h.checkpoint_id, problem});
      seen.emplace(h.checkpoint_id, ChainPosition::of_row(h));  // check_columns judged them
      if (progress) progress(++done, 0);
    }
    for (const auto& ns : store.namespaces(thread)) {
      const auto head = store.head(thread, ns);
      const auto found = head ? seen.find(head->checkpoint_id) : seen.end();
      if (found == seen.end() || found->second.checkpoint_ns != ns) {
        report.problems.push_back({thread, head ? head->checkpoint_id : "",
                                   "the head of namespace \"" + ns + "\" is missing"});
      }
    }
    std::unordered_map<std::string, std::string> stored;
    for (const auto& [id, position] : seen) stored.emplace(id, position.checkpoint_ns);
    for (const auto& w : store.write_totals(thread)) {
      if (is_orphan(w, stored)) report.orphan_writes.push_back({thread, w.checkpoint_ns, w.checkpoint_id, w.writes});
    }
  }
  return report;
}

namespace {

// The head of each namespace of the thread; "" where it names no stored row.
std::vector<std::pair<std::string, std::string>> heads_of(RowStore& store, const std::string& thread) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& ns : store.namespaces(thread)) {
    const auto head = store.head(thread, ns);
    out.emplace_back(ns, head ? head->checkpoint_id : std::string());
  }
  return out;
}

}  // namespace

RepairResult repair(RowStore& store, std::string_view thread_id, const Limits& limits, bool dry_run,
                    const Progress& progress) {
  RepairResult result;
  VerifyReport report = verify(store, thread_id, limits, progress);
  result.threads = report.threads;
  result.checkpoints = report.checkpoints;
  if (dry_run) {
    result.quarantined = std::move(report.problems);
    return result;
  }
  // Each pass moves at least one row or ends, so this ends.
  while (!report.problems.empty()) {
    std::vector<std::string> threads;
    for (const auto& p : report.problems) {
      if (std::find(threads.begin(), threads.end(), p.thread_id) == threads.end()) threads.push_back(p.thread_id);
    }
    bool changed = false;
    for (const auto& thread : threads) {
      std::vector<QuarantineEntry> named;
      for (const auto& p : report.problems) {
        if (p.thread_id == thread && !p.checkpoint_id.empty()) named.push_back({p.checkpoint_id, p.message});
      }
      const auto before = heads_of(store, thread);
      for (auto& moved : store.quarantine(thread, named)) {
        result.quarantined.push_back({thread, std::move(moved.checkpoint_id), std::move(moved.reason)});
        changed = true;
      }
      const auto after = heads_of(store, thread);
      for (const auto& was : before) {
        const std::string& ns = was.first;
        const std::string& from = was.second;
        const auto head = std::find_if(after.begin(), after.end(), [&](const auto& h) { return h.first == ns; });
        const std::string to = head == after.end() ? std::string() : head->second;
        if (to != from) {
          result.heads_moved.push_back({thread, ns, from, to});
          changed = true;
        }
      }
    }
    report = verify(store, thread_id, limits);
    if (!changed) break;
  }
  result.remaining = std::move(report.problems);
  return result;
}

void add_stats(ThreadStats& sum, const ThreadStats& part) {
  sum.checkpoints += part.checkpoints;
  sum.writes += part.writes;
  sum.write_bytes += part.write_bytes;
  sum.orphan_writes += part.orphan_writes;
  sum.full_rows += part.full_rows;
  sum.delta_rows += part.delta_rows;
  sum.stored_bytes += part.stored_bytes;
  sum.full_state_bytes += part.full_state_bytes;
  sum.longest_chain = std::max(sum.longest_chain, part.longest_chain);
  if (part.largest_row_bytes > sum.largest_row_bytes) {
    sum.largest_row_bytes = part.largest_row_bytes;
    sum.largest_row_id = part.largest_row_id;
  }
}

StoreStats stats(RowStore& store, std::string_view thread_id) {
  StoreStats result;
  for (const auto& thread : threads_of(store, thread_id)) {
    ThreadStats t;
    t.thread_id = thread;
    std::unordered_map<std::string, std::string> stored;
    for (const auto& h : store.headers(HeaderQuery{.thread_id = thread})) {
      add_stats(t, stats_of_row(h));
      stored.emplace(h.checkpoint_id, h.checkpoint_ns);
    }
    for (const auto& w : store.write_totals(thread)) {
      t.writes += w.writes;
      t.write_bytes += w.value_bytes;
      if (is_orphan(w, stored)) t.orphan_writes += w.writes;
    }
    if (t.checkpoints == 0 && t.writes == 0) continue;
    add_stats(result.total, t);
    result.threads.push_back(std::move(t));
  }
  return result;
}

namespace {

// One thread of compact(): its rows rewritten in one transaction.
CompactResult compact_thread(RowStore& store, const std::string& thread, const detail::DeltaPolicy& policy,
                             const std::string& encoding, const Progress& progress, std::size_t& done) {
  CompactResult result;
  const auto rows = store.rows(thread);
  detail::ForwardReplay replay(rows, policy.options().limits);
  std::unordered_map<std::string, ChainPosition> positions;
  // The new full rows, as dictionaries for the deltas after them.
  std::unordered_map<std::string, std::shared_ptr<const detail::ChainDictionary>> bases;
  std::vector<StoredRow> rewritten;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const StoredRow& old = rows[i];
    const auto step = replay.next(i);  // Corruption stops the thread's compaction
    StoredRow row;
    row.header = old.header;
    RowHeader& h = row.header;
    ChainPosition position = ChainPosition::of_full_row(h);
    std::string text;
    // A delta is only possible against a parent that is still in the thread.
    const auto parent = positions.find(h.parent_id);
    if (policy.writes_deltas() && parent != positions.end() && step.parent != nullptr &&
        policy.may_follow(parent->second)) {
      text = diff(*step.parent, *step.state, policy.options().diff).dump();
      if (policy.delta_pays(text.size(), static_cast<std::size_t>(h.state_size), parent->second)) {
        position = parent->second.after_delta(static_cast<std::int64_t>(text.size()), h.state_size);
      }
    }
    position.stamp(h);
    if (h.kind == RowKind::kFull) {
      text = step.state->dump();
      std::string dictionary_text = detail::compresses_against_chains(encoding) ? text : std::string();
      detail::encode_payload(row, std::move(text), encoding);
      if (!dictionary_text.empty()) {
        bases[h.checkpoint_id] = detail::ChainDictionary::for_writing(std::move(dictionary_text), h.checksum);
      }
    } else {
      const auto base = bases.find(h.base_id);
      detail::encode_payload(row, std::move(text), encoding, base == bases.end() ? nullptr : base->second.get());
    }
    positions.emplace(h.checkpoint_id, std::move(position));
    ++result.checkpoints;
    (h.kind == RowKind::kFull ? result.full_rows : result.delta_rows) += 1;
    result.bytes_before += old.header.payload_size;
    result.bytes_after += h.payload_size;
    rewritten.push_back(std::move(row));
    if (progress) progress(++done, 0);
  }
  if (!rewritten.empty()) store.rewrite(thread, rewritten, {});
  result.writes_reencoded = reencode_writes(store, thread, encoding, policy.options().limits);
  return result;
}

// A writer saved a delta compressed against rows a compaction read; it
// reads the thread again, this many times at most.
constexpr int kCompactAttempts = 3;

}  // namespace

std::optional<std::string> payload_json(RowStore& store, std::string_view checkpoint_id, const Limits& limits) {
  const auto chain = store.chain(checkpoint_id);
  if (chain.empty()) return std::nullopt;
  return detail::last_payload_text(chain, limits);
}

CompactResult compact(RowStore& store, std::string_view thread_id, const DeltaOptions& options,
                      const Progress& progress) {
  const detail::DeltaPolicy policy(options);
  const std::string encoding(store.payload_encoding());
  CompactResult result;
  std::size_t done = 0;
  for (const auto& thread : threads_of(store, thread_id)) {
    for (int attempt = 1;; ++attempt) {
      try {
        const CompactResult part = compact_thread(store, thread, policy, encoding, progress, done);
        result.checkpoints += part.checkpoints;
        result.full_rows += part.full_rows;
        result.delta_rows += part.delta_rows;
        result.bytes_before += part.bytes_before;
        result.bytes_after += part.bytes_after;
        result.writes_reencoded += part.writes_reencoded;
        break;
      } catch (const detail::ChainMoved&) {
        if (attempt == kCompactAttempts) throw;
      }
    }
  }
  return result;
}

}  // namespace deltackpt

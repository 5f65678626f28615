// verify(), stats() and compact(): whole-store work over a RowStore.
#include "deltackpt/maintenance.hpp"

#include <algorithm>
#include <unordered_map>

#include "deltackpt/diff.hpp"
#include "deltackpt/errors.hpp"
#include "deltackpt/row_store.hpp"
#include "replay.hpp"
#include "row_codec.hpp"
#include "write_policy.hpp"

namespace deltackpt {
namespace {

RowStore& store_of(Checkpointer& cp) {
  RowStore* store = cp.row_store();
  if (store == nullptr) {
    throw InvalidArgument("deltackpt: this checkpointer keeps no rows to maintain (no row_store())");
  }
  return *store;
}

std::vector<std::string> threads_of(RowStore& store, std::string_view thread_id) {
  if (!thread_id.empty()) return {std::string(thread_id)};
  return store.threads();
}

// Chain columns and JSON columns a row must have, whatever its payload.
void check_columns(const StoredRow& row, const std::unordered_map<std::string, RowHeader>& seen,
                   const Limits& limits) {
  const RowHeader& h = row.header;
  if (h.kind == RowKind::kFull) {
    if (h.base_id != h.checkpoint_id || h.depth != 0) {
      detail::throw_row_corruption(h, "full row whose base_id or depth is not its own");
    }
  } else {
    const auto parent = seen.find(h.parent_id);
    if (parent == seen.end()) {
      detail::throw_row_corruption(h, "the row its delta is against (" + h.parent_id + ") is missing");
    }
    if (h.base_id != parent->second.base_id || h.depth != parent->second.depth + 1) {
      detail::throw_row_corruption(h, "base_id/depth do not follow from its parent's");
    }
  }
  const Json metadata = detail::parse_column(h.metadata, "metadata", h, limits);
  if (!metadata.is_object()) detail::throw_row_corruption(h, "metadata is not a JSON object");
  const Json pending = detail::parse_column(h.pending_nodes, "pending_nodes", h, limits);
  if (!pending.is_array()) detail::throw_row_corruption(h, "pending_nodes is not a JSON array");
}

}  // namespace

VerifyReport verify(Checkpointer& cp, std::string_view thread_id, const Progress& progress) {
  RowStore& store = store_of(cp);
  const Limits limits;
  VerifyReport report;
  const auto threads = threads_of(store, thread_id);
  std::size_t done = 0;
  for (const auto& thread : threads) {
    const auto rows = store.rows(thread);
    if (rows.empty()) continue;
    ++report.threads;
    std::unordered_map<std::string, RowHeader> seen;
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
      seen.emplace(h.checkpoint_id, h);
      if (progress) progress(++done, 0);
    }
    const auto head = store.head(thread);
    if (!head || seen.count(head->checkpoint_id) == 0) {
      report.problems.push_back({thread, head ? head->checkpoint_id : "", "the thread's head is missing"});
    }
  }
  return report;
}

Json to_json(const VerifyReport& report) {
  Json problems = Json::array();
  for (const auto& p : report.problems) {
    problems.push_back(
        {{"thread_id", p.thread_id}, {"checkpoint_id", p.checkpoint_id}, {"message", p.message}});
  }
  return Json{{"ok", report.ok()},
              {"threads", report.threads},
              {"checkpoints", report.checkpoints},
              {"problems", std::move(problems)}};
}

Json to_json(const ThreadStats& t) {
  return Json{{"thread_id", t.thread_id},
              {"checkpoints", t.checkpoints},
              {"full_rows", t.full_rows},
              {"delta_rows", t.delta_rows},
              {"stored_bytes", t.stored_bytes},
              {"full_state_bytes", t.full_state_bytes},
              {"ratio", t.ratio()},
              {"longest_chain", t.longest_chain},
              {"largest_row_bytes", t.largest_row_bytes},
              {"largest_row_id", t.largest_row_id}};
}

StoreStats stats(Checkpointer& cp, std::string_view thread_id) {
  RowStore& store = store_of(cp);
  StoreStats result;
  for (const auto& thread : threads_of(store, thread_id)) {
    ThreadStats t;
    t.thread_id = thread;
    for (const auto& h : store.headers(thread, {}, 0)) {
      ++t.checkpoints;
      (h.kind == RowKind::kFull ? t.full_rows : t.delta_rows) += 1;
      t.stored_bytes += h.payload_size;
      t.full_state_bytes += h.state_size;
      t.longest_chain = std::max(t.longest_chain, h.depth);
      if (h.payload_size > t.largest_row_bytes) {
        t.largest_row_bytes = h.payload_size;
        t.largest_row_id = h.checkpoint_id;
      }
    }
    if (t.checkpoints == 0) continue;
    ThreadStats& all = result.total;
    all.checkpoints += t.checkpoints;
    all.full_rows += t.full_rows;
    all.delta_rows += t.delta_rows;
    all.stored_bytes += t.stored_bytes;
    all.full_state_bytes += t.full_state_bytes;
    all.longest_chain = std::max(all.longest_chain, t.longest_chain);
    if (t.largest_row_bytes > all.largest_row_bytes) {
      all.largest_row_bytes = t.largest_row_bytes;
      all.largest_row_id = t.largest_row_id;
    }
    result.threads.push_back(std::move(t));
  }
  return result;
}

CompactResult compact(Checkpointer& cp, std::string_view thread_id, const DeltaOptions& policy,
                      bool deltas, const Progress& progress) {
  RowStore& store = store_of(cp);
  if (policy.full_snapshot_interval == 0) {
    throw InvalidArgument("deltackpt: compact: full_snapshot_interval must be at least 1");
  }
  const std::string encoding(store.payload_encoding());
  CompactResult result;
  std::size_t done = 0;
  for (const auto& thread : threads_of(store, thread_id)) {
    const auto rows = store.rows(thread);
    detail::ForwardReplay replay(rows, policy.limits);
    struct Position {
      std::string base_id;
      std::int32_t depth;
      std::int64_t chain_bytes;
      std::int64_t base_bytes;
    };
    std::unordered_map<std::string, Position> positions;
    std::vector<StoredRow> rewritten;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const StoredRow& old = rows[i];
      const auto step = replay.next(i);  // Corruption stops the thread's compaction
      StoredRow row;
      row.header = old.header;
      RowHeader& h = row.header;
      h.kind = RowKind::kFull;
      h.base_id = h.checkpoint_id;
      h.depth = 0;
      std::string text;
      // A delta is only possible against a parent that is still in the thread.
      const auto parent = positions.find(h.parent_id);
      if (deltas && parent != positions.end() && step.parent != nullptr &&
          static_cast<std::size_t>(parent->second.depth) + 1 < policy.full_snapshot_interval) {
        text = diff(*step.parent, *step.state, policy.diff).dump();
        if (detail::delta_pays(policy, text.size(), static_cast<std::size_t>(h.state_size),
                               parent->second.chain_bytes, parent->second.base_bytes)) {
          h.kind = RowKind::kDelta;
          h.base_id = parent->second.base_id;
          h.depth = parent->second.depth + 1;
        }
      }
      if (h.kind == RowKind::kFull) text = step.state->dump();
      // The budget counts JSON text, before any compression of the payload.
      Position position{h.base_id, h.depth, 0, h.state_size};
      if (h.kind == RowKind::kDelta) {
        position.chain_bytes = parent->second.chain_bytes + static_cast<std::int64_t>(text.size());
        position.base_bytes = parent->second.base_bytes;
      }
      detail::encode_payload(row, std::move(text), encoding);
      positions.emplace(h.checkpoint_id, position);
      ++result.checkpoints;
      (h.kind == RowKind::kFull ? result.full_rows : result.delta_rows) += 1;
      result.bytes_before += old.header.payload_size;
      result.bytes_after += h.payload_size;
      rewritten.push_back(std::move(row));
      if (progress) progress(++done, 0);
    }
    if (!rewritten.empty()) store.rewrite(thread, rewritten, {});
  }
  return result;
}

}  // namespace deltackpt

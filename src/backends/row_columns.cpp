// Header columns and the RowStore contract's failures.
#include "row_columns.hpp"

#include <charconv>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "row_codec.hpp"

namespace deltackpt::detail {
namespace {

std::string thread_and_ns(const std::string& thread_id, const std::string& checkpoint_ns) {
  return "thread=" + thread_id + (checkpoint_ns.empty() ? "" : ", ns=" + checkpoint_ns);
}

std::string prefix(std::string_view backend, std::string_view op) {
  return "deltackpt." + std::string(backend) + ": " + std::string(op) + ": ";
}

std::string or_none(const std::string& id) { return id.empty() ? "(none)" : id; }

}  // namespace

RowKind decode_kind(const std::string& text, const RowHeader& h) {
  if (text == "full") return RowKind::kFull;
  if (text == "delta") return RowKind::kDelta;
  throw_row_corruption(h, "unknown row kind \"" + text + "\"");
}

Timestamp decode_created_at(const std::string& text, const RowHeader& h) {
  try {
    return parse_timestamp(text);
  } catch (const InvalidArgument& e) {
    throw_row_corruption(h, std::string("created_at: ") + e.what());
  }
}

std::uint64_t decode_checksum(const std::string& text, const RowHeader& h) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value, 16);
  // Exactly what checksum_text() writes: 16 hex digits (no sign, no 0x).
  if (text.size() != 16 || error != std::errc() || stop != end) {
    throw_row_corruption(h, "checksum column is not 16 hex digits");
  }
  return value;
}

bool write_order(const PendingWrite& a, const PendingWrite& b) {
  return std::tie(a.task_path, a.task_id, a.idx) < std::tie(b.task_path, b.task_id, b.idx);
}

std::string insert_op(const RowHeader& row) {
  return "insert(" + thread_and_ns(row.thread_id, row.checkpoint_ns) + ", id=" + row.checkpoint_id + ")";
}

std::string put_writes_op(const CheckpointKey& key) {
  return "put_writes(" + thread_and_ns(key.thread_id, key.checkpoint_ns) + ", id=" + key.checkpoint_id + ")";
}

std::string rewrite_op(std::string_view thread_id) { return "rewrite(thread=" + std::string(thread_id) + ")"; }

NotFound parent_not_found(std::string_view backend, std::string_view op, const std::string& parent_id) {
  return NotFound(prefix(backend, op) + "parent " + parent_id + " is not a checkpoint of this thread");
}

Conflict head_moved(std::string_view backend, std::string_view op, const std::string& parent_id,
                    const std::string& head_id) {
  return Conflict(prefix(backend, op) + "parent " + or_none(parent_id) +
                  " is no longer the thread's latest checkpoint (" + or_none(head_id) + ")");
}

Conflict id_taken(std::string_view backend, std::string_view op) {
  return Conflict(prefix(backend, op) + "a checkpoint with this id exists");
}

NotFound not_in_thread(std::string_view backend, std::string_view op, const std::string& checkpoint_id) {
  return NotFound(prefix(backend, op) + "no checkpoint " + checkpoint_id + " in this thread");
}

InvalidArgument head_not_removable(std::string_view backend, std::string_view op) {
  return InvalidArgument(prefix(backend, op) + "the thread's latest checkpoint cannot be removed");
}

bool needs_chain_check(const StoredRow& row) {
  return row.header.kind == RowKind::kDelta && row.header.encoding == kZstdChainEncoding;
}

void check_chain_base(const StoredRow& row, const ChainLink& parent, const std::optional<ChainLink>& base,
                      std::string_view backend, std::string_view op) {
  const RowHeader& h = row.header;
  const std::string parents_base = parent.kind == RowKind::kFull ? parent.checkpoint_id : parent.base_id;
  const auto moved = [&](const std::string& why) {
    throw ChainMoved(prefix(backend, op) + "its delta is compressed against full row " + h.base_id + ", but " + why);
  };
  if (parents_base != h.base_id) moved("the chain of parent " + h.parent_id + " now starts at " + parents_base);
  if (!base || base->kind != RowKind::kFull) moved("that row is no longer a full row");
  const auto recorded = chain_base_checksum(row);
  if (!recorded || *recorded != base->checksum) moved("that row was rewritten since");
}

void check_rewrite_keeps_chains(const std::vector<ChainLink>& chain_rows, const std::vector<StoredRow>& replace,
                                const std::vector<std::string>& remove, std::string_view backend,
                                std::string_view op) {
  if (chain_rows.empty()) return;
  std::unordered_set<std::string> changed(remove.begin(), remove.end());
  for (const auto& row : replace) changed.insert(row.header.checkpoint_id);
  for (const auto& row : chain_rows) {
    if (changed.count(row.checkpoint_id) != 0) continue;
    if (changed.count(row.parent_id) != 0 || changed.count(row.base_id) != 0) {
      throw ChainMoved(prefix(backend, op) + "checkpoint " + row.checkpoint_id +
                       " was saved since the thread was read, compressed against rows this rewrite changes");
    }
  }
}

std::vector<QuarantineEntry> rows_to_quarantine(const std::vector<RowLineage>& thread_rows,
                                                const std::vector<QuarantineEntry>& named) {
  std::unordered_map<std::string, std::string> reasons;
  for (const auto& entry : named) reasons.emplace(entry.checkpoint_id, entry.reason);
  std::unordered_set<std::string> moved;
  std::vector<QuarantineEntry> out;
  // Parents come before their children, so one pass finds every dependent.
  for (const auto& row : thread_rows) {
    if (const auto reason = reasons.find(row.checkpoint_id); reason != reasons.end()) {
      out.push_back({row.checkpoint_id, reason->second});
    } else if (row.is_delta && moved.count(row.parent_id) != 0) {
      out.push_back({row.checkpoint_id, "its delta is against checkpoint " + row.parent_id + ", quarantined with it"});
    } else {
      continue;
    }
    moved.insert(row.checkpoint_id);
  }
  return out;
}

}  // namespace deltackpt::detail

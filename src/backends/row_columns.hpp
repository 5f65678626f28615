// What every RowStore shares beneath its SQL dialect: the header columns as
// the SQL stores keep them, and the contract's failures, worded once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deltackpt/errors.hpp"
#include "deltackpt/row_store.hpp"

namespace deltackpt::detail {

// The text columns the SQL stores keep for typed header fields; each
// returns Corruption naming the row `h` (filled so far) when the text is bad.
RowKind decode_kind(const std::string& text, const RowHeader& h);
Timestamp decode_created_at(const std::string& text, const RowHeader& h);
std::uint64_t decode_checksum(const std::string& text, const RowHeader& h);

// A row header from its 15 columns in the order both SQL stores select
// them (thread_id, checkpoint_id, parent_id, step, kind, base_id, depth,
// created_at, metadata, pending_nodes, encoding, payload_size, state_size,
// checksum, checkpoint_ns), read through `columns`: columns.text(i) is column i as text,
// columns.integer(i, header, name) as an integer or Corruption.
template <class Columns>
RowHeader decode_header(const Columns& columns) {
  RowHeader h;
  h.thread_id = columns.text(0);
  h.checkpoint_id = columns.text(1);
  h.parent_id = columns.text(2);
  h.step = columns.integer(3, h, "step");
  h.kind = decode_kind(columns.text(4), h);
  h.base_id = columns.text(5);
  h.depth = static_cast<std::int32_t>(columns.integer(6, h, "depth"));
  h.created_at = decode_created_at(columns.text(7), h);
  h.metadata = columns.text(8);
  h.pending_nodes = columns.text(9);
  h.encoding = columns.text(10);
  h.payload_size = columns.integer(11, h, "payload_size");
  h.state_size = columns.integer(12, h, "state_size");
  h.checksum = decode_checksum(columns.text(13), h);
  h.checkpoint_ns = columns.text(14);
  return h;
}

// The order RowStore::writes returns a checkpoint's writes in: by
// (task_path, task_id, idx), strings byte for byte (what SQLite's BINARY
// and PostgreSQL's "C" collations compare).
bool write_order(const PendingWrite& a, const PendingWrite& b);

// The failures of the RowStore contract. `backend` is backend_name();
// `op` names the call, as insert_op() and rewrite_op() do.
std::string insert_op(const RowHeader& row);
std::string put_writes_op(const CheckpointKey& key);
std::string rewrite_op(std::string_view thread_id);
NotFound parent_not_found(std::string_view backend, std::string_view op, const std::string& parent_id);
Conflict head_moved(std::string_view backend, std::string_view op, const std::string& parent_id,
                    const std::string& head_id);
Conflict id_taken(std::string_view backend, std::string_view op);
NotFound not_in_thread(std::string_view backend, std::string_view op, const std::string& checkpoint_id);
InvalidArgument head_not_removable(std::string_view backend, std::string_view op);

// A zstd-chain delta is compressed against its chain's full row, so a store
// inserts one only while, inside the insert's transaction, row.base_id is
// the full row of the parent's chain (the parent itself, or the parent's
// base_id) and has the checksum the payload records; and rewrite() refuses
// to change rows such a delta depends on when the caller did not see that
// delta (it was saved after the caller read the thread). Either way the
// loser reads the thread again: DeltaCheckpointer's save rebuilds its
// parent, compact and prune plan afresh.
struct ChainMoved : Conflict {
  using Conflict::Conflict;
};
// What a store read of a row for these checks.
struct ChainLink {
  std::string checkpoint_id;
  std::string parent_id;
  RowKind kind = RowKind::kFull;
  std::string base_id;
  std::string encoding;
  std::uint64_t checksum = 0;
};
// Whether `row` is a zstd-chain delta, which check_chain_base must allow.
bool needs_chain_check(const StoredRow& row);
// Throws ChainMoved unless the rule holds for inserting `row` after
// `parent`; `base` is the row row.base_id names, when stored.
void check_chain_base(const StoredRow& row, const ChainLink& parent, const std::optional<ChainLink>& base,
                      std::string_view backend, std::string_view op);
// Throws ChainMoved when one of `chain_rows` (the thread's zstd-chain
// deltas, as stored now) is not in `replace` while its parent or base is
// in `replace` or `remove`.
void check_rewrite_keeps_chains(const std::vector<ChainLink>& chain_rows, const std::vector<StoredRow>& replace,
                                const std::vector<std::string>& remove, std::string_view backend,
                                std::string_view op);

// What quarantine() reads of each row of a thread, as stored: text, since
// a row being quarantined may have damaged columns.
struct RowLineage {
  std::string checkpoint_id;
  std::string parent_id;
  bool is_delta = false;  // kind is "delta"
};
// The rows RowStore::quarantine moves: those of `thread_rows` (the thread's
// rows, oldest first) that `named` names, with the reason given, and every
// delta row whose chain passes through one of them, with a reason naming
// the row its delta is against; oldest first.
std::vector<QuarantineEntry> rows_to_quarantine(const std::vector<RowLineage>& thread_rows,
                                                const std::vector<QuarantineEntry>& named);

}  // namespace deltackpt::detail

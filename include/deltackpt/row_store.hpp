// RowStore: the storage side of a checkpointer, a faithful store of typed rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deltackpt/checkpoint.hpp"
#include "deltackpt/export.hpp"
#include "deltackpt/json.hpp"

namespace deltackpt {

// Every column of a stored checkpoint except its payload. Backends persist
// these exactly as given; only the checkpointer layer interprets them.
struct RowHeader {
  std::string thread_id;
  std::string checkpoint_ns;  // "" for the root namespace
  std::string checkpoint_id;
  std::string parent_id;  // empty: none. A delta row's delta is against it.
  std::int64_t step = 0;
  Timestamp created_at{};
  std::string metadata = "{}";       // JSON object text
  std::string pending_nodes = "[]";  // JSON array of strings, as text
  RowKind kind = RowKind::kFull;
  std::string base_id;     // the full row the chain starts from (itself if full)
  std::int32_t depth = 0;  // number of delta rows from base_id to this row
  std::string encoding = "json";  // how the payload is stored: "json", "lz4", "zstd", "zstd-chain"
  std::int64_t payload_size = 0;  // bytes of the payload as stored
  std::int64_t state_size = 0;    // bytes of the full state as compact JSON
  std::uint64_t checksum = 0;     // FNV-1a 64 of the payload as stored
};

// The checksum as the SQL stores keep it in their checksum column: 16
// lowercase hex digits.
DELTACKPT_EXPORT std::string checksum_text(std::uint64_t checksum);
// RowHeader::checksum of a payload: FNV-1a 64 of its bytes as stored. For
// code that writes rows itself (a RowStore's tools, a baseline in the bench).
DELTACKPT_EXPORT std::uint64_t payload_checksum(std::string_view payload) noexcept;

struct StoredRow {
  RowHeader header;
  std::string payload;  // full: the state's JSON; delta: a delta document
};

// Which headers headers() returns: newest (last inserted) first, or by
// checkpoint_id descending.
struct HeaderQuery {
  std::optional<std::string> thread_id;      // std::nullopt: every thread
  std::optional<std::string> checkpoint_ns;  // std::nullopt: every namespace
  ListOrder order = ListOrder::kSaved;
  // kSaved: only rows inserted before this row; when no row has this id,
  // rows whose id sorts before it byte for byte. kCheckpointId: rows whose
  // id sorts before it. Empty: no bound.
  std::string before_id;
  std::size_t limit = 0;  // at most this many rows; 0: no limit
  // Top-level metadata keys and values the caller wants. A backend may use
  // it to skip rows (in SQL, with an index) but must never skip a row that
  // matches exactly; the caller checks every row it gets, so it may return
  // rows that do not match. Empty: no filter.
  Json metadata_filter = Json::object();
};

// A pending write as a row store keeps it: write.value holds the stored
// bytes, the runtime's own (value_encoding "none") or one zstd frame of
// them ("zstd", when the store's payload encoding is zstd and that is
// smaller). value_size counts the stored bytes.
struct EncodedWrite {
  PendingWrite write;
  std::string value_encoding = "none";
};

// A pending write as stored, with the checkpoint it is saved against.
struct StoredWrite : EncodedWrite {
  CheckpointKey key;
};

// How many pending writes a checkpoint has, and their value bytes.
struct WriteTotals {
  std::string checkpoint_ns;
  std::string checkpoint_id;
  std::size_t writes = 0;
  std::int64_t value_bytes = 0;
};

// A row to move aside (RowStore::quarantine), and why.
struct QuarantineEntry {
  std::string checkpoint_id;
  std::string reason;
};

// A row as the quarantine keeps it: its columns as they were stored (kept
// as text, since a quarantined row's columns may be what is damaged) and
// its payload byte for byte.
struct QuarantinedRow {
  std::string thread_id;
  std::string checkpoint_ns;
  std::string checkpoint_id;
  std::string kind;       // "full" or "delta", as stored
  std::string encoding;
  std::string checksum;   // as stored
  std::string payload;
  std::string reason;
  Timestamp quarantined_at{};
};

// In every mode the parent, when given, must be a row of the same thread
// and namespace ("the thread" below is the pair); heads are per pair.
enum class InsertMode {
  // The row must extend the thread's head: row.parent_id equals the head
  // (both empty for a thread's first row). Otherwise Conflict.
  kExtend,
  // row.parent_id names any row of the same thread, or is empty (a new
  // root); the row becomes the head.
  kFork,
  // Full rows only: the parent is whatever the head is inside the insert's
  // transaction (row.parent_id is ignored), so concurrent appends never
  // conflict.
  kAppend,
};

// Implementations are safe to call from many threads at once. Every method is
// atomic: a failure leaves the store as it was.
class DELTACKPT_EXPORT RowStore {
 public:
  virtual ~RowStore() = default;

  // "memory", "sqlite", "postgres": used in error messages.
  virtual std::string_view backend_name() const noexcept = 0;

  // The payload encoding new rows (and pending-write values) should use:
  // "json", "zstd-full-rows" (a new database's), "zstd" or "lz4", as configured for
  // this database.
  virtual std::string_view payload_encoding() const noexcept { return "json"; }

  // Inserts the row and makes it the head of its (thread, namespace), in one
  // transaction. Throws NotFound when row.parent_id is not empty and names
  // no row of the same thread and namespace, then Conflict when the id
  // exists (anywhere in the store) or kExtend finds another head.
  virtual void insert(const StoredRow& row, InsertMode mode) = 0;

  // The header of the head (latest) row of (thread, namespace).
  virtual std::optional<RowHeader> head(std::string_view thread_id, std::string_view checkpoint_ns) = 0;

  // The rows needed to rebuild `checkpoint_id`, in one query: from the
  // nearest full row (first) through `checkpoint_id` (last), following the
  // parent links of delta rows. Empty when the id is unknown. If a link is
  // missing the first row returned is a delta row; callers report that.
  virtual std::vector<StoredRow> chain(std::string_view checkpoint_id) = 0;
  // The same for the head of (thread, namespace).
  virtual std::vector<StoredRow> head_chain(std::string_view thread_id, std::string_view checkpoint_ns) = 0;
  // The rows needed to rebuild every row of `ids`, in one query: every row
  // of the union of their chains, oldest (first inserted) first, each once
  // (what ForwardReplay takes). Unknown ids are left out.
  virtual std::vector<StoredRow> chains(const std::vector<std::string>& ids) = 0;

  virtual std::optional<RowHeader> header(std::string_view checkpoint_id) = 0;

  virtual std::vector<RowHeader> headers(const HeaderQuery& query) = 0;

  // Every row of the thread, in every namespace, oldest first (so parents
  // come before children).
  virtual std::vector<StoredRow> rows(std::string_view thread_id) = 0;

  // Ids of all threads with rows or pending writes, sorted.
  virtual std::vector<std::string> threads() = 0;
  // The namespaces of the thread that have rows, sorted.
  virtual std::vector<std::string> namespaces(std::string_view thread_id) = 0;

  // Deletes the thread's rows in every namespace, its pending writes and
  // its quarantined rows; returns how many rows (not quarantined) it had.
  virtual std::size_t remove_thread(std::string_view thread_id) = 0;

  // In one transaction: overwrite the rows in `replace` (matched by thread,
  // namespace and id; everything else may change) and
  // delete the rows named in `remove` with their pending writes. A head is
  // never removed.
  virtual void rewrite(std::string_view thread_id, const std::vector<StoredRow>& replace,
                       const std::vector<std::string>& remove) = 0;

  // In one transaction: moves the thread's rows named in `rows`, and every
  // delta row whose chain passes through one of them, out of the store's
  // checkpoints into its quarantine, where they are kept for inspection
  // (quarantined()) and no load, list or chain sees them; then makes each
  // head whose row is gone (moved now, or missing before) the newest
  // remaining row of its namespace, or drops the namespace when none
  // remains. Ids the thread does not have are ignored. Returns the rows
  // moved with their reasons, oldest first. Pending writes stay (verify
  // lists them as orphans).
  virtual std::vector<QuarantineEntry> quarantine(std::string_view thread_id,
                                                  const std::vector<QuarantineEntry>& rows) = 0;
  // The thread's quarantined rows (every thread's when empty), in the order
  // they were moved.
  virtual std::vector<QuarantinedRow> quarantined(std::string_view thread_id) = 0;

  // In one transaction, per write: insert it, or when its (task_id, idx)
  // is stored against `key` already, replace it if `replace` else keep the
  // stored one. Does not require the checkpoint to exist.
  virtual void put_writes(const CheckpointKey& key, const std::vector<EncodedWrite>& writes, bool replace) = 0;
  // The writes stored against each of `keys`, grouped by key in the order
  // of `keys`, each group sorted by (task_path, task_id, idx).
  virtual std::vector<StoredWrite> writes(const std::vector<CheckpointKey>& keys) = 0;
  // Per checkpoint id of the thread that has pending writes (stored or not),
  // sorted by namespace and id.
  virtual std::vector<WriteTotals> write_totals(std::string_view thread_id) = 0;
};

}  // namespace deltackpt

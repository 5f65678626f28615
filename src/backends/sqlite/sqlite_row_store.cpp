// SqliteRowStore: the RowStore contract on one SQLite connection.
#include <cstdint>
#include <mutex>
#include <variant>

#include "deltackpt/backends/sqlite.hpp"
#include "deltackpt/errors.hpp"
#include "deltackpt/row_store.hpp"
#include "migrate/migration.hpp"
#include "../row_columns.hpp"
#include "json_internal.hpp"
#include "row_codec.hpp"
#include "sqlite_handle.hpp"
#include "sqlite_queries.hpp"

namespace deltackpt {
namespace {

using detail::sqlite::Reset;
using detail::sqlite::Statement;
using detail::sqlite::Transaction;

using detail::sqlite::kPayloadColumn;
constexpr const char* kColumns = detail::sqlite::kHeaderColumns;

// The header columns of a statement that selects kColumns first.
struct StatementColumns {
  const Statement& s;
  std::string text(int i) const { return s.column_text(i); }
  std::int64_t integer(int i, const RowHeader&, const char*) const { return s.column_int(i); }
};

StoredRow read_row(const Statement& s) {
  StoredRow row;
  row.header = detail::decode_header(StatementColumns{s});
  row.payload = s.column_text(kPayloadColumn);
  return row;
}

// The migration runner's view of a connection.
class SqliteMigrationTarget final : public detail::MigrationTarget {
 public:
  explicit SqliteMigrationTarget(sqlite3* db) : db_(db) {}
  std::string_view backend() const noexcept override { return "sqlite"; }

  std::vector<detail::AppliedMigration> applied() override {
    std::vector<detail::AppliedMigration> out;
    if (!table_exists()) return out;
    Statement s(db_, "SELECT version, name, checksum, applied_at FROM deltackpt_migrations ORDER BY version");
    while (s.step("read deltackpt_migrations")) {
      detail::AppliedMigration m;
      m.version = static_cast<int>(s.column_int(0));
      m.name = s.column_text(1);
      if (!s.column_is_null(2)) m.checksum = s.column_text(2);
      m.applied_at = s.column_text(3);
      out.push_back(std::move(m));
    }
    return out;
  }

  void apply(const detail::EmbeddedMigration& m, const std::string& checksum) override {
    const std::string what = "migrate to version " + std::to_string(m.version);
    Transaction txn(db_);  // BEGIN IMMEDIATE: one process migrates at a time
    if (table_exists()) {
      Statement s(db_, "SELECT 1 FROM deltackpt_migrations WHERE version = ?1");
      s.bind(1, std::int64_t{m.version});
      if (s.step(what)) return;  // another process got there first
    }
    detail::sqlite::exec(db_, std::string(m.up_sql), what);
    set_checksum(m.version, checksum);
    txn.commit();
  }

  void record_checksum(int version, const std::string& checksum) override {
    if (sqlite3_db_readonly(db_, "main") == 1) return;  // trusted, and recorded by the next writer
    Transaction txn(db_);
    set_checksum(version, checksum);
    txn.commit();
  }

 private:
  bool table_exists() {
    Statement s(db_, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deltackpt_migrations'");
    return s.step("read schema");
  }
  void set_checksum(int version, const std::string& checksum) {
    Statement s(db_, "UPDATE deltackpt_migrations SET checksum = ?1 WHERE version = ?2");
    s.bind(1, checksum);
    s.bind(2, std::int64_t{version});
    s.step("record migration checksum");
  }
  sqlite3* db_;
};

detail::sqlite::DbPtr open_connection(const SqliteOptions& options) {
  if (options.read_only) return detail::sqlite::open_read_only(options.path);
  auto db = detail::sqlite::open(options.path);
  sqlite3_busy_timeout(db.get(), static_cast<int>(options.busy_timeout.count()));
  if (options.path != ":memory:") {
    detail::sqlite::exec(db.get(), "PRAGMA journal_mode=WAL", "set journal_mode=WAL");
  }
  detail::sqlite::exec(db.get(),
                       options.durability == Durability::kFull ? "PRAGMA synchronous=FULL"
                                                               : "PRAGMA synchronous=NORMAL",
                       "set synchronous");
  return db;
}

// The values of a statement built on the fly, numbered as added.
class Params {
 public:
  // Keeps `value` and returns its placeholder ("?N").
  std::string add(std::variant<std::string, std::int64_t> value) {
    values_.push_back(std::move(value));
    return "?" + std::to_string(values_.size());
  }
  void bind_to(Statement& s) const {
    for (std::size_t i = 0; i < values_.size(); ++i) {
      std::visit([&](const auto& v) { s.bind(static_cast<int>(i + 1), v); }, values_[i]);
    }
  }

 private:
  std::vector<std::variant<std::string, std::int64_t>> values_;
};

class SqliteRowStore final : public RowStore {
 public:
  explicit SqliteRowStore(const SqliteOptions& options) : db_(open_connection(options)) {
    SqliteMigrationTarget target(db_.get());
    if (options.read_only && target.applied().empty()) {
      // Another application's database, or an empty file: say so rather
      // than report a schema version of 0.
      throw SchemaError("deltackpt.sqlite: " + options.path + " is not a deltackpt store (it has no deltackpt_migrations table)");
    }
    detail::run_migrations(target, detail::sqlite_migrations(), options.migrate && !options.read_only, std::nullopt,
                           /*require_current=*/true);
    if (options.read_only && !options.payload_encoding.empty()) {
      throw InvalidArgument("deltackpt.sqlite: payload_encoding sets how new rows are written: not for a read-only store");
    }
    if (!options.payload_encoding.empty()) {
      detail::check_payload_encoding(options.payload_encoding, "deltackpt.sqlite: ");
      Statement s(db_.get(),
                  "INSERT INTO deltackpt_settings (key, value) VALUES ('payload_encoding', ?1) "
                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
      s.bind(1, options.payload_encoding);
      s.step("set payload_encoding");
    }
    Statement s(db_.get(), "SELECT value FROM deltackpt_settings WHERE key = 'payload_encoding'");
    encoding_ = s.step("read settings") ? s.column_text(0) : std::string(detail::kJsonEncoding);
    prepare();
  }

  std::string_view backend_name() const noexcept override { return "sqlite"; }
  std::string_view payload_encoding() const noexcept override { return encoding_; }

  void insert(const StoredRow& given, InsertMode mode) override {
    const std::string op = detail::insert_op(given.header);
    std::lock_guard lock(mutex_);
    Transaction txn(db_.get());
    const auto head = [&] {
      Reset reset(*head_id_);
      head_id_->bind(1, given.header.thread_id);
      head_id_->bind(2, given.header.checkpoint_ns);
      return head_id_->step(op) ? head_id_->column_text(0) : std::string();
    };
    StoredRow appended;
    if (mode == InsertMode::kAppend) {
      appended = given;
      appended.header.parent_id = head();
    }
    const StoredRow& row = mode == InsertMode::kAppend ? appended : given;
    const RowHeader& h = row.header;
    if (!h.parent_id.empty()) {
      Reset reset(*parent_owner_);
      parent_owner_->bind(1, h.parent_id);
      if (!parent_owner_->step(op) || parent_owner_->column_text(0) != h.thread_id ||
          parent_owner_->column_text(1) != h.checkpoint_ns) {
        throw detail::parent_not_found(backend_name(), op, h.parent_id);
      }
    }
    if (mode == InsertMode::kExtend) {
      const std::string current = head();
      if (current != h.parent_id) throw detail::head_moved(backend_name(), op, h.parent_id, current);
    }
    if (detail::needs_chain_check(row)) {
      const auto parent = chain_link(h.parent_id, op);
      if (!parent) throw detail::parent_not_found(backend_name(), op, h.parent_id);
      detail::check_chain_base(row, *parent, chain_link(h.base_id, op), backend_name(), op);
    }
    {
      Reset reset(*insert_row_);
      bind_row(*insert_row_, row);
      insert_row_->bind(16, h.checkpoint_ns);
      insert_row_->step(op);
    }
    {
      Reset reset(*set_head_);
      const std::string when = format_timestamp(h.created_at);
      set_head_->bind(1, h.thread_id);
      set_head_->bind(2, h.checkpoint_ns);
      set_head_->bind(3, h.checkpoint_id);
      set_head_->bind(4, when);
      set_head_->step(op);
    }
    txn.commit();
  }

  std::optional<RowHeader> head(std::string_view thread_id, std::string_view checkpoint_ns) override {
    std::lock_guard lock(mutex_);
    Reset reset(*head_header_);
    head_header_->bind(1, thread_id);
    head_header_->bind(2, checkpoint_ns);
    if (!head_header_->step("head")) return std::nullopt;
    return detail::decode_header(StatementColumns{*head_header_});
  }

  std::vector<StoredRow> chain(std::string_view checkpoint_id) override {
    std::lock_guard lock(mutex_);
    Reset reset(*chain_);
    chain_->bind(1, checkpoint_id);
    return read_rows(*chain_, "chain(" + std::string(checkpoint_id) + ")");
  }

  std::vector<StoredRow> head_chain(std::string_view thread_id, std::string_view checkpoint_ns) override {
    std::lock_guard lock(mutex_);
    Reset reset(*head_chain_);
    head_chain_->bind(1, thread_id);
    head_chain_->bind(2, checkpoint_ns);
    return read_rows(*head_chain_, "head_chain(thread=" + std::string(thread_id) + ")");
  }

  std::vector<StoredRow> chains(const std::vector<std::string>& ids) override {
    Json list = Json::array();
    for (const auto& id : ids) list.push_back(id);
    std::lock_guard lock(mutex_);
    Reset reset(*chains_);
    chains_->bind(1, list.dump());
    return read_rows(*chains_, "chains(" + std::to_string(ids.size()) + " ids)");
  }

  std::optional<RowHeader> header(std::string_view checkpoint_id) override {
    std::lock_guard lock(mutex_);
    return header_locked(checkpoint_id);
  }

  std::vector<RowHeader> headers(const HeaderQuery& query) override {
    std::lock_guard lock(mutex_);
    // Resolved first so that the query below is a plain range on seq (or
    // on the id, when the bound names no row).
    const bool by_id = query.order == ListOrder::kCheckpointId;
    std::optional<std::int64_t> before_seq;
    if (!query.before_id.empty() && !by_id) {
      Reset reset(*seq_of_);
      seq_of_->bind(1, query.before_id);
      if (seq_of_->step("headers")) before_seq = seq_of_->column_int(0);
    }
    std::string sql = std::string("SELECT ") + kColumns + " FROM checkpoints WHERE 1";
    Params params;
    if (query.thread_id) sql += " AND thread_id = " + params.add(*query.thread_id);
    if (query.checkpoint_ns) sql += " AND checkpoint_ns = " + params.add(*query.checkpoint_ns);
    if (before_seq) {
      sql += " AND seq < " + params.add(*before_seq);
    } else if (!query.before_id.empty()) {
      sql += " AND checkpoint_id < " + params.add(query.before_id);
    }
    for (auto it = query.metadata_filter.begin(); it != query.metadata_filter.end(); ++it) {
      add_metadata_condition(it.key(), it.value(), sql, params);
    }
    sql += by_id ? " ORDER BY checkpoint_id DESC" : " ORDER BY seq DESC";
    sql += " LIMIT " + params.add(query.limit == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(query.limit));
    Statement s(db_.get(), sql);
    params.bind_to(s);
    std::vector<RowHeader> out;
    while (s.step("headers")) out.push_back(detail::decode_header(StatementColumns{s}));
    return out;
  }

  std::vector<StoredRow> rows(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    Reset reset(*rows_);
    rows_->bind(1, thread_id);
    return read_rows(*rows_, "rows(thread=" + std::string(thread_id) + ")");
  }

  std::vector<std::string> threads() override {
    std::lock_guard lock(mutex_);
    Reset reset(*threads_);
    std::vector<std::string> out;
    while (threads_->step("threads")) out.push_back(threads_->column_text(0));
    return out;
  }

  std::vector<std::string> namespaces(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    Reset reset(*namespaces_);
    namespaces_->bind(1, thread_id);
    std::vector<std::string> out;
    while (namespaces_->step("namespaces")) out.push_back(namespaces_->column_text(0));
    return out;
  }

  std::size_t remove_thread(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    Transaction txn(db_.get());
    Statement del(db_.get(), "DELETE FROM checkpoints WHERE thread_id = ?1");
    del.bind(1, thread_id);
    del.step("remove_thread");
    const auto removed = static_cast<std::size_t>(sqlite3_changes64(db_.get()));
    for (const char* sql : {"DELETE FROM threads WHERE thread_id = ?1", "DELETE FROM writes WHERE thread_id = ?1",
                            "DELETE FROM quarantined_checkpoints WHERE thread_id = ?1"}) {
      Statement s(db_.get(), sql);
      s.bind(1, thread_id);
      s.step("remove_thread");
    }
    txn.commit();
    return removed;
  }

  void rewrite(std::string_view thread_id, const std::vector<StoredRow>& replace,
               const std::vector<std::string>& remove) override {
    const std::string op = detail::rewrite_op(thread_id);
    std::lock_guard lock(mutex_);
    Transaction txn(db_.get());
    {
      std::vector<detail::ChainLink> chain_rows;
      Reset reset(*chain_rows_);
      chain_rows_->bind(1, thread_id);
      while (chain_rows_->step(op)) chain_rows.push_back(read_link(*chain_rows_));
      detail::check_rewrite_keeps_chains(chain_rows, replace, remove, backend_name(), op);
    }
    Statement update(db_.get(),
                     "UPDATE checkpoints SET parent_id = ?3, step = ?4, kind = ?5, base_id = ?6, "
                     "depth = ?7, created_at = ?8, metadata = ?9, pending_nodes = ?10, "
                     "encoding = ?11, payload_size = ?12, state_size = ?13, checksum = ?14, "
                     "payload = ?15 WHERE thread_id = ?1 AND checkpoint_id = ?2 AND checkpoint_ns = ?16");
    for (const auto& row : replace) {
      update.reset();
      bind_row(update, row);
      update.bind(16, row.header.checkpoint_ns);
      update.step(op);
      if (sqlite3_changes64(db_.get()) != 1) throw detail::not_in_thread(backend_name(), op, row.header.checkpoint_id);
    }
    Statement is_head(db_.get(), "SELECT 1 FROM threads WHERE thread_id = ?1 AND head_id = ?2");
    Statement del_writes(db_.get(),
                         "DELETE FROM writes WHERE thread_id = ?1 AND checkpoint_id = ?2 AND checkpoint_ns = "
                         "(SELECT checkpoint_ns FROM checkpoints WHERE checkpoint_id = ?2)");
    Statement del(db_.get(), "DELETE FROM checkpoints WHERE thread_id = ?1 AND checkpoint_id = ?2");
    for (const auto& id : remove) {
      for (Statement* s : {&is_head, &del_writes, &del}) {
        s->reset();
        s->bind(1, thread_id);
        s->bind(2, id);
      }
      if (is_head.step(op)) throw detail::head_not_removable(backend_name(), op);
      del_writes.step(op);
      del.step(op);
      if (sqlite3_changes64(db_.get()) != 1) throw detail::not_in_thread(backend_name(), op, id);
    }
    txn.commit();
  }

  std::vector<QuarantineEntry> quarantine(std::string_view thread_id, const std::vector<QuarantineEntry>& named) override {
    const std::string op = "quarantine(thread=" + std::string(thread_id) + ")";
    std::lock_guard lock(mutex_);
    Transaction txn(db_.get());
    std::vector<detail::RowLineage> lineage;
    {
      Statement s(db_.get(),
                  "SELECT checkpoint_id, coalesce(parent_id, ''), kind FROM checkpoints WHERE thread_id = ?1 ORDER BY seq");
      s.bind(1, thread_id);
      while (s.step(op)) lineage.push_back({s.column_text(0), s.column_text(1), s.column_text(2) == "delta"});
    }
    Statement copy(db_.get(),
                   "INSERT INTO quarantined_checkpoints (original_seq, thread_id, checkpoint_ns, checkpoint_id, "
                   "parent_id, step, kind, base_id, depth, created_at, metadata, pending_nodes, encoding, "
                   "payload_size, state_size, checksum, payload, reason, quarantined_at) "
                   "SELECT seq, thread_id, checkpoint_ns, checkpoint_id, parent_id, step, kind, base_id, depth, "
                   "created_at, metadata, pending_nodes, encoding, payload_size, state_size, checksum, payload, ?3, ?4 "
                   "FROM checkpoints WHERE thread_id = ?1 AND checkpoint_id = ?2");
    Statement del(db_.get(), "DELETE FROM checkpoints WHERE thread_id = ?1 AND checkpoint_id = ?2");
    const std::string when = format_timestamp(now());
    const std::vector<QuarantineEntry> moved = detail::rows_to_quarantine(lineage, named);
    for (const auto& entry : moved) {
      copy.reset();
      copy.bind(1, thread_id);
      copy.bind(2, entry.checkpoint_id);
      copy.bind(3, entry.reason);
      copy.bind(4, when);
      copy.step(op);
      del.reset();
      del.bind(1, thread_id);
      del.bind(2, entry.checkpoint_id);
      del.step(op);
    }
    // Each head whose row is gone becomes its namespace's newest row, or
    // goes with the namespace's last row.
    const std::string rows_of_owner =
        "SELECT c.checkpoint_id FROM checkpoints c WHERE c.thread_id = threads.thread_id "
        "AND c.checkpoint_ns = threads.checkpoint_ns";
    Statement move_heads(db_.get(), "UPDATE threads SET head_id = (" + rows_of_owner +
                                        " ORDER BY c.seq DESC LIMIT 1), updated_at = ?2 WHERE thread_id = ?1 "
                                        "AND head_id NOT IN (" + rows_of_owner + ") AND EXISTS (" + rows_of_owner + ")");
    move_heads.bind(1, thread_id);
    move_heads.bind(2, when);
    move_heads.step(op);
    Statement drop_heads(db_.get(), "DELETE FROM threads WHERE thread_id = ?1 AND NOT EXISTS (" + rows_of_owner + ")");
    drop_heads.bind(1, thread_id);
    drop_heads.step(op);
    txn.commit();
    return moved;
  }

  std::vector<QuarantinedRow> quarantined(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    Statement s(db_.get(),
                "SELECT thread_id, checkpoint_ns, checkpoint_id, coalesce(kind, ''), coalesce(encoding, ''), "
                "coalesce(checksum, ''), payload, reason, quarantined_at FROM quarantined_checkpoints "
                "WHERE ?1 = '' OR thread_id = ?1 ORDER BY seq");
    s.bind(1, thread_id);
    std::vector<QuarantinedRow> out;
    while (s.step("quarantined")) {
      out.push_back(QuarantinedRow{s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3),
                                   s.column_text(4), s.column_text(5), s.column_text(6), s.column_text(7),
                                   parse_timestamp(s.column_text(8))});
    }
    return out;
  }

  void put_writes(const CheckpointKey& key, const std::vector<EncodedWrite>& writes, bool replace) override {
    const std::string op = detail::put_writes_op(key);
    std::lock_guard lock(mutex_);
    Transaction txn(db_.get());
    Statement& s = replace ? *replace_write_ : *insert_write_;
    for (const auto& [w, value_encoding] : writes) {
      Reset reset(s);
      s.bind(1, key.thread_id);
      s.bind(2, key.checkpoint_ns);
      s.bind(3, key.checkpoint_id);
      s.bind(4, w.task_id);
      s.bind(5, w.idx);
      s.bind(6, w.task_path);
      s.bind(7, w.channel);
      s.bind(8, w.type);
      s.bind(9, static_cast<std::int64_t>(w.value.size()));
      // UTF-8 values (a JSON serializer's output) as TEXT, so sqlite3 shows them.
      if (value_encoding == detail::kPlainValue && detail::valid_utf8_prefix(w.value) == w.value.size() &&
          w.value.find('\0') == std::string::npos) {
        s.bind(10, w.value);
      } else {
        s.bind_blob(10, w.value);
      }
      s.bind(11, value_encoding);
      s.step(op);
    }
    txn.commit();
  }

  std::vector<StoredWrite> writes(const std::vector<CheckpointKey>& keys) override {
    std::lock_guard lock(mutex_);
    std::vector<StoredWrite> out;
    Statement& s = *read_writes_;
    for (const auto& key : keys) {
      Reset reset(s);
      s.bind(1, key.thread_id);
      s.bind(2, key.checkpoint_ns);
      s.bind(3, key.checkpoint_id);
      while (s.step("writes")) {
        StoredWrite w{{PendingWrite{.task_id = s.column_text(0),
                                    .task_path = s.column_text(1),
                                    .idx = s.column_int(2),
                                    .channel = s.column_text(3),
                                    .type = s.column_text(4),
                                    .value = s.column_text(6)},
                       s.column_text(7)},
                      key};
        if (static_cast<std::int64_t>(w.write.value.size()) != s.column_int(5)) {
          throw Corruption("deltackpt.sqlite: pending write (thread=" + key.thread_id + ", id=" +
                               key.checkpoint_id + ", task=" + w.write.task_id + ", idx=" +
                               std::to_string(w.write.idx) + "): value is not value_size bytes",
                           key.checkpoint_id);
        }
        out.push_back(std::move(w));
      }
    }
    return out;
  }

  std::vector<WriteTotals> write_totals(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    Reset reset(*write_totals_);
    write_totals_->bind(1, thread_id);
    std::vector<WriteTotals> out;
    while (write_totals_->step("write_totals")) {
      out.push_back(WriteTotals{write_totals_->column_text(0), write_totals_->column_text(1),
                                static_cast<std::size_t>(write_totals_->column_int(2)),
                                write_totals_->column_int(3)});
    }
    return out;
  }

 private:
  void prepare() {
    sqlite3* db = db_.get();
    const std::string cols = kColumns;
    insert_row_.emplace(db,
                        "INSERT INTO checkpoints (thread_id, checkpoint_id, parent_id, step, kind, "
                        "base_id, depth, created_at, metadata, pending_nodes, encoding, payload_size, "
                        "state_size, checksum, payload, checkpoint_ns) VALUES "
                        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)");
    parent_owner_.emplace(db, "SELECT thread_id, checkpoint_ns FROM checkpoints WHERE checkpoint_id = ?1");
    const std::string link_cols = "SELECT checkpoint_id, parent_id, kind, base_id, encoding, checksum FROM checkpoints";
    chain_link_.emplace(db, link_cols + " WHERE checkpoint_id = ?1");
    chain_rows_.emplace(db, link_cols + " WHERE thread_id = ?1 AND encoding = 'zstd-chain'");
    const std::string head_of = "(SELECT head_id FROM threads WHERE thread_id = ?1 AND checkpoint_ns = ?2)";
    head_id_.emplace(db, "SELECT head_id FROM threads WHERE thread_id = ?1 AND checkpoint_ns = ?2");
    set_head_.emplace(db,
                      "INSERT INTO threads (thread_id, checkpoint_ns, head_id, created_at, updated_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (thread_id, checkpoint_ns) DO UPDATE SET "
                      "head_id = excluded.head_id, updated_at = excluded.updated_at");
    head_header_.emplace(db, "SELECT " + cols + " FROM checkpoints WHERE checkpoint_id = " + head_of);
    header_.emplace(db, "SELECT " + cols + " FROM checkpoints WHERE checkpoint_id = ?1");
    seq_of_.emplace(db, "SELECT seq FROM checkpoints WHERE checkpoint_id = ?1");
    const auto walk = detail::sqlite::chain_sql;
    chain_.emplace(db, walk("checkpoint_id = ?1"));
    head_chain_.emplace(db, walk("checkpoint_id = " + head_of));
    chains_.emplace(db, walk("checkpoint_id IN (SELECT value FROM json_each(?1))"));
    rows_.emplace(db, "SELECT " + cols + ", payload FROM checkpoints WHERE thread_id = ?1 ORDER BY seq");
    threads_.emplace(db, "SELECT thread_id FROM threads UNION SELECT thread_id FROM writes ORDER BY thread_id");
    namespaces_.emplace(db, "SELECT checkpoint_ns FROM threads WHERE thread_id = ?1 ORDER BY checkpoint_ns");
    const std::string write_insert =
        "INSERT INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, task_path, channel, "
        "type, value_size, value, value_encoding) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
        "ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) ";
    insert_write_.emplace(db, write_insert + "DO NOTHING");
    replace_write_.emplace(db, write_insert +
                                   "DO UPDATE SET task_path = excluded.task_path, channel = excluded.channel, "
                                   "type = excluded.type, value_size = excluded.value_size, value = excluded.value, "
                                   "value_encoding = excluded.value_encoding");
    read_writes_.emplace(db,
                         "SELECT task_id, task_path, idx, channel, type, value_size, value, value_encoding FROM writes "
                         "WHERE thread_id = ?1 AND checkpoint_ns = ?2 AND checkpoint_id = ?3 "
                         "ORDER BY task_path, task_id, idx");
    write_totals_.emplace(db,
                          "SELECT checkpoint_ns, checkpoint_id, count(*), sum(value_size) FROM writes "
                          "WHERE thread_id = ?1 GROUP BY checkpoint_ns, checkpoint_id "
                          "ORDER BY checkpoint_ns, checkpoint_id");
  }

  // Narrows a headers() query to rows whose metadata has `key` = `value`,
  // for the values json_extract compares exactly (strings, integers,
  // booleans, null); other values are left to the caller's check. Rows
  // whose metadata is not valid JSON pass, so the caller reports them.
  static void add_metadata_condition(const std::string& key, const Json& value, std::string& sql, Params& params) {
    // The path as a quoted label in a literal; keys no label can name are
    // left to the caller's check.
    if (key.find_first_of(std::string_view("\"\0", 2)) != std::string::npos) return;
    std::string path = "'$.\"";
    for (const char c : key) path += c == '\'' ? std::string("''") : std::string(1, c);
    path += "\"'";
    const std::string type = "json_type(metadata, " + path + ")";
    std::string condition;
    if (value.is_string() || (value.is_number_integer() && value.is_number_unsigned() == false) ||
        (value.is_number_unsigned() && value.get<std::uint64_t>() <= std::uint64_t{INT64_MAX})) {
      const std::string p = value.is_string() ? params.add(value.get<std::string>())
                                              : params.add(value.get<std::int64_t>());
      condition = type + " = '" + (value.is_string() ? "text" : "integer") + "' AND json_extract(metadata, " +
                  path + ") = " + p;
    } else if (value.is_boolean()) {
      condition = type + (value.get<bool>() ? " = 'true'" : " = 'false'");
    } else if (value.is_null()) {
      condition = type + " = 'null'";
    } else {
      return;
    }
    sql += " AND CASE WHEN json_valid(metadata) THEN " + condition + " ELSE 1 END";
  }

  static void bind_row(Statement& s, const StoredRow& row) {
    const RowHeader& h = row.header;
    s.bind(1, h.thread_id);
    s.bind(2, h.checkpoint_id);
    if (h.parent_id.empty()) {
      s.bind_null(3);
    } else {
      s.bind(3, h.parent_id);
    }
    s.bind(4, h.step);
    s.bind(5, std::string_view(to_string(h.kind)));
    s.bind(6, h.base_id);
    s.bind(7, std::int64_t{h.depth});
    s.bind(8, format_timestamp(h.created_at));
    s.bind(9, h.metadata);
    s.bind(10, h.pending_nodes);
    s.bind(11, h.encoding);
    s.bind(12, h.payload_size);
    s.bind(13, h.state_size);
    s.bind(14, checksum_text(h.checksum));
    // JSON payloads are stored as TEXT so sqlite3's json functions read them.
    if (h.encoding == detail::kJsonEncoding) {
      s.bind(15, row.payload);
    } else {
      s.bind_blob(15, row.payload);
    }
  }

  std::optional<RowHeader> header_locked(std::string_view checkpoint_id) {
    Reset reset(*header_);
    header_->bind(1, checkpoint_id);
    if (!header_->step("header")) return std::nullopt;
    return detail::decode_header(StatementColumns{*header_});
  }

  // Every row a statement selecting kColumns and payload returns; the
  // caller has bound it and resets it.
  static std::vector<StoredRow> read_rows(Statement& s, const std::string& op) {
    std::vector<StoredRow> out;
    while (s.step(op)) out.push_back(read_row(s));
    return out;
  }

  // The columns of a row that the zstd-chain checks read (chain_link_, chain_rows_).
  static detail::ChainLink read_link(const Statement& s) {
    detail::ChainLink link;
    link.checkpoint_id = s.column_text(0);
    link.parent_id = s.column_text(1);
    RowHeader h;
    h.checkpoint_id = link.checkpoint_id;
    link.kind = detail::decode_kind(s.column_text(2), h);
    link.base_id = s.column_text(3);
    link.encoding = s.column_text(4);
    link.checksum = detail::decode_checksum(s.column_text(5), h);
    return link;
  }
  std::optional<detail::ChainLink> chain_link(const std::string& checkpoint_id, const std::string& op) {
    Reset reset(*chain_link_);
    chain_link_->bind(1, checkpoint_id);
    if (!chain_link_->step(op)) return std::nullopt;
    return read_link(*chain_link_);
  }

  std::mutex mutex_;
  detail::sqlite::DbPtr db_;
  std::string encoding_;
  std::optional<Statement> chain_link_, chain_rows_;
  std::optional<Statement> insert_row_, parent_owner_, head_id_, set_head_, head_header_, header_, seq_of_, chain_,
      head_chain_, chains_, rows_, threads_, namespaces_, insert_write_, replace_write_, read_writes_,
      write_totals_;
};

}  // namespace

std::unique_ptr<RowStore> open_sqlite(const SqliteOptions& options) {
  if (options.path.empty()) throw InvalidArgument("deltackpt.sqlite: open_sqlite needs a path");
  return std::make_unique<SqliteRowStore>(options);
}

SchemaStatus sqlite_schema_status(const std::string& path) {
  auto db = detail::sqlite::open_read_only(path);
  SqliteMigrationTarget target(db.get());
  return detail::run_migrations(target, detail::sqlite_migrations(), false, std::nullopt, false);
}

SchemaStatus migrate_sqlite(const std::string& path, std::optional<int> target_version) {
  SqliteOptions options;
  options.path = path;
  auto db = open_connection(options);
  SqliteMigrationTarget target(db.get());
  return detail::run_migrations(target, detail::sqlite_migrations(), true, target_version, false);
}

}  // namespace deltackpt

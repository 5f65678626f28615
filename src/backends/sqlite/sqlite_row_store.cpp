// SqliteRowStore: the RowStore contract on one SQLite connection.
#include <mutex>

#include "deltackpt/backends/sqlite.hpp"
#include "deltackpt/errors.hpp"
#include "deltackpt/row_store.hpp"
#include "migrate/migration.hpp"
#include "../row_columns.hpp"
#include "row_codec.hpp"
#include "sqlite_handle.hpp"

namespace deltackpt {
namespace {

using detail::sqlite::Reset;
using detail::sqlite::Statement;
using detail::sqlite::Transaction;

constexpr const char* kColumns =
    "thread_id, checkpoint_id, parent_id, step, kind, base_id, depth, created_at, metadata, "
    "pending_nodes, encoding, payload_size, state_size, checksum";
constexpr int kPayloadColumn = 14;

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

class SqliteRowStore final : public RowStore {
 public:
  explicit SqliteRowStore(const SqliteOptions& options) : db_(open_connection(options)) {
    SqliteMigrationTarget target(db_.get());
    detail::run_migrations(target, detail::sqlite_migrations(), options.migrate, std::nullopt,
                           /*require_current=*/true);
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
    StoredRow appended;
    if (mode == InsertMode::kAppend) {
      appended = given;
      Reset reset(*head_id_);
      head_id_->bind(1, given.header.thread_id);
      appended.header.parent_id = head_id_->step(op) ? head_id_->column_text(0) : std::string();
    }
    const StoredRow& row = mode == InsertMode::kAppend ? appended : given;
    const RowHeader& h = row.header;
    if (!h.parent_id.empty()) {
      Reset reset(*parent_thread_);
      parent_thread_->bind(1, h.parent_id);
      if (!parent_thread_->step(op) || parent_thread_->column_text(0) != h.thread_id) {
        throw detail::parent_not_found(backend_name(), op, h.parent_id);
      }
    }
    if (mode == InsertMode::kExtend) {
      Reset reset(*head_id_);
      head_id_->bind(1, h.thread_id);
      const std::string head = head_id_->step(op) ? head_id_->column_text(0) : std::string();
      if (head != h.parent_id) throw detail::head_moved(backend_name(), op, h.parent_id, head);
    }
    {
      Reset reset(*insert_row_);
      bind_row(*insert_row_, row);
      insert_row_->step(op);
    }
    {
      Reset reset(*set_head_);
      const std::string when = format_timestamp(h.created_at);
      set_head_->bind(1, h.thread_id);
      set_head_->bind(2, h.checkpoint_id);
      set_head_->bind(3, when);
      set_head_->step(op);
    }
    txn.commit();
  }

  std::optional<RowHeader> head(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    Reset reset(*head_header_);
    head_header_->bind(1, thread_id);
    if (!head_header_->step("head")) return std::nullopt;
    return detail::decode_header(StatementColumns{*head_header_});
  }

  std::vector<StoredRow> chain(std::string_view checkpoint_id) override {
    std::lock_guard lock(mutex_);
    return read_rows(*chain_, checkpoint_id, "chain(" + std::string(checkpoint_id) + ")");
  }

  std::vector<StoredRow> head_chain(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    return read_rows(*head_chain_, thread_id, "head_chain(thread=" + std::string(thread_id) + ")");
  }

  std::optional<RowHeader> header(std::string_view checkpoint_id) override {
    std::lock_guard lock(mutex_);
    Reset reset(*header_);
    header_->bind(1, checkpoint_id);
    if (!header_->step("header")) return std::nullopt;
    return detail::decode_header(StatementColumns{*header_});
  }

  std::vector<RowHeader> headers(std::string_view thread_id, std::string_view before_id,
                                 std::size_t limit) override {
    std::lock_guard lock(mutex_);
    Statement& s = *headers_;
    Reset reset(s);
    s.bind(1, thread_id);
    if (before_id.empty()) {
      s.bind_null(2);
    } else {
      s.bind(2, before_id);
    }
    s.bind(3, limit == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(limit));
    std::vector<RowHeader> out;
    while (s.step("headers")) out.push_back(detail::decode_header(StatementColumns{s}));
    return out;
  }

  std::vector<StoredRow> rows(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    return read_rows(*rows_, thread_id, "rows(thread=" + std::string(thread_id) + ")");
  }

  std::vector<std::string> threads() override {
    std::lock_guard lock(mutex_);
    Reset reset(*threads_);
    std::vector<std::string> out;
    while (threads_->step("threads")) out.push_back(threads_->column_text(0));
    return out;
  }

  std::size_t remove_thread(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    Transaction txn(db_.get());
    Statement del(db_.get(), "DELETE FROM checkpoints WHERE thread_id = ?1");
    del.bind(1, thread_id);
    del.step("remove_thread");
    const auto removed = static_cast<std::size_t>(sqlite3_changes64(db_.get()));
    Statement head(db_.get(), "DELETE FROM threads WHERE thread_id = ?1");
    head.bind(1, thread_id);
    head.step("remove_thread");
    txn.commit();
    return removed;
  }

  void rewrite(std::string_view thread_id, const std::vector<StoredRow>& replace,
               const std::vector<std::string>& remove) override {
    const std::string op = detail::rewrite_op(thread_id);
    std::lock_guard lock(mutex_);
    Transaction txn(db_.get());
    Statement update(db_.get(),
                     "UPDATE checkpoints SET parent_id = ?3, step = ?4, kind = ?5, base_id = ?6, "
                     "depth = ?7, created_at = ?8, metadata = ?9, pending_nodes = ?10, "
                     "encoding = ?11, payload_size = ?12, state_size = ?13, checksum = ?14, "
                     "payload = ?15 WHERE thread_id = ?1 AND checkpoint_id = ?2");
    for (const auto& row : replace) {
      update.reset();
      bind_row(update, row);
      update.step(op);
      if (sqlite3_changes64(db_.get()) != 1) throw detail::not_in_thread(backend_name(), op, row.header.checkpoint_id);
    }
    Statement head(db_.get(), "SELECT head_id FROM threads WHERE thread_id = ?1");
    head.bind(1, thread_id);
    const std::string head_id = head.step(op) ? head.column_text(0) : std::string();
    Statement del(db_.get(), "DELETE FROM checkpoints WHERE thread_id = ?1 AND checkpoint_id = ?2");
    for (const auto& id : remove) {
      if (id == head_id) throw detail::head_not_removable(backend_name(), op);
      del.reset();
      del.bind(1, thread_id);
      del.bind(2, id);
      del.step(op);
      if (sqlite3_changes64(db_.get()) != 1) throw detail::not_in_thread(backend_name(), op, id);
    }
    txn.commit();
  }

 private:
  void prepare() {
    sqlite3* db = db_.get();
    const std::string cols = kColumns;
    insert_row_.emplace(db,
                        "INSERT INTO checkpoints (thread_id, checkpoint_id, parent_id, step, kind, "
                        "base_id, depth, created_at, metadata, pending_nodes, encoding, payload_size, "
                        "state_size, checksum, payload) VALUES "
                        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    parent_thread_.emplace(db, "SELECT thread_id FROM checkpoints WHERE checkpoint_id = ?1");
    head_id_.emplace(db, "SELECT head_id FROM threads WHERE thread_id = ?1");
    set_head_.emplace(db,
                      "INSERT INTO threads (thread_id, head_id, created_at, updated_at) "
                      "VALUES (?1, ?2, ?3, ?3) ON CONFLICT (thread_id) DO UPDATE SET "
                      "head_id = excluded.head_id, updated_at = excluded.updated_at");
    head_header_.emplace(db, "SELECT " + cols +
                                 " FROM checkpoints WHERE checkpoint_id = "
                                 "(SELECT head_id FROM threads WHERE thread_id = ?1)");
    header_.emplace(db, "SELECT " + cols + " FROM checkpoints WHERE checkpoint_id = ?1");
    // The chain in one query: walk parent links from the wanted row back to
    // the nearest full row, carrying only keys, then read those rows by seq.
    const std::string walk =
        "WITH RECURSIVE chain(link_seq, link_parent, link_kind, n) AS ("
        " SELECT seq, parent_id, kind, 0 FROM checkpoints WHERE checkpoint_id = %START%"
        " UNION ALL"
        " SELECT c.seq, c.parent_id, c.kind, chain.n + 1 FROM checkpoints c"
        " JOIN chain ON c.checkpoint_id = chain.link_parent"
        " WHERE chain.link_kind = 'delta')"
        " SELECT " + cols + ", payload FROM chain JOIN checkpoints ON checkpoints.seq = chain.link_seq"
        " ORDER BY chain.n DESC";
    auto with_start = [&](const std::string& start) {
      std::string sql = walk;
      sql.replace(sql.find("%START%"), 7, start);
      return sql;
    };
    chain_.emplace(db, with_start("?1"));
    head_chain_.emplace(db, with_start("(SELECT head_id FROM threads WHERE thread_id = ?1)"));
    headers_.emplace(db, "SELECT " + cols +
                             " FROM checkpoints WHERE thread_id = ?1 AND (?2 IS NULL OR seq < "
                             "(SELECT seq FROM checkpoints WHERE checkpoint_id = ?2)) "
                             "ORDER BY seq DESC LIMIT ?3");
    rows_.emplace(db, "SELECT " + cols + ", payload FROM checkpoints WHERE thread_id = ?1 ORDER BY seq");
    threads_.emplace(db, "SELECT thread_id FROM threads ORDER BY thread_id");
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

  std::vector<StoredRow> read_rows(Statement& s, std::string_view key, const std::string& op) {
    Reset reset(s);
    s.bind(1, key);
    std::vector<StoredRow> out;
    while (s.step(op)) out.push_back(read_row(s));
    return out;
  }

  std::mutex mutex_;
  detail::sqlite::DbPtr db_;
  std::string encoding_;
  std::optional<Statement> insert_row_, parent_thread_, head_id_, set_head_, head_header_, header_,
      chain_, head_chain_, headers_, rows_, threads_;
};

}  // namespace

std::unique_ptr<RowStore> open_sqlite(const SqliteOptions& options) {
  if (options.path.empty()) throw InvalidArgument("deltackpt.sqlite: open_sqlite needs a path");
  return std::make_unique<SqliteRowStore>(options);
}

SchemaStatus sqlite_schema_status(const std::string& path) {
  auto db = detail::sqlite::open(path);
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

// RawWriter over sqlite3, libpqxx and the memory RowStore.
#include "raw_store.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <stdexcept>

#include "deltackpt/backends/sqlite.hpp"
#if DELTACKPT_HAVE_POSTGRES
#include <pqxx/pqxx>

#include "deltackpt/backends/postgres.hpp"
#endif

namespace deltackpt::bench {
namespace {

// The INSERT deltackpt's SQLite backend runs, minus everything around it.
constexpr const char* kSqliteInsert =
    "INSERT INTO checkpoints (thread_id, checkpoint_id, parent_id, step, kind, base_id, depth, "
    "created_at, metadata, pending_nodes, encoding, payload_size, state_size, checksum, payload) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

class RawSqlite final : public RawWriter {
 public:
  RawSqlite(const std::string& path, Durability durability) {
    open_sqlite({.path = path, .durability = durability}).reset();  // schema, then closed
    const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr);
    if (rc != SQLITE_OK) fail("open");
    exec("PRAGMA journal_mode=WAL");
    exec(durability == Durability::kFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    if (sqlite3_prepare_v3(db_, kSqliteInsert, -1, SQLITE_PREPARE_PERSISTENT, &insert_, nullptr) !=
        SQLITE_OK) {
      fail("prepare");
    }
  }
  ~RawSqlite() override {
    sqlite3_finalize(insert_);
    sqlite3_close_v2(db_);
  }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;

  void insert(const RawRow& r) override {
    const RowHeader& h = r.row.header;
    bind_text(1, h.thread_id);
    bind_text(2, h.checkpoint_id);
    if (h.parent_id.empty()) {
      sqlite3_bind_null(insert_, 3);
    } else {
      bind_text(3, h.parent_id);
    }
    sqlite3_bind_int64(insert_, 4, h.step);
    bind_text(5, r.kind);
    bind_text(6, h.base_id);
    sqlite3_bind_int64(insert_, 7, h.depth);
    bind_text(8, r.created_at);
    bind_text(9, h.metadata);
    bind_text(10, h.pending_nodes);
    bind_text(11, h.encoding);
    sqlite3_bind_int64(insert_, 12, h.payload_size);
    sqlite3_bind_int64(insert_, 13, h.state_size);
    bind_text(14, r.checksum);
    bind_text(15, r.row.payload);
    const int rc = sqlite3_step(insert_);
    sqlite3_reset(insert_);
    if (rc != SQLITE_DONE) fail("insert");
  }

  void finish(const RawRow& last) override {
    const RowHeader& h = last.row.header;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_,
                           "INSERT INTO threads (thread_id, head_id, created_at, updated_at) "
                           "VALUES (?1, ?2, ?3, ?3)",
                           -1, &s, nullptr) != SQLITE_OK) {
      fail("prepare threads");
    }
    sqlite3_bind_text(s, 1, h.thread_id.data(), static_cast<int>(h.thread_id.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 2, h.checkpoint_id.data(), static_cast<int>(h.checkpoint_id.size()),
                      SQLITE_STATIC);
    sqlite3_bind_text(s, 3, last.created_at.data(), static_cast<int>(last.created_at.size()),
                      SQLITE_STATIC);
    const int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) fail("insert threads");
  }

 private:
  void bind_text(int index, const std::string& value) {
    // The bound strings outlive the step: no copy (SQLITE_STATIC).
    sqlite3_bind_text(insert_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  }
  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
  }
  [[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("raw sqlite: " + what + ": " +
                             (db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory"));
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
};

class RawMemory final : public RawWriter {
 public:
  explicit RawMemory(RowStore& store) : store_(store) {}
  void insert(const RawRow& r) override { store_.insert(r.row, InsertMode::kExtend); }
  void finish(const RawRow&) override {}

 private:
  RowStore& store_;
};

#if DELTACKPT_HAVE_POSTGRES
class RawPostgres final : public RawWriter {
 public:
  explicit RawPostgres(const std::string& url) {
    open_postgres({.url = url, .pool_size = 1}).reset();  // schema, then closed
    cx_ = std::make_unique<pqxx::connection>(url);
    cx_->prepare("raw_insert",
                 "INSERT INTO checkpoints (thread_id, checkpoint_id, parent_id, step, kind, "
                 "base_id, depth, created_at, metadata, pending_nodes, encoding, payload_size, "
                 "state_size, checksum, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                 "$8::timestamptz, $9, $10, $11, $12, $13, $14, $15)");
  }

  void insert(const RawRow& r) override {
    const RowHeader& h = r.row.header;
    pqxx::nontransaction tx(*cx_);  // autocommit: the INSERT is the only round trip
    tx.exec_prepared("raw_insert", h.thread_id, h.checkpoint_id,
                     h.parent_id.empty() ? nullptr : h.parent_id.c_str(), h.step, r.kind,
                     h.base_id, h.depth, r.created_at, h.metadata, h.pending_nodes, h.encoding,
                     h.payload_size, h.state_size, r.checksum, r.row.payload);
  }

  void finish(const RawRow& last) override {
    const RowHeader& h = last.row.header;
    pqxx::work tx(*cx_);
    tx.exec_params(
        "INSERT INTO threads (thread_id, head_id, created_at, updated_at) "
        "VALUES ($1, $2, $3::timestamptz, $3::timestamptz)",
        h.thread_id, h.checkpoint_id, last.created_at);
    tx.commit();
  }

 private:
  std::unique_ptr<pqxx::connection> cx_;
};
#endif

}  // namespace

RawRow make_raw_row(StoredRow row) {
  RawRow r;
  r.kind = to_string(row.header.kind);
  r.created_at = format_timestamp(row.header.created_at);
  r.checksum = checksum_text(row.header.checksum);
  r.row = std::move(row);
  return r;
}

std::unique_ptr<RawWriter> open_raw_sqlite(const std::string& path, Durability durability) {
  return std::make_unique<RawSqlite>(path, durability);
}

std::unique_ptr<RawWriter> open_raw_memory(RowStore& store) { return std::make_unique<RawMemory>(store); }

#if DELTACKPT_HAVE_POSTGRES
std::unique_ptr<RawWriter> open_raw_postgres(const std::string& url) {
  return std::make_unique<RawPostgres>(url);
}
#endif

}  // namespace deltackpt::bench

// Small RAII wrappers over the sqlite3 C API: a connection, a prepared
// statement, a transaction. Kept in src/ so public headers never include sqlite3.h.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace deltackpt::detail::sqlite {

struct DbClose {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbClose>;

// Throws the deltackpt error for result code `rc`: Conflict for a unique
// constraint, a retryable StorageError for BUSY/LOCKED, Corruption for a
// damaged file, StorageError otherwise. `operation` names what failed.
[[noreturn]] void throw_error(sqlite3* db, int rc, std::string_view operation);

// Opens `path` (creating it), or throws StorageError.
DbPtr open(const std::string& path, int extra_flags = 0);
// Opens an existing database file without writing anything, not even the
// journal mode: NotFound when there is no file, InvalidArgument for a
// directory. A WAL database in a directory this process cannot write (no
// -shm file can be made) is read as immutable: nobody can be writing it.
DbPtr open_read_only(const std::string& path);

// Runs one or more statements that return no rows.
void exec(sqlite3* db, const std::string& sql, std::string_view operation);

// A statement prepared once and reused: call reset() (or use Reset) after
// each use so its bindings and locks are released.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // 1-based parameter index, as in sqlite3_bind_*. Text is copied
  // (SQLITE_TRANSIENT) so the caller's buffer may go away before step().
  void bind(int index, std::string_view text);
  void bind_blob(int index, std::string_view bytes);
  void bind(int index, std::int64_t value);
  void bind_null(int index);

  // Advances; true when a row is ready.
  bool step(std::string_view operation);

  std::string column_text(int column) const;
  std::int64_t column_int(int column) const;
  bool column_is_null(int column) const;

  void reset() noexcept;
  sqlite3_stmt* get() const noexcept { return stmt_.get(); }

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
};

// Resets a statement when the scope ends, whatever happens.
class Reset {
 public:
  explicit Reset(Statement& s) noexcept : s_(s) {}
  ~Reset() { s_.reset(); }
  Reset(const Reset&) = delete;
  Reset& operator=(const Reset&) = delete;

 private:
  Statement& s_;
};

// BEGIN IMMEDIATE in the constructor (taking the write lock up front, so a
// transaction never fails half-way on a lock upgrade); explicit commit();
// the destructor rolls back a transaction that was not committed.
class Transaction {
 public:
  explicit Transaction(sqlite3* db, bool write = true);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  sqlite3* db_;
  bool open_ = true;
};

}  // namespace deltackpt::detail::sqlite

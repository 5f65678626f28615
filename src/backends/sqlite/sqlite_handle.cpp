// The sqlite3 wrappers and the translation of SQLite result codes.
#include "sqlite_handle.hpp"

#include <filesystem>
#include <system_error>

#include "deltackpt/errors.hpp"

namespace deltackpt::detail::sqlite {

void throw_error(sqlite3* db, int rc, std::string_view operation) {
  const int extended = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  const std::string message = "deltackpt.sqlite: " + std::string(operation) + ": " +
                              (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xFF) {
    case SQLITE_CONSTRAINT:
      if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
        throw Conflict(message);
      }
      throw StorageError(message, "sqlite", extended, false);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw StorageError(message + " (another connection holds the lock; retry)", "sqlite",
                         extended, true);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      throw Corruption(message);
    default:
      throw StorageError(message, "sqlite", extended, false);
  }
}

DbPtr open(const std::string& path, int extra_flags) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                    SQLITE_OPEN_URI | extra_flags;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DbPtr db(raw);  // take ownership first: a handle comes back even on failure
  if (rc != SQLITE_OK) throw_error(db.get(), rc, "open(" + path + ")");
  sqlite3_extended_result_codes(db.get(), 1);
  return db;
}

namespace {

// `path` as a file: URI, with the characters a URI gives meaning escaped.
std::string file_uri(const std::string& path, std::string_view query) {
  std::string uri = "file:";
  static const char* const kHex = "0123456789ABCDEF";
  for (const char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      uri += '%';
      uri += kHex[static_cast<unsigned char>(c) >> 4];
      uri += kHex[static_cast<unsigned char>(c) & 0xF];
    } else {
      uri += c;
    }
  }
  return uri + "?" + std::string(query);
}

DbPtr open_uri(const std::string& uri, const std::string& path, int& rc) {
  sqlite3* raw = nullptr;
  rc = sqlite3_open_v2(uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nullptr);
  DbPtr db(raw);
  if (rc == SQLITE_OK) {
    sqlite3_extended_result_codes(db.get(), 1);
    // Opening is lazy: the first read finds out whether the WAL index can
    // be mapped.
    rc = sqlite3_exec(db.get(), "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  }
  if (rc != SQLITE_OK && (rc & 0xFF) != SQLITE_CANTOPEN && (rc & 0xFF) != SQLITE_READONLY) {
    throw_error(db.get(), rc, "open(" + path + ")");
  }
  return db;
}

}  // namespace

DbPtr open_read_only(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (status.type() == fs::file_type::not_found) {
    throw NotFound("deltackpt.sqlite: no database at " + path + " (reading never creates one)");
  }
  if (status.type() == fs::file_type::directory) {
    throw InvalidArgument("deltackpt.sqlite: " + path + " is a directory, not a database file");
  }
  int rc = SQLITE_OK;
  DbPtr db = open_uri(file_uri(path, "mode=ro"), path, rc);
  if (rc == SQLITE_OK) return db;
  // No -shm file can be made beside it: a read-only directory, which no
  // writer can use either (it would need a -wal file there). Read as
  // immutable only when no -wal file holds changes: immutable ignores it.
  if (fs::file_size(path + "-wal", error) > 0 && !error) {
    throw StorageError("deltackpt.sqlite: cannot read " + path + " here: its directory is not writable and " + path +
                           "-wal holds changes not yet in the file (open it once with write access to fold them in)",
                       "sqlite", rc, false);
  }
  DbPtr immutable = open_uri(file_uri(path, "mode=ro&immutable=1"), path, rc);
  if (rc != SQLITE_OK) throw_error(immutable.get(), rc, "open(" + path + ") read-only");
  return immutable;
}

void exec(sqlite3* db, const std::string& sql, std::string_view operation) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  sqlite3_free(error);  // the same text is in sqlite3_errmsg
  if (rc != SQLITE_OK) throw_error(db, rc, operation);
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  stmt_.reset(raw);
  if (rc != SQLITE_OK) throw_error(db, rc, "prepare");
}

void Statement::bind(int index, std::string_view text) {
  // A null pointer would bind SQL NULL; an empty string must stay a string.
  const int rc = sqlite3_bind_text64(stmt_.get(), index, text.data() ? text.data() : "",
                                     text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) throw_error(db_, rc, "bind");
}

void Statement::bind_blob(int index, std::string_view bytes) {
  const int rc = sqlite3_bind_blob64(stmt_.get(), index, bytes.data() ? bytes.data() : "",
                                     bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) throw_error(db_, rc, "bind");
}

void Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK) throw_error(db_, rc, "bind");
}

void Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_.get(), index);
  if (rc != SQLITE_OK) throw_error(db_, rc, "bind");
}

bool Statement::step(std::string_view operation) {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_error(db_, rc, operation);
}

std::string Statement::column_text(int column) const {
  // Blob access returns the raw bytes whatever the storage class, so text
  // and blob payloads alike come back byte for byte (NULs included).
  const void* data = sqlite3_column_blob(stmt_.get(), column);
  const int size = sqlite3_column_bytes(stmt_.get(), column);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::int64_t Statement::column_int(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

void Statement::reset() noexcept {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

Transaction::Transaction(sqlite3* db, bool write) : db_(db) {
  exec(db_, write ? "BEGIN IMMEDIATE" : "BEGIN", "begin transaction");
}

Transaction::~Transaction() {
  if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  exec(db_, "COMMIT", "commit");
  open_ = false;
}

}  // namespace deltackpt::detail::sqlite

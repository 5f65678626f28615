// The SQLite backend: one database file (or ":memory:"), readable with sqlite3.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "deltackpt/export.hpp"
#include "deltackpt/migrate.hpp"
#include "deltackpt/row_store.hpp"

namespace deltackpt {

enum class Durability {
  // synchronous=FULL: a save that returned survives power loss.
  kFull,
  // synchronous=NORMAL: a save that returned survives a crash of the process,
  // but the last saves may be lost on power loss (the file stays consistent).
  // See docs/sqlite.md for what each costs.
  kNormal,
};

struct SqliteOptions {
  // A file path, or ":memory:" for a private in-memory database.
  std::string path;
  // Default: kFull.
  Durability durability = Durability::kFull;
  // How long a save waits for another process's write lock before failing
  // with a retryable StorageError. Default: 5 s.
  std::chrono::milliseconds busy_timeout{5000};
  // Apply pending schema migrations on open. When false, a database whose
  // schema is not current is refused with SchemaError. Default: true.
  bool migrate = true;
  // Open for reading only, writing nothing at all (not even the journal
  // mode): the file must exist (NotFound otherwise) and be a deltackpt store
  // at the current schema version (SchemaError otherwise: nothing is
  // migrated); saves fail with StorageError. Works in a directory this
  // process cannot write. Default: false.
  bool read_only = false;
  // Payload encoding for new rows, stored in the database: "json" (readable
  // with sqlite3's json functions), "zstd-full-rows" (full rows compressed,
  // deltas and pending writes JSON text), "zstd" (full rows and pending-write
  // values compressed, each delta compressed against its chain's full row;
  // everything only where that makes it smaller) or "lz4". Empty: keep the
  // database's setting ("zstd-full-rows" for a new database, set by
  // migration 0005). Default: empty.
  std::string payload_encoding;
};

/**
 * A RowStore in a SQLite database: creates the file and its schema if
 * needed. Several processes may open the same file. Safe for concurrent use
 * from many threads. Throws StorageError if the file cannot be opened and
 * SchemaError if its schema cannot be used.
 *
 * **Example**:
 *   deltackpt::DeltaCheckpointer cp(deltackpt::open_sqlite({.path = "agent.db"}));
 */
DELTACKPT_EXPORT std::unique_ptr<RowStore> open_sqlite(const SqliteOptions& options);

// The schema state of a SQLite database, applying nothing.
DELTACKPT_EXPORT SchemaStatus sqlite_schema_status(const std::string& path);
// Applies pending migrations up to `target` (all when nullopt).
DELTACKPT_EXPORT SchemaStatus migrate_sqlite(const std::string& path, std::optional<int> target = std::nullopt);

}  // namespace deltackpt

// The PostgreSQL backend: many processes and hosts sharing one store.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "deltackpt/export.hpp"
#include "deltackpt/migrate.hpp"
#include "deltackpt/row_store.hpp"

namespace deltackpt {

struct PostgresOptions {
  // A libpq connection string ("host=... dbname=...") or a postgresql:// URL.
  std::string url;
  // Connections kept open; each is used by one thread at a time, so this
  // many threads can save or load at once. Default: 4.
  std::size_t pool_size = 4;
  // Apply pending schema migrations on open (under an advisory lock, so
  // processes starting together do not race). When false, a database whose
  // schema is not current is refused with SchemaError. Default: true.
  bool migrate = true;
  // Every transaction READ ONLY and nothing migrated: the database must be
  // a deltackpt store at the current schema version (SchemaError
  // otherwise); saves fail with StorageError. Default: false.
  bool read_only = false;
  // Payload encoding for new rows, stored in the database: "json",
  // "zstd-full-rows", "zstd" or "lz4" (see SqliteOptions::payload_encoding).
  // Empty: keep the database's setting ("zstd-full-rows" for a new one).
  // Default: empty.
  std::string payload_encoding;
};

/**
 * A RowStore in PostgreSQL: one round trip per insert and per chain. Safe
 * for concurrent use from many threads. A lost connection gives a retryable
 * StorageError and is reopened on the next call.
 *
 * **Example**:
 *   deltackpt::DeltaCheckpointer cp(
 *       deltackpt::open_postgres({.url = "postgresql://localhost/agents"}));
 */
DELTACKPT_EXPORT std::unique_ptr<RowStore> open_postgres(const PostgresOptions& options);

// The schema state of a PostgreSQL database, applying nothing.
DELTACKPT_EXPORT SchemaStatus postgres_schema_status(const std::string& url);
// Applies pending migrations up to `target` (all when nullopt).
DELTACKPT_EXPORT SchemaStatus migrate_postgres(const std::string& url, std::optional<int> target = std::nullopt);

}  // namespace deltackpt

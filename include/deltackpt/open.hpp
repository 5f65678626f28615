// Opening a store by URL: what the CLI and the C API use.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "deltackpt/backends/sqlite.hpp"
#include "deltackpt/checkpointer.hpp"
#include "deltackpt/delta_checkpointer.hpp"
#include "deltackpt/export.hpp"
#include "deltackpt/migrate.hpp"

namespace deltackpt {

struct OpenOptions {
  // Write deltas between full rows (the point of deltackpt). When false
  // every new row is a full row (DeltaOptions::full_rows()); existing delta
  // rows still load. Default: true.
  bool deltas = true;
  DeltaOptions delta;
  // SQLite only. Default: kFull.
  Durability durability = Durability::kFull;
  // PostgreSQL only: connections in the pool. Default: 4.
  std::size_t pool_size = 4;
  // Apply pending schema migrations on open. Default: true.
  bool migrate = true;
  // Read only: create, migrate and write nothing (SqliteOptions::read_only;
  // on PostgreSQL every transaction is READ ONLY and nothing is migrated).
  // What the CLI's threads, list, show, stats and verify use. Default: false.
  bool read_only = false;
  // "json", "zstd-full-rows", "zstd" or "lz4" for new rows (see
  // SqliteOptions::payload_encoding); empty keeps the database's setting.
  std::string payload_encoding;
};

// The backend a URL names, and what it points at.
struct StoreUrl {
  enum class Kind { kMemory, kSqlite, kPostgres };
  Kind kind;
  std::string target;  // file path, or the PostgreSQL connection string
};

// Accepts "memory:", "sqlite:PATH", "sqlite::memory:", a bare path ending in
// .db, .sqlite or .sqlite3, and "postgresql://..." or "postgres://...".
// Throws InvalidArgument naming the URL otherwise.
DELTACKPT_EXPORT StoreUrl parse_store_url(std::string_view url);

/**
 * Opens the store `url` names (see parse_store_url) and a DeltaCheckpointer
 * over it. Throws InvalidArgument for a bad URL or option.
 *
 * **Example**:
 *   auto cp = deltackpt::open("sqlite:agent.db");
 *   cp->save({.thread_id = "t1", .state = {{"messages", Json::array()}}});
 */
DELTACKPT_EXPORT std::unique_ptr<DeltaCheckpointer> open(std::string_view url, const OpenOptions& options = {});

// Schema state of the database `url` names, applying nothing.
DELTACKPT_EXPORT SchemaStatus schema_status(std::string_view url);
// Applies pending migrations up to `target` (all when nullopt).
DELTACKPT_EXPORT SchemaStatus migrate(std::string_view url, std::optional<int> target = std::nullopt);

}  // namespace deltackpt

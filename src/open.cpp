// Dispatch from a store URL to a backend.
#include "deltackpt/open.hpp"

#include <cctype>

#include "deltackpt/backends/memory.hpp"
#include "deltackpt/config.hpp"
#include "deltackpt/errors.hpp"
#include "conninfo.hpp"
#include "row_codec.hpp"
#if DELTACKPT_HAVE_POSTGRES
#include "deltackpt/backends/postgres.hpp"
#endif

namespace deltackpt {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// URL schemes are case-insensitive (RFC 3986), as libpq reads them.
bool starts_with_ignoring_case(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

#if !DELTACKPT_HAVE_POSTGRES
[[noreturn]] void no_postgres() {
  throw InvalidArgument("deltackpt: this build has no PostgreSQL backend (DELTACKPT_WITH_POSTGRES=OFF)");
}
#endif

}  // namespace

StoreUrl parse_store_url(std::string_view url) {
  if (url == "memory:" || url == "memory") return {StoreUrl::Kind::kMemory, ""};
  if (url.rfind("sqlite:", 0) == 0) {
    std::string_view path = url.substr(7);
    if (path.rfind("//", 0) == 0) path.remove_prefix(2);  // sqlite://path
    if (path.empty()) throw InvalidArgument("deltackpt: \"" + std::string(url) + "\" names no file");
    return {StoreUrl::Kind::kSqlite, std::string(path)};
  }
  if (starts_with_ignoring_case(url, "postgresql://") || starts_with_ignoring_case(url, "postgres://")) {
    // libpq itself only knows the lowercase scheme.
    std::string target(url);
    const std::size_t scheme_end = target.find(':');
    for (std::size_t i = 0; i < scheme_end; ++i) {
      target[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(target[i])));
    }
    return {StoreUrl::Kind::kPostgres, std::move(target)};
  }
  if (detail::is_keyword_value_conninfo(url)) return {StoreUrl::Kind::kPostgres, std::string(url)};
  if (ends_with(url, ".db") || ends_with(url, ".sqlite") || ends_with(url, ".sqlite3")) {
    return {StoreUrl::Kind::kSqlite, std::string(url)};
  }
  throw InvalidArgument("deltackpt: cannot tell which database \"" + detail::redact_password(url) +
                        "\" names: use sqlite:PATH, a path ending in .db, .sqlite or .sqlite3, "
                        "postgresql://... (or libpq's host=... dbname=...), or memory:");
}

std::unique_ptr<DeltaCheckpointer> open(std::string_view url, const OpenOptions& options) {
  const StoreUrl where = parse_store_url(url);
  // Checked whichever backend the URL names, so a bad option never waits
  // for the day the URL changes.
  if (options.pool_size == 0) throw InvalidArgument("deltackpt: OpenOptions.pool_size must be at least 1");
  if (!options.payload_encoding.empty()) detail::check_payload_encoding(options.payload_encoding, "deltackpt: OpenOptions.");
  std::unique_ptr<RowStore> store;
  switch (where.kind) {
    case StoreUrl::Kind::kMemory:
      store = open_memory();
      break;
    case StoreUrl::Kind::kSqlite:
      store = open_sqlite({.path = where.target,
                           .durability = options.durability,
                           .migrate = options.migrate && !options.read_only,
                           .read_only = options.read_only,
                           .payload_encoding = options.payload_encoding});
      break;
    case StoreUrl::Kind::kPostgres:
#if DELTACKPT_HAVE_POSTGRES
      store = open_postgres({.url = where.target,
                             .pool_size = options.pool_size,
                             .migrate = options.migrate && !options.read_only,
                             .read_only = options.read_only,
                             .payload_encoding = options.payload_encoding});
      break;
#else
      no_postgres();
#endif
  }
  DeltaOptions delta = options.delta;
  if (!options.deltas) delta.full_snapshot_interval = DeltaOptions::full_rows().full_snapshot_interval;
  return std::make_unique<DeltaCheckpointer>(std::move(store), std::move(delta));
}

SchemaStatus schema_status(std::string_view url) {
  const StoreUrl where = parse_store_url(url);
  switch (where.kind) {
    case StoreUrl::Kind::kMemory:
      throw InvalidArgument("deltackpt: an in-memory store has no schema to inspect");
    case StoreUrl::Kind::kSqlite:
      return sqlite_schema_status(where.target);
    case StoreUrl::Kind::kPostgres:
#if DELTACKPT_HAVE_POSTGRES
      return postgres_schema_status(where.target);
#else
      no_postgres();
#endif
  }
  throw InvalidArgument("deltackpt: unknown store kind");
}

SchemaStatus migrate(std::string_view url, std::optional<int> target) {
  const StoreUrl where = parse_store_url(url);
  switch (where.kind) {
    case StoreUrl::Kind::kMemory:
      throw InvalidArgument("deltackpt: an in-memory store has no schema to migrate");
    case StoreUrl::Kind::kSqlite:
      return migrate_sqlite(where.target, target);
    case StoreUrl::Kind::kPostgres:
#if DELTACKPT_HAVE_POSTGRES
      return migrate_postgres(where.target, target);
#else
      no_postgres();
#endif
  }
  throw InvalidArgument("deltackpt: unknown store kind");
}

}  // namespace deltackpt

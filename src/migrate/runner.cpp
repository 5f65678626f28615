// The migration runner: verify what was applied, then move forward only.
#include <cstdio>

#include "deltackpt/errors.hpp"
#include "migration.hpp"
#include "row_codec.hpp"

namespace deltackpt::detail {

std::string migration_checksum(std::string_view sql) { return checksum_text(fnv1a64(sql)); }

namespace {

std::string file_name(const EmbeddedMigration& m) {
  char number[8];
  std::snprintf(number, sizeof number, "%04d", m.version);
  return std::string(number) + "_" + m.name + ".up.sql";
}

}  // namespace

SchemaStatus run_migrations(MigrationTarget& db, const std::vector<EmbeddedMigration>& known,
                            bool apply, std::optional<int> target, bool require_current) {
  const std::string prefix = "deltackpt." + std::string(db.backend()) + ": ";
  const int latest = known.empty() ? 0 : known.back().version;
  if (target && (*target < 0 || *target > latest)) {
    throw InvalidArgument(prefix + "no schema version " + std::to_string(*target) +
                          " (this build knows 0 to " + std::to_string(latest) + ")");
  }
  auto rows = db.applied();
  int current = 0;
  for (const auto& row : rows) {
    if (row.version > latest) {
      throw SchemaError(prefix + "the database has schema version " + std::to_string(row.version) +
                        ", newer than this build of deltackpt supports (" + std::to_string(latest) +
                        "): upgrade deltackpt to open it");
    }
    const auto& m = known[static_cast<std::size_t>(row.version - 1)];
    const std::string expected = migration_checksum(m.up_sql);
    if (!row.checksum) {
      db.record_checksum(row.version, expected);  // applied by hand: trust on first sight
    } else if (*row.checksum != expected) {
      throw SchemaError(prefix + "migration " + file_name(m) + " applied to this database (checksum " +
                        *row.checksum + ") differs from the one this build ships (" + expected +
                        "): a shipped migration was edited. Restore the shipped file, or move "
                        "the data to a new database with `deltackpt compact`/`ingest`");
    }
    current = std::max(current, row.version);
  }
  if (target && *target < current) {
    throw InvalidArgument(prefix + "the database is at schema version " + std::to_string(current) +
                          "; deltackpt only migrates forward (apply the .down.sql files of "
                          "migrations/ by hand to go back)");
  }
  const int goal = target.value_or(latest);
  if (apply) {
    for (const auto& m : known) {
      if (m.version <= current || m.version > goal) continue;
      db.apply(m, migration_checksum(m.up_sql));
    }
    rows = db.applied();
  }
  SchemaStatus status;
  status.backend = std::string(db.backend());
  status.library_version = latest;
  for (const auto& m : known) status.migrations.push_back({m.version, m.name, false, {}});
  for (const auto& row : rows) {
    auto& state = status.migrations[static_cast<std::size_t>(row.version - 1)];
    state.applied = true;
    state.applied_at = row.applied_at;
    status.database_version = std::max(status.database_version, row.version);
  }
  if (require_current && status.database_version != latest) {
    throw SchemaError(prefix + "the database is at schema version " +
                      std::to_string(status.database_version) + ", this build needs " +
                      std::to_string(latest) + ": run `deltackpt migrate <db>` or open it with "
                      "migrations enabled");
  }
  return status;
}

}  // namespace deltackpt::detail

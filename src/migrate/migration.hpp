// Schema migrations embedded at build time, and the runner that applies them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deltackpt/migrate.hpp"

namespace deltackpt::detail {

struct EmbeddedMigration {
  int version;
  const char* name;
  std::string_view up_sql;
};

// Generated from migrations/<dialect>/ (cmake/EmbedMigrations.cmake).
const std::vector<EmbeddedMigration>& sqlite_migrations();
const std::vector<EmbeddedMigration>& postgres_migrations();

// FNV-1a 64 of the file, as 16 hex digits.
std::string migration_checksum(std::string_view sql);

// A row of deltackpt_migrations.
struct AppliedMigration {
  int version = 0;
  std::string name;
  std::optional<std::string> checksum;  // nullopt: applied by hand, not yet seen
  std::string applied_at;
};

// What the runner needs of a database connection.
class MigrationTarget {
 public:
  virtual ~MigrationTarget() = default;
  virtual std::string_view backend() const noexcept = 0;
  // Rows of deltackpt_migrations; empty when the table does not exist yet.
  virtual std::vector<AppliedMigration> applied() = 0;
  // In one transaction, holding the backend's migration lock: unless another
  // process applied it meanwhile, runs the migration's SQL (which records
  // its version) and stores its checksum.
  virtual void apply(const EmbeddedMigration& migration, const std::string& checksum) = 0;
  // Fills in the checksum of a migration applied by hand.
  virtual void record_checksum(int version, const std::string& checksum) = 0;
};

// Reads the schema state, verifies applied migrations against `known`
// (SchemaError on a newer schema or a changed migration), fills in the
// checksums of migrations applied by hand, then applies pending ones up to
// `target` (all when nullopt) if `apply` is true. Throws SchemaError when
// pending migrations remain and `apply` is false and `require_current` is true.
SchemaStatus run_migrations(MigrationTarget& db, const std::vector<EmbeddedMigration>& known,
                            bool apply, std::optional<int> target, bool require_current);

}  // namespace deltackpt::detail

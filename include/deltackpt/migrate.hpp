// Schema versions and migrations of the SQL backends.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "deltackpt/export.hpp"
#include "deltackpt/json.hpp"

namespace deltackpt {

struct MigrationState {
  int version = 0;
  std::string name;        // e.g. "initial", from 0001_initial.up.sql
  bool applied = false;
  std::string applied_at;  // ISO-8601, empty when not applied
};

struct SchemaStatus {
  std::string backend;       // "sqlite" or "postgres"
  int database_version = 0;  // highest migration applied (0: none)
  int library_version = 0;   // highest migration this build ships
  std::vector<MigrationState> migrations;  // every migration this build ships
  bool current() const noexcept { return database_version == library_version; }
};

// {backend, database_version, library_version, migrations: [{version, name,
// applied, applied_at}]}: what `deltackpt migrate --json` prints.
DELTACKPT_EXPORT Json to_json(const SchemaStatus& status);

}  // namespace deltackpt

// Runs the conformance cases against every backend, plain and delta-wrapped.
#define BOOST_TEST_MODULE conformance
#include <filesystem>

#include "conformance/cases.hpp"
#include "deltackpt/backends/sqlite.hpp"

namespace {

using namespace deltackpt;

// A fresh SQLite file per test case, removed afterwards.
struct TempFile {
  TempFile() {
    path = (std::filesystem::temp_directory_path() /
            ("deltackpt-conformance-" + new_checkpoint_id() + ".db")).string();
  }
  ~TempFile() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  std::string path;
};

struct MemoryFixture {
  std::unique_ptr<Checkpointer> store = open_memory();
  Checkpointer& cp() { return *store; }
};

struct DeltaMemoryFixture {
  // A short interval, so the cases cross full-row boundaries.
  std::unique_ptr<Checkpointer> store = std::make_unique<DeltaCheckpointer>(
      open_memory(), DeltaOptions{.full_snapshot_interval = 5});
  Checkpointer& cp() { return *store; }
};

struct SqliteFixture {
  TempFile file;
  std::unique_ptr<Checkpointer> store = open_sqlite({.path = file.path, .durability = Durability::kNormal});
  Checkpointer& cp() { return *store; }
};

struct DeltaSqliteFixture {
  TempFile file;
  std::unique_ptr<Checkpointer> store = std::make_unique<DeltaCheckpointer>(
      open_sqlite({.path = file.path, .durability = Durability::kNormal}),
      DeltaOptions{.full_snapshot_interval = 5});
  Checkpointer& cp() { return *store; }
};

struct DeltaSqliteLz4Fixture {
  TempFile file;
  std::unique_ptr<Checkpointer> store = std::make_unique<DeltaCheckpointer>(
      open_sqlite({.path = file.path, .durability = Durability::kNormal, .payload_encoding = "lz4"}),
      DeltaOptions{.full_snapshot_interval = 5});
  Checkpointer& cp() { return *store; }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(memory, MemoryFixture)
DELTACKPT_CONFORMANCE_CASES()
BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(delta_memory, DeltaMemoryFixture)
DELTACKPT_CONFORMANCE_CASES()
BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(sqlite, SqliteFixture)
DELTACKPT_CONFORMANCE_CASES()
BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(delta_sqlite, DeltaSqliteFixture)
DELTACKPT_CONFORMANCE_CASES()
BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(delta_sqlite_lz4, DeltaSqliteLz4Fixture)
DELTACKPT_CONFORMANCE_CASES()
BOOST_AUTO_TEST_SUITE_END()

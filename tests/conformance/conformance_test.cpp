// Runs the conformance cases against every backend, plain and delta-wrapped.
#define BOOST_TEST_MODULE conformance
#include <cstdlib>
#include <filesystem>

#include "conformance/cases.hpp"
#include "support/pg_env.hpp"
#include "deltackpt/backends/sqlite.hpp"
#include "deltackpt/config.hpp"
#if DELTACKPT_HAVE_POSTGRES
#include "deltackpt/backends/postgres.hpp"
#endif

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

// PostgreSQL: the server DELTACKPT_TEST_PG_DSN names, shared by every case
// (each uses fresh thread ids). Without it the suites are skipped, unless
// DELTACKPT_TEST_PG_REQUIRED=1 (scripts/test), which makes them fail.
using deltackpt::testing::pg_dsn;
using deltackpt::testing::pg_enabled;
using deltackpt::testing::pg_required;


#if DELTACKPT_HAVE_POSTGRES
std::unique_ptr<Checkpointer> open_test_postgres() {
  const std::string dsn = pg_dsn();
  if (dsn.empty()) BOOST_FAIL("DELTACKPT_TEST_PG_REQUIRED=1 but DELTACKPT_TEST_PG_DSN is not set");
  return open_postgres({.url = dsn});
}

struct PostgresFixture {
  std::unique_ptr<Checkpointer> store = open_test_postgres();
  Checkpointer& cp() { return *store; }
};

struct DeltaPostgresFixture {
  std::unique_ptr<Checkpointer> store = std::make_unique<DeltaCheckpointer>(
      open_test_postgres(), DeltaOptions{.full_snapshot_interval = 5});
  Checkpointer& cp() { return *store; }
};
#endif

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

#if DELTACKPT_HAVE_POSTGRES
BOOST_FIXTURE_TEST_SUITE(postgres, PostgresFixture, *boost::unit_test::precondition(pg_enabled))
DELTACKPT_CONFORMANCE_CASES()
BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(delta_postgres, DeltaPostgresFixture,
                         *boost::unit_test::precondition(pg_enabled))
DELTACKPT_CONFORMANCE_CASES()
BOOST_AUTO_TEST_SUITE_END()
#else
BOOST_AUTO_TEST_CASE(postgres, *boost::unit_test::precondition(pg_enabled)) {
  BOOST_FAIL("PostgreSQL tests were asked for, but this build has no PostgreSQL backend "
             "(configure with -DDELTACKPT_WITH_POSTGRES=ON)");
}
#endif

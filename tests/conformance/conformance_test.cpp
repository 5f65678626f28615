// Runs the conformance cases against every backend, plain and delta-wrapped.
#define BOOST_TEST_MODULE conformance
#include <cstdlib>
#include <filesystem>

#include "conformance/cases.hpp"
#include "conformance/model_cases.hpp"
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

// Each fixture is one backend behind a DeltaCheckpointer: full rows only
// (the plain backends), or deltas with a short interval, so that the cases
// cross full-row boundaries.
const DeltaOptions kPlain = DeltaOptions::full_rows();
const DeltaOptions kDeltas{.full_snapshot_interval = 5};

struct MemoryFixture {
  DeltaCheckpointer store{open_memory(), kPlain};
  DeltaCheckpointer& cp() { return store; }
};

struct DeltaMemoryFixture {
  DeltaCheckpointer store{open_memory(), kDeltas};
  DeltaCheckpointer& cp() { return store; }
};

struct SqliteFixture {
  TempFile file;
  DeltaCheckpointer store{open_sqlite({.path = file.path, .durability = Durability::kNormal}), kPlain};
  DeltaCheckpointer& cp() { return store; }
};

struct DeltaSqliteFixture {
  TempFile file;
  DeltaCheckpointer store{open_sqlite({.path = file.path, .durability = Durability::kNormal}), kDeltas};
  DeltaCheckpointer& cp() { return store; }
};

struct DeltaSqliteLz4Fixture {
  TempFile file;
  DeltaCheckpointer store{
      open_sqlite({.path = file.path, .durability = Durability::kNormal, .payload_encoding = "lz4"}), kDeltas};
  DeltaCheckpointer& cp() { return store; }
};

struct DeltaSqliteZstdFixture {
  TempFile file;
  DeltaCheckpointer store{
      open_sqlite({.path = file.path, .durability = Durability::kNormal, .payload_encoding = "zstd"}), kDeltas};
  DeltaCheckpointer& cp() { return store; }
};

// PostgreSQL: the server DELTACKPT_TEST_PG_DSN names, shared by every case
// (each uses fresh thread ids). Without it the suites are skipped, unless
// DELTACKPT_TEST_PG_REQUIRED=1 (scripts/test), which makes them fail.
using deltackpt::testing::pg_dsn;
using deltackpt::testing::pg_enabled;
using deltackpt::testing::pg_required;


#if DELTACKPT_HAVE_POSTGRES
// The payload encoding is a setting of the database, so each fixture names
// the one it tests.
std::unique_ptr<RowStore> open_test_postgres(std::string payload_encoding) {
  const std::string dsn = pg_dsn();
  if (dsn.empty()) BOOST_FAIL("DELTACKPT_TEST_PG_REQUIRED=1 but DELTACKPT_TEST_PG_DSN is not set");
  return open_postgres({.url = dsn, .payload_encoding = std::move(payload_encoding)});
}

struct PostgresFixture {
  DeltaCheckpointer store{open_test_postgres("json"), kPlain};
  DeltaCheckpointer& cp() { return store; }
};

struct DeltaPostgresFixture {
  DeltaCheckpointer store{open_test_postgres("json"), kDeltas};
  DeltaCheckpointer& cp() { return store; }
};

// Sets the database back to "json" when done, for whatever opens it next.
struct DeltaPostgresZstdFixture {
  DeltaCheckpointer store{open_test_postgres("zstd"), kDeltas};
  DeltaCheckpointer& cp() { return store; }
  ~DeltaPostgresZstdFixture() {
    try {
      open_test_postgres("json");
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("could not set payload_encoding back to json: " << e.what());
    }
  }
};
#endif

}  // namespace

BOOST_FIXTURE_TEST_SUITE(memory, MemoryFixture)
DELTACKPT_CONFORMANCE_CASES()
DELTACKPT_MODEL_CASES()
BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(delta_memory, DeltaMemoryFixture)
DELTACKPT_CONFORMANCE_CASES()
DELTACKPT_MODEL_CASES()
BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(sqlite, SqliteFixture)
DELTACKPT_CONFORMANCE_CASES()
DELTACKPT_MODEL_CASES()
BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(delta_sqlite, DeltaSqliteFixture)
DELTACKPT_CONFORMANCE_CASES()
DELTACKPT_MODEL_CASES()
BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(delta_sqlite_lz4, DeltaSqliteLz4Fixture)
DELTACKPT_CONFORMANCE_CASES()
DELTACKPT_MODEL_CASES()
BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(delta_sqlite_zstd, DeltaSqliteZstdFixture)
DELTACKPT_CONFORMANCE_CASES()
DELTACKPT_MODEL_CASES()
BOOST_AUTO_TEST_SUITE_END()

#if DELTACKPT_HAVE_POSTGRES
BOOST_FIXTURE_TEST_SUITE(postgres, PostgresFixture, *boost::unit_test::precondition(pg_enabled))
DELTACKPT_CONFORMANCE_CASES()
DELTACKPT_MODEL_CASES()
BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(delta_postgres, DeltaPostgresFixture,
                         *boost::unit_test::precondition(pg_enabled))
DELTACKPT_CONFORMANCE_CASES()
DELTACKPT_MODEL_CASES()
BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(delta_postgres_zstd, DeltaPostgresZstdFixture,
                         *boost::unit_test::precondition(pg_enabled))
DELTACKPT_CONFORMANCE_CASES()
DELTACKPT_MODEL_CASES()
BOOST_AUTO_TEST_SUITE_END()
#else
BOOST_AUTO_TEST_CASE(postgres, *boost::unit_test::precondition(pg_enabled)) {
  BOOST_FAIL("PostgreSQL tests were asked for, but this build has no PostgreSQL backend "
             "(configure with -DDELTACKPT_WITH_POSTGRES=ON)");
}
#endif

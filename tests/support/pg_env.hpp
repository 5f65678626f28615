// Which PostgreSQL server the tests use: DELTACKPT_TEST_PG_DSN names it; with
// DELTACKPT_TEST_PG_REQUIRED=1 (scripts/test) its absence fails the suites
// instead of skipping them.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <string>

namespace deltackpt::testing {

inline std::string pg_dsn() {
  const char* dsn = std::getenv("DELTACKPT_TEST_PG_DSN");
  return dsn != nullptr ? dsn : "";
}

inline bool pg_required() {
  const char* required = std::getenv("DELTACKPT_TEST_PG_REQUIRED");
  return required != nullptr && std::string(required) == "1";
}

// Precondition for PostgreSQL suites: run when a server is named or required.
inline boost::test_tools::assertion_result pg_enabled(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result enabled(!pg_dsn().empty() || pg_required());
  enabled.message() << "DELTACKPT_TEST_PG_DSN is not set";
  return enabled;
}

}  // namespace deltackpt::testing

// A scratch PostgreSQL database per bench run, and the size of deltackpt's tables in it.
#pragma once

#include "deltackpt/config.hpp"

#if DELTACKPT_HAVE_POSTGRES
#include <cstdint>
#include <string>

namespace deltackpt::bench {

// Creates a fresh database on the server `server_url` points at (the
// connection's user must be allowed to CREATE DATABASE) and drops it, with
// any connection still open to it, on destruction.
class PgScratchDb {
 public:
  PgScratchDb(const std::string& server_url, const std::string& name);
  ~PgScratchDb();
  PgScratchDb(const PgScratchDb&) = delete;
  PgScratchDb& operator=(const PgScratchDb&) = delete;

  // A libpq connection string for the scratch database.
  const std::string& url() const noexcept { return url_; }

  // VACUUM of the tables (so every run is measured in the same state, not
  // whenever autovacuum passed), then pg_total_relation_size (heap, TOAST,
  // indexes, free-space and visibility maps) of checkpoints + threads.
  std::int64_t table_bytes();

 private:
  std::string server_url_;
  std::string name_;
  std::string url_;
};

}  // namespace deltackpt::bench
#endif

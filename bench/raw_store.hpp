// The `raw` strategy: the floor. Rows exactly as deltackpt's delta strategy
// writes them, precomputed, then inserted with one prepared INSERT each and
// nothing else: no validation, no diff, no head check, no head update, no
// explicit transaction (autocommit). SQLite through the sqlite3 C API,
// PostgreSQL through libpqxx, memory through RowStore::insert.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "deltackpt/backends/sqlite.hpp"
#include "deltackpt/config.hpp"
#include "deltackpt/row_store.hpp"

namespace deltackpt::bench {

// A row with every bound value already turned into the text the INSERT
// binds, so the timed insert does nothing but bind and execute.
struct RawRow {
  StoredRow row;
  std::string kind;        // "full" / "delta"
  std::string created_at;  // format_timestamp
  std::string checksum;    // 16 hex digits
};
RawRow make_raw_row(StoredRow row);

class RawWriter {
 public:
  virtual ~RawWriter() = default;
  // Inserts the row: one prepared statement, one round trip, autocommit.
  virtual void insert(const RawRow& row) = 0;
  // Untimed: records the thread's head so deltackpt can open and verify the
  // rows. Not part of the floor.
  virtual void finish(const RawRow& last) = 0;
};

// The schema is created by deltackpt (open_sqlite) first, so the table,
// its indexes and the pragmas (WAL, synchronous) are the ones deltackpt uses.
std::unique_ptr<RawWriter> open_raw_sqlite(const std::string& path, Durability durability);
// `store` must outlive the writer.
std::unique_ptr<RawWriter> open_raw_memory(RowStore& store);
#if DELTACKPT_HAVE_POSTGRES
// The schema is created by deltackpt (open_postgres) first.
std::unique_ptr<RawWriter> open_raw_postgres(const std::string& url);
#endif

}  // namespace deltackpt::bench

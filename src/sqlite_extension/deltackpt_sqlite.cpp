// A loadable extension for the sqlite3 shell (and any SQLite program) that
// reads deltackpt files whatever their encoding:
//   sqlite3 agent.db -cmd '.load PATH/libdeltackpt_sqlite'
//   deltackpt_payload(checkpoint_id)  a row's payload as JSON text
//   deltackpt_state(checkpoint_id)    the state of a checkpoint, rebuilt
// Both return NULL for an unknown id and fail with deltackpt's message for a
// damaged row. They run their one chain query on the caller's connection,
// through the sqlite3_api table the host hands over; this module calls no
// SQLite of its own, so it never mixes two copies of SQLite in one process.
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "backends/row_columns.hpp"
#include "backends/sqlite/sqlite_queries.hpp"
#include "deltackpt/json.hpp"
#include "deltackpt/limits.hpp"
#include "replay.hpp"
#include "row_codec.hpp"

namespace {

using deltackpt::StoredRow;

// A prepared statement of the host's connection, finalized on every path.
class HostStatement {
 public:
  HostStatement(sqlite3* db, const std::string& sql) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("deltackpt: ") + sqlite3_errmsg(db) +
                               " (is this a deltackpt database?)");
    }
  }
  ~HostStatement() { sqlite3_finalize(stmt_); }
  HostStatement(const HostStatement&) = delete;
  HostStatement& operator=(const HostStatement&) = delete;
  sqlite3_stmt* get() const noexcept { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// decode_header's view of a row of chain_sql.
struct HostColumns {
  sqlite3_stmt* s;
  std::string text(int i) const {
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(s, i));
    return bytes == nullptr ? std::string() : std::string(bytes, static_cast<std::size_t>(sqlite3_column_bytes(s, i)));
  }
  std::int64_t integer(int i, const deltackpt::RowHeader&, const char*) const { return sqlite3_column_int64(s, i); }
};

// The rows a load of `checkpoint_id` reads, oldest first (empty: unknown id).
std::vector<StoredRow> chain_of(sqlite3* db, const std::string& checkpoint_id) {
  HostStatement statement(db, deltackpt::detail::sqlite::chain_sql("checkpoint_id = ?1"));
  sqlite3_bind_text(statement.get(), 1, checkpoint_id.data(), static_cast<int>(checkpoint_id.size()), SQLITE_TRANSIENT);
  std::vector<StoredRow> rows;
  for (int rc; (rc = sqlite3_step(statement.get())) != SQLITE_DONE;) {
    if (rc != SQLITE_ROW) throw std::runtime_error(std::string("deltackpt: ") + sqlite3_errmsg(db));
    const HostColumns columns{statement.get()};
    StoredRow row;
    row.header = deltackpt::detail::decode_header(columns);
    row.payload = columns.text(deltackpt::detail::sqlite::kPayloadColumn);
    rows.push_back(std::move(row));
  }
  return rows;
}

// The payload of the last of `chain` as JSON text.
std::string payload_json(const std::vector<StoredRow>& chain, const deltackpt::Limits& limits) {
  return deltackpt::detail::last_payload_text(chain, limits);
}

// The state of the last of `chain`, replayed as every load does.
std::string state_json(const std::vector<StoredRow>& chain, const deltackpt::Limits& limits) {
  if (chain.front().header.kind != deltackpt::RowKind::kFull) {
    deltackpt::detail::throw_row_corruption(chain.front().header, "the chain has no full row");
  }
  deltackpt::detail::ForwardReplay replay(chain, limits);
  std::shared_ptr<const deltackpt::Json> state;
  for (std::size_t i = 0; i < chain.size(); ++i) state = replay.next(i).state;
  if (static_cast<std::int64_t>(deltackpt::serialized_size(*state)) != chain.back().header.state_size) {
    deltackpt::detail::throw_row_corruption(chain.back().header, "rebuilt state does not have the recorded size");
  }
  return state->dump();
}

template <std::string (*Read)(const std::vector<StoredRow>&, const deltackpt::Limits&)>
void sql_function(sqlite3_context* context, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(context);
  try {
    const auto* id = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    const auto chain = chain_of(sqlite3_context_db_handle(context),
                                std::string(id, static_cast<std::size_t>(sqlite3_value_bytes(argv[0]))));
    if (chain.empty()) return sqlite3_result_null(context);
    const std::string json = Read(chain, deltackpt::Limits{});
    sqlite3_result_text64(context, json.data(), json.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  } catch (const std::bad_alloc&) {
    sqlite3_result_error_nomem(context);
  } catch (const std::exception& e) {
    sqlite3_result_error(context, e.what(), -1);
  }
}

}  // namespace

// The entry point sqlite3 derives from the file name libdeltackpt_sqlite.
extern "C" __attribute__((visibility("default"))) int sqlite3_deltackptsqlite_init(
    sqlite3* db, char** error, const sqlite3_api_routines* api) {
  SQLITE_EXTENSION_INIT2(api);
  (void)error;
  const int flags = SQLITE_UTF8;
  int rc = sqlite3_create_function_v2(db, "deltackpt_payload", 1, flags, nullptr, sql_function<payload_json>,
                                      nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function_v2(db, "deltackpt_state", 1, flags, nullptr, sql_function<state_json>, nullptr,
                                    nullptr, nullptr);
  }
  return rc;
}

// PostgresRowStore: the RowStore contract on a pool of PostgreSQL connections.
//
// Every save is one prepared statement run in autocommit (one round trip):
// a CTE that moves the thread's head under a condition and inserts the row
// only if the head moved. Under READ COMMITTED the conditional UPDATE (or
// INSERT ... ON CONFLICT) of the `threads` row is the atomic check-and-move:
// a concurrent writer waits for the row lock, then re-checks the condition
// against the committed head. Extra queries run only on the failure path, to
// say why nothing was inserted. Every load is one WITH RECURSIVE query.
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <set>

#include "deltackpt/backends/postgres.hpp"
#include "deltackpt/errors.hpp"
#include "deltackpt/row_store.hpp"
#include "json_internal.hpp"
#include "migrate/migration.hpp"
#include "pg_pool.hpp"
#include "row_codec.hpp"
#include "../row_columns.hpp"

namespace deltackpt {
namespace {

using detail::postgres::Pool;

constexpr std::string_view kPrefix = "deltackpt.postgres: ";

// Held (transaction-scoped) while a migration is applied, so processes that
// start together apply each migration once. "deltackp" in ASCII; a DBA
// applying migrations by hand can take it too (docs/postgres.md).
constexpr std::int64_t kMigrationLockKey = 0x64656C7461636B70;

// How many times a save re-runs when it lost a race that left nothing to
// report (two first saves of a thread at once, a thread removed meanwhile).
constexpr int kMaxInsertAttempts = 8;

// Prepared statement names, prepared once per connection.
const std::string kInsertExtend = "dckpt_insert_extend";
const std::string kInsertFork = "dckpt_insert_fork";
const std::string kInsertAppend = "dckpt_insert_append";
const std::string kWhyNotInserted = "dckpt_why_not_inserted";
const std::string kHead = "dckpt_head";
const std::string kHeader = "dckpt_header";
const std::string kChain = "dckpt_chain";
const std::string kChains = "dckpt_chains";
const std::string kSeqOf = "dckpt_seq_of";
const std::string kNamespaces = "dckpt_namespaces";
const std::string kInsertWrite = "dckpt_insert_write";
const std::string kReplaceWrite = "dckpt_replace_write";
const std::string kReadWrites = "dckpt_read_writes";
const std::string kWriteTotals = "dckpt_write_totals";
const std::string kHeadChain = "dckpt_head_chain";
const std::string kRows = "dckpt_rows";
const std::string kThreads = "dckpt_threads";
const std::string kLockThread = "dckpt_lock_thread";
const std::string kLockOwner = "dckpt_lock_owner";
const std::string kChainLink = "dckpt_chain_link";
const std::string kChainRows = "dckpt_chain_rows";
const std::string kRemoveThread = "dckpt_remove_thread";
const std::string kUpdateRow = "dckpt_update_row";
const std::string kDeleteRows = "dckpt_delete_rows";
const std::string kLineage = "dckpt_lineage";
const std::string kQuarantine = "dckpt_quarantine";
const std::string kMoveHeads = "dckpt_move_heads";
const std::string kDropHeads = "dckpt_drop_heads";
const std::string kQuarantined = "dckpt_quarantined";

// Columns read back, in read_header's order; created_at as format_timestamp
// writes it, whatever the session's TimeZone and DateStyle.
constexpr const char* kHeaderColumns =
    "c.thread_id, c.checkpoint_id, coalesce(c.parent_id, ''), c.step, c.kind, c.base_id, "
    "c.depth, to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "c.metadata, c.pending_nodes, c.encoding, c.payload_size, c.state_size, c.checksum, c.checkpoint_ns";
constexpr int kPayloadTextColumn = 15;
constexpr int kPayloadBytesColumn = 16;

// Parameters of every statement that writes a row (exec_row binds them):
//   $1 thread_id  $2 checkpoint_id  $3 step  $4 kind  $5 base_id  $6 depth
//   $7 created_at (ISO-8601 text)  $8 metadata  $9 pending_nodes  $10 encoding
//   $11 payload_size  $12 state_size  $13 checksum  $14 payload (text or NULL)
//   $15 payload_bytes (bytea or NULL)  $16 checkpoint_ns  $17 parent_id ('' for
//   none; absent for the append statement, whose parent is the head it locks)
constexpr const char* kRowColumns =
    "thread_id, checkpoint_id, parent_id, step, kind, base_id, depth, created_at, metadata, "
    "pending_nodes, encoding, payload_size, state_size, checksum, payload, payload_bytes, checkpoint_ns";
std::string row_values(const std::string& parent) {
  return "$1::text, $2::text, " + parent +
         ", $3::bigint, $4::text, $5::text, $6::integer, $7::timestamptz, $8::text, $9::text, "
         "$10::text, $11::bigint, $12::bigint, $13::text, $14::text, $15::bytea, $16::text";
}

// The row's (thread, namespace), whose head a save moves.
constexpr const char* kOwnerIs = "thread_id = $1::text AND checkpoint_ns = $16::text";

// kExtend: the head must be $17 (or the thread must not exist when $17 is
// empty). The UPDATE re-checks head_id against the committed row after
// waiting for a concurrent writer's lock, so two writers extending the same
// head cannot both succeed.
std::string insert_extend_sql() {
  return "WITH moved AS ("
         " UPDATE threads SET head_id = $2::text, updated_at = $7::timestamptz"
         " WHERE " + std::string(kOwnerIs) + " AND head_id = $17::text"
         " RETURNING 1),"
         " created AS ("
         " INSERT INTO threads (thread_id, checkpoint_ns, head_id, created_at, updated_at)"
         " SELECT $1::text, $16::text, $2::text, $7::timestamptz, $7::timestamptz WHERE $17::text = ''"
         " ON CONFLICT (thread_id, checkpoint_ns) DO NOTHING"
         " RETURNING 1)"
         " INSERT INTO checkpoints (" + std::string(kRowColumns) + ")"
         " SELECT " + row_values("NULLIF($17::text, '')") +
         " WHERE EXISTS (SELECT 1 FROM moved) OR EXISTS (SELECT 1 FROM created)"
         " RETURNING seq";
}

// kFork: the parent $17 must be a row of the thread and namespace (locked
// against a concurrent delete until the insert commits); the head moves
// whatever it was.
std::string insert_fork_sql() {
  return "WITH parent AS ("
         " SELECT 1 FROM checkpoints WHERE checkpoint_id = $17::text AND " + std::string(kOwnerIs) +
         " FOR KEY SHARE),"
         " head AS ("
         " INSERT INTO threads (thread_id, checkpoint_ns, head_id, created_at, updated_at)"
         " SELECT $1::text, $16::text, $2::text, $7::timestamptz, $7::timestamptz"
         " WHERE $17::text = '' OR EXISTS (SELECT 1 FROM parent)"
         " ON CONFLICT (thread_id, checkpoint_ns) DO UPDATE"
         " SET head_id = excluded.head_id, updated_at = excluded.updated_at"
         " RETURNING 1)"
         " INSERT INTO checkpoints (" + std::string(kRowColumns) + ")"
         " SELECT " + row_values("NULLIF($17::text, '')") +
         " WHERE EXISTS (SELECT 1 FROM head)"
         " RETURNING seq";
}

// kAppend: the parent is the head, read under FOR UPDATE (which waits for a
// concurrent writer and returns the row it committed), so concurrent appends
// queue up instead of conflicting. Only two first saves of one thread can
// collide (ON CONFLICT DO NOTHING); the loser inserts nothing and re-runs.
std::string insert_append_sql() {
  return "WITH cur AS ("
         " SELECT head_id FROM threads WHERE " + std::string(kOwnerIs) + " FOR UPDATE),"
         " moved AS ("
         " UPDATE threads SET head_id = $2::text, updated_at = $7::timestamptz"
         " WHERE " + std::string(kOwnerIs) + " AND EXISTS (SELECT 1 FROM cur)"
         " RETURNING 1),"
         " created AS ("
         " INSERT INTO threads (thread_id, checkpoint_ns, head_id, created_at, updated_at)"
         " SELECT $1::text, $16::text, $2::text, $7::timestamptz, $7::timestamptz"
         " WHERE NOT EXISTS (SELECT 1 FROM cur)"
         " ON CONFLICT (thread_id, checkpoint_ns) DO NOTHING"
         " RETURNING 1)"
         " INSERT INTO checkpoints (" + std::string(kRowColumns) + ")"
         " SELECT " + row_values("(SELECT head_id FROM cur)") +
         " WHERE EXISTS (SELECT 1 FROM moved) OR EXISTS (SELECT 1 FROM created)"
         " RETURNING seq";
}

// Chains in one query: walk parent links from the wanted rows back to the
// nearest full rows, carrying only keys (UNION visits a row shared by
// several chains once), then read those rows in insertion order.
std::string chain_sql(const std::string& start) {
  return "WITH RECURSIVE chain (link_seq, link_parent, link_kind) AS ("
         " SELECT seq, parent_id, kind FROM checkpoints WHERE " + start +
         " UNION"
         " SELECT p.seq, p.parent_id, p.kind FROM checkpoints p"
         " JOIN chain ON p.checkpoint_id = chain.link_parent"
         " WHERE chain.link_kind = 'delta')"
         " SELECT " + std::string(kHeaderColumns) + ", c.payload, c.payload_bytes"
         " FROM chain JOIN checkpoints c ON c.seq = chain.link_seq"
         " ORDER BY c.seq";
}

void prepare_statements(pqxx::connection& cx) {
  const std::string cols = kHeaderColumns;
  cx.prepare(kInsertExtend, insert_extend_sql());
  cx.prepare(kInsertFork, insert_fork_sql());
  cx.prepare(kInsertAppend, insert_append_sql());
  const std::string head_of = "(SELECT head_id FROM threads WHERE thread_id = $1::text AND checkpoint_ns = $2::text)";
  cx.prepare(kWhyNotInserted,
             "SELECT (SELECT thread_id FROM checkpoints WHERE checkpoint_id = $3::text),"
             " (SELECT checkpoint_ns FROM checkpoints WHERE checkpoint_id = $3::text), " + head_of);
  cx.prepare(kHead, "SELECT " + cols + " FROM checkpoints c WHERE c.checkpoint_id = " + head_of);
  cx.prepare(kHeader, "SELECT " + cols + " FROM checkpoints c WHERE c.checkpoint_id = $1::text");
  cx.prepare(kSeqOf, "SELECT seq FROM checkpoints WHERE checkpoint_id = $1::text");
  cx.prepare(kChain, chain_sql("checkpoint_id = $1::text"));
  cx.prepare(kHeadChain, chain_sql("checkpoint_id = " + head_of));
  cx.prepare(kChains, chain_sql("checkpoint_id = ANY ($1::text[])"));
  cx.prepare(kRows, "SELECT " + cols +
                        ", c.payload, c.payload_bytes FROM checkpoints c"
                        " WHERE c.thread_id = $1::text ORDER BY c.seq");
  cx.prepare(kThreads, "SELECT thread_id FROM threads UNION SELECT thread_id FROM writes ORDER BY thread_id");
  cx.prepare(kNamespaces, "SELECT checkpoint_ns FROM threads WHERE thread_id = $1::text ORDER BY checkpoint_ns");
  cx.prepare(kLockThread, "SELECT head_id FROM threads WHERE thread_id = $1::text FOR UPDATE");
  cx.prepare(kLockOwner, "SELECT 1 FROM threads WHERE thread_id = $1::text AND checkpoint_ns = $2::text FOR UPDATE");
  const std::string link_cols = "SELECT checkpoint_id, coalesce(parent_id, ''), kind, base_id, encoding, checksum FROM checkpoints";
  cx.prepare(kChainLink, link_cols + " WHERE checkpoint_id IN ($1::text, $2::text)");
  cx.prepare(kChainRows, link_cols + " WHERE thread_id = $1::text AND encoding = 'zstd-chain'");
  cx.prepare(kRemoveThread,
             "WITH gone AS (DELETE FROM checkpoints WHERE thread_id = $1::text RETURNING 1),"
             " head AS (DELETE FROM threads WHERE thread_id = $1::text),"
             " writes AS (DELETE FROM writes WHERE thread_id = $1::text),"
             " quarantined AS (DELETE FROM quarantined_checkpoints WHERE thread_id = $1::text)"
             " SELECT count(*) FROM gone");
  cx.prepare(kLineage, "SELECT checkpoint_id, coalesce(parent_id, ''), kind FROM checkpoints"
                       " WHERE thread_id = $1::text ORDER BY seq");
  // Moves rows $2 (with reasons $3) of thread $1, in their order.
  const std::string copied =
      "thread_id, checkpoint_ns, checkpoint_id, parent_id, step, kind, base_id, depth, created_at, metadata,"
      " pending_nodes, encoding, payload_size, state_size, checksum, payload, payload_bytes";
  cx.prepare(kQuarantine,
             "WITH named AS (SELECT * FROM unnest($2::text[], $3::text[]) AS n (id, reason)),"
             " moved AS (DELETE FROM checkpoints c USING named WHERE c.thread_id = $1::text"
             " AND c.checkpoint_id = named.id RETURNING c.seq, " + copied + ", named.reason)"
             " INSERT INTO quarantined_checkpoints (original_seq, " + copied + ", reason, quarantined_at)"
             " SELECT seq, " + copied + ", reason, $4::timestamptz FROM moved ORDER BY seq");
  const std::string rows_of_owner =
      "SELECT c.checkpoint_id FROM checkpoints c WHERE c.thread_id = t.thread_id"
      " AND c.checkpoint_ns = t.checkpoint_ns";
  cx.prepare(kMoveHeads, "UPDATE threads t SET head_id = (" + rows_of_owner +
                             " ORDER BY c.seq DESC LIMIT 1), updated_at = $2::timestamptz WHERE t.thread_id = $1::text"
                             " AND t.head_id NOT IN (" + rows_of_owner + ") AND EXISTS (" + rows_of_owner + ")");
  cx.prepare(kDropHeads, "DELETE FROM threads t WHERE t.thread_id = $1::text AND NOT EXISTS (" + rows_of_owner + ")");
  cx.prepare(kQuarantined,
             "SELECT thread_id, checkpoint_ns, checkpoint_id, coalesce(kind, ''), coalesce(encoding, ''),"
             " coalesce(checksum, ''), payload, payload_bytes, reason,"
             " to_char(quarantined_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
             " FROM quarantined_checkpoints WHERE $1::text = '' OR thread_id = $1::text ORDER BY seq");
  const std::string write_insert =
      "INSERT INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, task_path, channel, type,"
      " value_size, value, value_encoding) VALUES ($1::text, $2::text, $3::text, $4::text, $5::bigint, $6::text,"
      " $7::text, $8::text, $9::bigint, $10::bytea, $11::text)"
      " ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) ";
  cx.prepare(kInsertWrite, write_insert + "DO NOTHING");
  cx.prepare(kReplaceWrite, write_insert +
                                "DO UPDATE SET task_path = excluded.task_path, channel = excluded.channel,"
                                " type = excluded.type, value_size = excluded.value_size, value = excluded.value,"
                                " value_encoding = excluded.value_encoding");
  cx.prepare(kReadWrites,
             "SELECT w.thread_id, w.checkpoint_ns, w.checkpoint_id, task_id, task_path, idx, channel, type,"
             " value_size, value, k.n, value_encoding FROM writes w"
             " JOIN unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k (t, ns, id, n)"
             " ON w.thread_id = k.t AND w.checkpoint_ns = k.ns AND w.checkpoint_id = k.id"
             " ORDER BY k.n, task_path, task_id, idx");
  cx.prepare(kWriteTotals,
             "SELECT checkpoint_ns, checkpoint_id, count(*), sum(value_size) FROM writes"
             " WHERE thread_id = $1::text GROUP BY checkpoint_ns, checkpoint_id"
             " ORDER BY checkpoint_ns, checkpoint_id");
  cx.prepare(kUpdateRow,
             "UPDATE checkpoints SET parent_id = NULLIF($17::text, ''), step = $3::bigint,"
             " kind = $4::text, base_id = $5::text, depth = $6::integer,"
             " created_at = $7::timestamptz, metadata = $8::text, pending_nodes = $9::text,"
             " encoding = $10::text, payload_size = $11::bigint, state_size = $12::bigint,"
             " checksum = $13::text, payload = $14::text, payload_bytes = $15::bytea"
             " WHERE thread_id = $1::text AND checkpoint_id = $2::text AND checkpoint_ns = $16::text");
  cx.prepare(kDeleteRows,
             "WITH gone AS (DELETE FROM checkpoints WHERE thread_id = $1::text"
             " AND checkpoint_id = ANY ($2::text[]) RETURNING checkpoint_ns, checkpoint_id),"
             " writes AS (DELETE FROM writes w USING gone WHERE w.thread_id = $1::text"
             " AND w.checkpoint_ns = gone.checkpoint_ns AND w.checkpoint_id = gone.checkpoint_id)"
             " SELECT checkpoint_id FROM gone");
}

std::string text(const pqxx::field& f) { return std::string(f.c_str(), f.size()); }

std::int64_t integer(const pqxx::field& f, const RowHeader& h, const char* what) {
  std::int64_t value = 0;
  const char* end = f.c_str() + f.size();
  const auto [stop, error] = std::from_chars(f.c_str(), end, value);
  if (error != std::errc() || stop != end || f.size() == 0) {
    detail::throw_row_corruption(h, std::string(what) + " is not an integer");
  }
  return value;
}

// The header columns of a result row that selects kHeaderColumns first.
struct ResultColumns {
  const pqxx::row& r;
  std::string text(int i) const { return deltackpt::text(r[i]); }
  std::int64_t integer(int i, const RowHeader& h, const char* what) const {
    return deltackpt::integer(r[i], h, what);
  }
};

RowHeader read_header(const pqxx::row& r) { return detail::decode_header(ResultColumns{r}); }

StoredRow read_row(const pqxx::row& r) {
  StoredRow row;
  row.header = read_header(r);
  if (!r[kPayloadTextColumn].is_null()) {
    row.payload = text(r[kPayloadTextColumn]);
  } else {
    const pqxx::binarystring bytes(r[kPayloadBytesColumn]);
    row.payload.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  return row;
}

// JSON payloads go in the text column, readable with psql; anything text
// cannot hold byte for byte (lz4, or bytes that are not UTF-8 without NUL,
// such as a damaged payload being rewritten) goes in the bytea column.
bool stored_as_text(const StoredRow& row) {
  const std::string& p = row.payload;
  return row.header.encoding == detail::kJsonEncoding &&
         std::memchr(p.data(), '\0', p.size()) == nullptr &&
         detail::valid_utf8_prefix(p) == p.size();
}

// Runs a row-writing statement with parameters $1..$16 (see kRowColumns),
// then `extra` as $17...
template <class... Extra>
pqxx::result exec_row(pqxx::transaction_base& tx, const std::string& statement,
                      const StoredRow& row, const Extra&... extra) {
  const RowHeader& h = row.header;
  const std::string kind = to_string(h.kind);
  const std::string created = format_timestamp(h.created_at);
  const std::string checksum = checksum_text(h.checksum);
  if (stored_as_text(row)) {
    return tx.exec_prepared(statement, h.thread_id, h.checkpoint_id, h.step, kind, h.base_id,
                            h.depth, created, h.metadata, h.pending_nodes, h.encoding,
                            h.payload_size, h.state_size, checksum, row.payload, nullptr,
                            h.checkpoint_ns, extra...);
  }
  return tx.exec_prepared(statement, h.thread_id, h.checkpoint_id, h.step, kind, h.base_id,
                          h.depth, created, h.metadata, h.pending_nodes, h.encoding,
                          h.payload_size, h.state_size, checksum, nullptr,
                          pqxx::binarystring(row.payload), h.checkpoint_ns, extra...);
}

// A PostgreSQL array literal of text values.
std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const auto& v : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (const char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}


// Runs `f`, translating every pqxx exception it throws.
template <class F>
auto guarded(const std::string& operation, F&& f) {
  try {
    return f();
  } catch (...) {
    std::rethrow_exception(detail::postgres::translate_current_exception(operation).error);
  }
}

// Runs `f` on a connection of `pool`, translating every pqxx exception and
// closing the connection when it broke (then setting *lost, if given).
template <class F>
auto with_connection(Pool& pool, const std::string& operation, F&& f, bool* lost = nullptr) {
  auto lease = guarded(operation, [&] { return pool.acquire(); });
  try {
    return f(*lease);
  } catch (...) {
    auto translated = detail::postgres::translate_current_exception(operation);
    if (translated.connection_lost || !lease->is_open()) {
      lease.discard();
      if (lost != nullptr) *lost = true;
    }
    std::rethrow_exception(translated.error);
  }
}

// The migration runner's view of one connection.
class PgMigrationTarget final : public detail::MigrationTarget {
 public:
  PgMigrationTarget(pqxx::connection& cx, bool read_only) : cx_(cx), read_only_(read_only) {}
  std::string_view backend() const noexcept override { return "postgres"; }

  std::vector<detail::AppliedMigration> applied() override {
    return guarded("read deltackpt_migrations", [&] {
      std::vector<detail::AppliedMigration> out;
      pqxx::nontransaction tx(cx_);
      if (!table_exists(tx)) return out;
      const pqxx::result r = tx.exec(
          "SELECT version, name, checksum,"
          " to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
          " FROM deltackpt_migrations ORDER BY version");
      for (const auto& row : r) {
        detail::AppliedMigration m;
        m.version = row[0].as<int>();
        m.name = text(row[1]);
        if (!row[2].is_null()) m.checksum = text(row[2]);
        m.applied_at = text(row[3]);
        out.push_back(std::move(m));
      }
      return out;
    });
  }

  void apply(const detail::EmbeddedMigration& m, const std::string& checksum) override {
    char file[64];
    std::snprintf(file, sizeof file, "%04d_%s.up.sql", m.version, m.name);
    const std::string what = "migrate to version " + std::to_string(m.version) + " (" + file + ")";
    guarded(what, [&] {
      pqxx::work tx(cx_);
      tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
      if (table_exists(tx) &&
          !tx.exec_params("SELECT 1 FROM deltackpt_migrations WHERE version = $1", m.version)
               .empty()) {
        return;  // another process applied it while we waited for the lock
      }
      try {
        tx.exec(std::string(m.up_sql));
      } catch (const pqxx::sql_error& e) {
        if (e.sqlstate().substr(0, 2) == "08") throw;
        throw SchemaError(std::string(kPrefix) + what + ": " + detail::postgres::describe(e));
      }
      set_checksum(tx, m.version, checksum);
      tx.commit();
    });
  }

  void record_checksum(int version, const std::string& checksum) override {
    if (read_only_) return;  // trusted, and recorded by the next writer
    guarded("record migration checksum", [&] {
      pqxx::work tx(cx_);
      set_checksum(tx, version, checksum);
      tx.commit();
    });
  }

 private:
  // Reads pg_class under the statement's snapshot rather than through the
  // backend's catalog cache (as to_regclass does), which can still miss a
  // table that another process created while this one waited for the lock.
  static bool table_exists(pqxx::transaction_base& tx) {
    return tx.exec("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class"
                   " WHERE relname = 'deltackpt_migrations'"
                   " AND relnamespace = (SELECT oid FROM pg_catalog.pg_namespace"
                   " WHERE nspname = current_schema()))")[0][0].as<bool>();
  }
  static void set_checksum(pqxx::transaction_base& tx, int version, const std::string& checksum) {
    tx.exec_params("UPDATE deltackpt_migrations SET checksum = $1 WHERE version = $2", checksum,
                   version);
  }
  pqxx::connection& cx_;
  bool read_only_;
};

// Every later transaction of the session is READ ONLY.
void make_read_only(pqxx::connection& cx) {
  pqxx::nontransaction tx(cx);
  tx.exec("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
}

// What every connection of a store runs once opened.
void set_up_connection(pqxx::connection& cx, bool read_only) {
  if (read_only) make_read_only(cx);
  prepare_statements(cx);
}

std::unique_ptr<pqxx::connection> open_connection(const std::string& url) {
  if (url.empty()) throw InvalidArgument(std::string(kPrefix) + "needs a url");
  return detail::postgres::connect(url);
}

class PostgresRowStore final : public RowStore {
 public:
  explicit PostgresRowStore(const PostgresOptions& options)
      : pool_(options.url, options.pool_size,
              [read_only = options.read_only](pqxx::connection& cx) { set_up_connection(cx, read_only); }) {
    if (options.pool_size == 0) {
      throw InvalidArgument(std::string(kPrefix) + "pool_size must be at least 1");
    }
    if (!options.payload_encoding.empty()) detail::check_payload_encoding(options.payload_encoding, kPrefix);
    auto cx = open_connection(options.url);
    guarded("open", [&] {
      pqxx::nontransaction tx(*cx);
      const std::string encoding = text(tx.exec("SHOW server_encoding")[0][0]);
      if (encoding != "UTF8" && encoding != "SQL_ASCII") {
        throw StorageError(std::string(kPrefix) + "open: the database's encoding is " + encoding +
                               "; deltackpt needs UTF8 (CREATE DATABASE ... ENCODING 'UTF8')",
                           "postgres");
      }
    });
    if (options.read_only) {
      guarded("open", [&] { make_read_only(*cx); });
      if (!options.payload_encoding.empty()) {
        throw InvalidArgument(std::string(kPrefix) + "payload_encoding sets how new rows are written: not for a read-only store");
      }
    }
    PgMigrationTarget target(*cx, options.read_only);
    if (options.read_only && target.applied().empty()) {
      throw SchemaError(std::string(kPrefix) + "the database is not a deltackpt store (it has no deltackpt_migrations table)");
    }
    detail::run_migrations(target, detail::postgres_migrations(), options.migrate && !options.read_only, std::nullopt,
                           /*require_current=*/true);
    guarded("open", [&] {
      pqxx::nontransaction tx(*cx);
      if (!options.payload_encoding.empty()) {
        tx.exec_params("INSERT INTO deltackpt_settings (key, value) VALUES ('payload_encoding', $1)"
                       " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                       options.payload_encoding);
      }
      const pqxx::result r =
          tx.exec("SELECT value FROM deltackpt_settings WHERE key = 'payload_encoding'");
      encoding_ = r.empty() ? std::string(detail::kJsonEncoding) : text(r[0][0]);
    });
    prepare_statements(*cx);  // READ ONLY was set above
    pool_.adopt(std::move(cx));
  }

  std::string_view backend_name() const noexcept override { return "postgres"; }
  std::string_view payload_encoding() const noexcept override { return encoding_; }

  void insert(const StoredRow& row, InsertMode mode) override {
    const std::string op = detail::insert_op(row.header);
    bool lost = false;
    try {
      if (detail::needs_chain_check(row)) {
        insert_chain_delta(row, mode, op, lost);
      } else {
        insert_row(row, mode, op, lost);
      }
    } catch (const StorageError& e) {
      if (!lost) throw;
      resolve_lost_insert(row, op, e);
    }
  }

  // The connection broke while the insert was on its way or its answer was:
  // the server may have committed it. A retry under a new id would then
  // duplicate the checkpoint, so the row is looked up on a new connection:
  // stored with this payload, the insert succeeded; not stored, it did not
  // (a retryable error); if the check cannot be made, the outcome is
  // unknown and the error says so (not retryable).
  void resolve_lost_insert(const StoredRow& row, const std::string& op, const StorageError& lost) {
    const std::string& id = row.header.checkpoint_id;
    std::optional<detail::ChainLink> stored;
    try {
      stored = with_connection(pool_, op, [&](pqxx::connection& cx) -> std::optional<detail::ChainLink> {
        // An insert still running on the old connection holds the thread's
        // row until it commits or aborts: wait for it, so the answer is final.
        pqxx::work tx(cx);
        tx.exec_prepared(kLockOwner, row.header.thread_id, row.header.checkpoint_ns);
        const pqxx::result r = tx.exec_prepared(kChainLink, id, id);
        tx.commit();
        if (r.empty()) return std::nullopt;
        return read_link(r[0]);
      });
    } catch (const Error& check) {
      throw StorageError(std::string(lost.what()) + "; whether checkpoint " + id +
                             " was committed is unknown (looking it up failed: " + check.what() +
                             "): look it up before saving it again under a new id",
                         std::string(backend_name()), lost.native_code(), false);
    }
    if (!stored) {
      throw StorageError(std::string(lost.what()) + "; checked on a new connection: checkpoint " + id +
                             " was not saved (safe to retry)",
                         std::string(backend_name()), lost.native_code(), true);
    }
    if (stored->checksum != row.header.checksum || stored->kind != row.header.kind) {
      throw Conflict(std::string(kPrefix) + op + ": checkpoint " + id + " exists with other content");
    }
    // Committed before the connection broke: the insert succeeded.
  }

  void insert_row(const StoredRow& row, InsertMode mode, const std::string& op, bool& lost) {
    const RowHeader& h = row.header;
    with_connection(pool_, op, [&](pqxx::connection& cx) {
      pqxx::nontransaction tx(cx);
      for (int attempt = 1;; ++attempt) {
        const pqxx::result inserted =
            mode == InsertMode::kAppend
                ? exec_row(tx, kInsertAppend, row)
                : exec_row(tx, mode == InsertMode::kExtend ? kInsertExtend : kInsertFork, row,
                           h.parent_id);
        if (!inserted.empty()) return;
        // Nothing inserted: find out why (failure path only).
        if (mode != InsertMode::kAppend) {
          const pqxx::row why = tx.exec_prepared(kWhyNotInserted, h.thread_id, h.checkpoint_ns, h.parent_id)[0];
          if (!h.parent_id.empty() &&
              (why[0].is_null() || text(why[0]) != h.thread_id || text(why[1]) != h.checkpoint_ns)) {
            throw detail::parent_not_found(backend_name(), op, h.parent_id);
          }
          const std::string head = why[2].is_null() ? std::string() : text(why[2]);
          if (mode == InsertMode::kExtend && head != h.parent_id) {
            throw detail::head_moved(backend_name(), op, h.parent_id, head);
          }
        }
        // The condition holds now: another writer created or removed the
        // thread between our snapshot and our write. Run again.
        if (attempt == kMaxInsertAttempts) {
          throw Conflict(std::string(kPrefix) + op + ": other writers kept changing the thread (" +
                         std::to_string(attempt) + " attempts)");
        }
      }
    }, &lost);
  }

  // A zstd-chain delta, in one transaction that locks the (thread,
  // namespace) first, as rewrite() does, then checks its chain with a
  // statement that sees what a rewrite committed before that lock was had.
  void insert_chain_delta(const StoredRow& row, InsertMode mode, const std::string& op, bool& lost) {
    const RowHeader& h = row.header;
    with_connection(pool_, op, [&](pqxx::connection& cx) {
      pqxx::work tx(cx);
      tx.exec_prepared(kLockOwner, h.thread_id, h.checkpoint_ns);
      // The parent and the full row it names, in one round trip (often one row).
      std::optional<detail::ChainLink> parent, base;
      for (const auto& r : tx.exec_prepared(kChainLink, h.parent_id, h.base_id)) {
        detail::ChainLink link = read_link(r);
        if (link.checkpoint_id == h.parent_id) parent = link;
        if (link.checkpoint_id == h.base_id) base = std::move(link);
      }
      if (!parent) throw detail::parent_not_found(backend_name(), op, h.parent_id);
      detail::check_chain_base(row, *parent, base, backend_name(), op);
      const pqxx::result inserted =
          exec_row(tx, mode == InsertMode::kExtend ? kInsertExtend : kInsertFork, row, h.parent_id);
      if (inserted.empty()) {
        const pqxx::row why = tx.exec_prepared(kWhyNotInserted, h.thread_id, h.checkpoint_ns, h.parent_id)[0];
        if (why[0].is_null() || text(why[0]) != h.thread_id || text(why[1]) != h.checkpoint_ns) {
          throw detail::parent_not_found(backend_name(), op, h.parent_id);
        }
        throw detail::head_moved(backend_name(), op, h.parent_id, why[2].is_null() ? std::string() : text(why[2]));
      }
      tx.commit();
    }, &lost);
  }

  static detail::ChainLink read_link(const pqxx::row& r) {
    detail::ChainLink link;
    link.checkpoint_id = text(r[0]);
    link.parent_id = text(r[1]);
    RowHeader h;
    h.checkpoint_id = link.checkpoint_id;
    link.kind = detail::decode_kind(text(r[2]), h);
    link.base_id = text(r[3]);
    link.encoding = text(r[4]);
    link.checksum = detail::decode_checksum(text(r[5]), h);
    return link;
  }

  std::optional<RowHeader> head(std::string_view thread_id, std::string_view checkpoint_ns) override {
    const std::string op = "head(thread=" + std::string(thread_id) + ")";
    return with_connection(pool_, op, [&](pqxx::connection& cx) -> std::optional<RowHeader> {
      pqxx::nontransaction tx(cx);
      const pqxx::result r = tx.exec_prepared(kHead, std::string(thread_id), std::string(checkpoint_ns));
      if (r.empty()) return std::nullopt;
      return read_header(r[0]);
    });
  }

  std::vector<StoredRow> chain(std::string_view checkpoint_id) override {
    return read_rows("chain(" + std::string(checkpoint_id) + ")", kChain, std::string(checkpoint_id));
  }

  std::vector<StoredRow> head_chain(std::string_view thread_id, std::string_view checkpoint_ns) override {
    return read_rows("head_chain(thread=" + std::string(thread_id) + ")", kHeadChain, std::string(thread_id),
                     std::string(checkpoint_ns));
  }

  std::vector<StoredRow> chains(const std::vector<std::string>& ids) override {
    return read_rows("chains(" + std::to_string(ids.size()) + " ids)", kChains, text_array(ids));
  }

  std::optional<RowHeader> header(std::string_view checkpoint_id) override {
    const std::string op = "header(" + std::string(checkpoint_id) + ")";
    return with_connection(pool_, op, [&](pqxx::connection& cx) -> std::optional<RowHeader> {
      pqxx::nontransaction tx(cx);
      const pqxx::result r = tx.exec_prepared(kHeader, std::string(checkpoint_id));
      if (r.empty()) return std::nullopt;
      return read_header(r[0]);
    });
  }

  std::vector<RowHeader> headers(const HeaderQuery& query) override {
    return with_connection(pool_, "headers()", [&](pqxx::connection& cx) {
      pqxx::nontransaction tx(cx);
      // Resolved first so that the query below is a plain range on seq (or
      // on the id, when the bound names no row).
      const bool by_id = query.order == ListOrder::kCheckpointId;
      std::optional<std::int64_t> before_seq;
      if (!query.before_id.empty() && !by_id) {
        const pqxx::result r = tx.exec_prepared(kSeqOf, query.before_id);
        if (!r.empty()) before_seq = r[0][0].as<std::int64_t>();
      }
      // Parameters as text, typed by the casts in the SQL.
      std::vector<std::string> params;
      std::string sql = "SELECT " + std::string(kHeaderColumns) + " FROM checkpoints c WHERE true";
      const auto where = [&](const std::string& condition, std::string value, const char* type) {
        params.push_back(std::move(value));
        sql += " AND " + condition + "$" + std::to_string(params.size()) + "::" + type;
      };
      if (query.thread_id) where("c.thread_id = ", *query.thread_id, "text");
      if (query.checkpoint_ns) where("c.checkpoint_ns = ", *query.checkpoint_ns, "text");
      if (before_seq) {
        where("c.seq < ", std::to_string(*before_seq), "bigint");
      } else if (!query.before_id.empty()) {
        where("c.checkpoint_id < ", query.before_id, "text");
      }
      // Containment is looser than the exact match the caller checks (1
      // contains 1.0, [1, 2] contains [1]) and the metadata index serves it.
      if (!query.metadata_filter.empty()) where("c.metadata::jsonb @> ", query.metadata_filter.dump(), "jsonb");
      sql += by_id ? " ORDER BY c.checkpoint_id DESC" : " ORDER BY c.seq DESC";
      if (query.limit != 0) sql += " LIMIT " + std::to_string(query.limit);
      const pqxx::result r = tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
      std::vector<RowHeader> out;
      out.reserve(r.size());
      for (const auto& row : r) out.push_back(read_header(row));
      return out;
    });
  }

  std::vector<StoredRow> rows(std::string_view thread_id) override {
    return read_rows("rows(thread=" + std::string(thread_id) + ")", kRows, std::string(thread_id));
  }

  std::vector<std::string> threads() override { return strings("threads()", kThreads); }

  std::vector<std::string> namespaces(std::string_view thread_id) override {
    return strings("namespaces(thread=" + std::string(thread_id) + ")", kNamespaces, std::string(thread_id));
  }

  std::size_t remove_thread(std::string_view thread_id) override {
    const std::string id(thread_id);
    return with_connection(pool_, "remove_thread(thread=" + id + ")", [&](pqxx::connection& cx) {
      // Lock the head first, so that the delete's snapshot includes every
      // save to the thread that committed before it.
      pqxx::work tx(cx);
      tx.exec_prepared(kLockThread, id);
      const pqxx::result r = tx.exec_prepared(kRemoveThread, id);
      tx.commit();
      return static_cast<std::size_t>(r[0][0].as<std::int64_t>());
    });
  }

  void rewrite(std::string_view thread_id, const std::vector<StoredRow>& replace,
               const std::vector<std::string>& remove) override {
    const std::string id(thread_id);
    const std::string op = detail::rewrite_op(id);
    with_connection(pool_, op, [&](pqxx::connection& cx) {
      pqxx::work tx(cx);
      std::set<std::string> heads;
      for (const auto& locked : tx.exec_prepared(kLockThread, id)) heads.insert(text(locked[0]));
      // Read after the lock: a zstd-chain insert commits before it or checks after it.
      std::vector<detail::ChainLink> chain_rows;
      for (const auto& r : tx.exec_prepared(kChainRows, id)) chain_rows.push_back(read_link(r));
      detail::check_rewrite_keeps_chains(chain_rows, replace, remove, backend_name(), op);
      for (const auto& row : replace) {
        if (row.header.thread_id != id ||
            exec_row(tx, kUpdateRow, row, row.header.parent_id).affected_rows() != 1) {
          throw detail::not_in_thread(backend_name(), op, row.header.checkpoint_id);
        }
      }
      std::set<std::string> wanted;
      for (const auto& gone : remove) {
        if (heads.count(gone) != 0) throw detail::head_not_removable(backend_name(), op);
        if (!wanted.insert(gone).second) throw detail::not_in_thread(backend_name(), op, gone);
      }
      if (!remove.empty()) {
        const pqxx::result deleted = tx.exec_prepared(kDeleteRows, id, text_array(remove));
        for (const auto& row : deleted) wanted.erase(text(row[0]));
        if (!wanted.empty()) {
          throw detail::not_in_thread(backend_name(), op, *wanted.begin());
        }
      }
      tx.commit();
    });
  }

  std::vector<QuarantineEntry> quarantine(std::string_view thread_id, const std::vector<QuarantineEntry>& named) override {
    const std::string id(thread_id);
    return with_connection(pool_, "quarantine(thread=" + id + ")", [&](pqxx::connection& cx) {
      pqxx::work tx(cx);
      tx.exec_prepared(kLockThread, id);  // saves and prunes of the thread wait
      std::vector<detail::RowLineage> lineage;
      for (const auto& r : tx.exec_prepared(kLineage, id)) {
        lineage.push_back({text(r[0]), text(r[1]), text(r[2]) == "delta"});
      }
      const std::vector<QuarantineEntry> moved = detail::rows_to_quarantine(lineage, named);
      std::vector<std::string> ids, reasons;
      for (const auto& entry : moved) {
        ids.push_back(entry.checkpoint_id);
        reasons.push_back(entry.reason);
      }
      const std::string when = format_timestamp(now());
      if (!moved.empty()) tx.exec_prepared(kQuarantine, id, text_array(ids), text_array(reasons), when);
      tx.exec_prepared(kMoveHeads, id, when);
      tx.exec_prepared(kDropHeads, id);
      tx.commit();
      return moved;
    });
  }

  std::vector<QuarantinedRow> quarantined(std::string_view thread_id) override {
    const std::string id(thread_id);
    return with_connection(pool_, "quarantined(thread=" + id + ")", [&](pqxx::connection& cx) {
      pqxx::nontransaction tx(cx);
      std::vector<QuarantinedRow> out;
      for (const auto& r : tx.exec_prepared(kQuarantined, id)) {
        std::string payload;
        if (!r[6].is_null()) {
          payload = text(r[6]);
        } else if (!r[7].is_null()) {
          const pqxx::binarystring bytes(r[7]);
          payload.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        }
        out.push_back(QuarantinedRow{text(r[0]), text(r[1]), text(r[2]), text(r[3]), text(r[4]), text(r[5]),
                                     std::move(payload), text(r[8]), parse_timestamp(text(r[9]))});
      }
      return out;
    });
  }

  void put_writes(const CheckpointKey& key, const std::vector<EncodedWrite>& writes, bool replace) override {
    with_connection(pool_, detail::put_writes_op(key), [&](pqxx::connection& cx) {
      pqxx::work tx(cx);
      for (const auto& [w, value_encoding] : writes) {
        tx.exec_prepared(replace ? kReplaceWrite : kInsertWrite, key.thread_id, key.checkpoint_ns,
                         key.checkpoint_id, w.task_id, w.idx, w.task_path, w.channel, w.type,
                         static_cast<std::int64_t>(w.value.size()), pqxx::binarystring(w.value), value_encoding);
      }
      tx.commit();
    });
  }

  std::vector<StoredWrite> writes(const std::vector<CheckpointKey>& keys) override {
    if (keys.empty()) return {};
    std::vector<std::string> threads, namespaces, ids;
    for (const auto& key : keys) {
      threads.push_back(key.thread_id);
      namespaces.push_back(key.checkpoint_ns);
      ids.push_back(key.checkpoint_id);
    }
    return with_connection(pool_, "writes(" + std::to_string(keys.size()) + " checkpoints)", [&](pqxx::connection& cx) {
      pqxx::nontransaction tx(cx);
      const pqxx::result r =
          tx.exec_prepared(kReadWrites, text_array(threads), text_array(namespaces), text_array(ids));
      std::vector<StoredWrite> out;
      out.reserve(r.size());
      for (const auto& row : r) {
        const pqxx::binarystring value(row[9]);
        StoredWrite w{{PendingWrite{.task_id = text(row[3]),
                                    .task_path = text(row[4]),
                                    .idx = row[5].as<std::int64_t>(),
                                    .channel = text(row[6]),
                                    .type = text(row[7]),
                                    .value = std::string(reinterpret_cast<const char*>(value.data()), value.size())},
                       text(row[11])},
                      CheckpointKey{text(row[0]), text(row[1]), text(row[2])}};
        if (static_cast<std::int64_t>(w.write.value.size()) != row[8].as<std::int64_t>()) {
          throw Corruption(std::string(kPrefix) + "pending write (thread=" + w.key.thread_id + ", id=" +
                               w.key.checkpoint_id + ", task=" + w.write.task_id + ", idx=" +
                               std::to_string(w.write.idx) + "): value is not value_size bytes",
                           w.key.checkpoint_id);
        }
        out.push_back(std::move(w));
      }
      return out;
    });
  }

  std::vector<WriteTotals> write_totals(std::string_view thread_id) override {
    const std::string id(thread_id);
    return with_connection(pool_, "write_totals(thread=" + id + ")", [&](pqxx::connection& cx) {
      pqxx::nontransaction tx(cx);
      std::vector<WriteTotals> out;
      for (const auto& row : tx.exec_prepared(kWriteTotals, id)) {
        out.push_back(WriteTotals{text(row[0]), text(row[1]), row[2].as<std::size_t>(), row[3].as<std::int64_t>()});
      }
      return out;
    });
  }

 private:
  // The rows a statement selecting kHeaderColumns and the payload returns.
  template <class... Params>
  std::vector<StoredRow> read_rows(const std::string& op, const std::string& statement, const Params&... params) {
    return with_connection(pool_, op, [&](pqxx::connection& cx) {
      pqxx::nontransaction tx(cx);
      const pqxx::result r = tx.exec_prepared(statement, params...);
      std::vector<StoredRow> out;
      out.reserve(r.size());
      for (const auto& row : r) out.push_back(read_row(row));
      return out;
    });
  }

  // The first column of every row a statement returns, as text.
  template <class... Params>
  std::vector<std::string> strings(const std::string& op, const std::string& statement, const Params&... params) {
    return with_connection(pool_, op, [&](pqxx::connection& cx) {
      pqxx::nontransaction tx(cx);
      std::vector<std::string> out;
      for (const auto& row : tx.exec_prepared(statement, params...)) out.push_back(text(row[0]));
      return out;
    });
  }

  Pool pool_;
  std::string encoding_;
};

}  // namespace

std::unique_ptr<RowStore> open_postgres(const PostgresOptions& options) {
  return std::make_unique<PostgresRowStore>(options);
}

SchemaStatus postgres_schema_status(const std::string& url) {
  auto cx = open_connection(url);
  PgMigrationTarget target(*cx, /*read_only=*/true);
  return detail::run_migrations(target, detail::postgres_migrations(), false, std::nullopt, false);
}

SchemaStatus migrate_postgres(const std::string& url, std::optional<int> target_version) {
  auto cx = open_connection(url);
  PgMigrationTarget target(*cx, /*read_only=*/false);
  return detail::run_migrations(target, detail::postgres_migrations(), true, target_version, false);
}

}  // namespace deltackpt

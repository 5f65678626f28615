// The PostgreSQL backend on a real server: migrations (by the library and by
// psql), exact payload bytes, lost connections, the pool, concurrent writers
// in several processes. Needs DELTACKPT_TEST_PG_DSN; skipped without it,
// failed when DELTACKPT_TEST_PG_REQUIRED=1. Each case works in a schema of
// its own, dropped at the end, and talks to the server directly through
// libpq (never pqxx, which stays inside src/backends/postgres/).
#define BOOST_TEST_MODULE postgres
#include <boost/test/unit_test.hpp>

#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "deltackpt/backends/postgres.hpp"
#include "deltackpt/deltackpt.hpp"
#include "deltackpt/open.hpp"
#include "migrate/migration.hpp"
#include "row_codec.hpp"
#include "deltackpt/maintenance.hpp"
#include "support/dropping_proxy.hpp"
#include "support/exact_json.hpp"
#include "support/full_rows.hpp"
#include "support/pg_env.hpp"
#include "support/printers.hpp"
#include "workloads.hpp"

using namespace deltackpt;
using namespace std::chrono_literals;

namespace {

using deltackpt::testing::pg_dsn;
using deltackpt::testing::pg_enabled;
using deltackpt::testing::pg_required;

// Polls `done` until it holds. The server acts on its own schedule (a
// terminated backend leaves, a blocked statement reaches its lock wait), so
// this waits for that event; the limit is generous and only turns "never"
// into a failure with a clear message.
bool eventually(const std::function<bool()>& done) {
  const auto limit = std::chrono::steady_clock::now() + 300s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > limit) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}


std::string percent_encode(const std::string& value) {
  std::string out;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.') {
      out += c;
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", u);
      out += hex;
    }
  }
  return out;
}

// `dsn` (a postgresql:// URL or a key=value string) with more parameters.
std::string with_params(const std::string& dsn,
                        const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out = dsn;
  const bool url = dsn.rfind("postgresql://", 0) == 0 || dsn.rfind("postgres://", 0) == 0;
  char separator = dsn.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [key, value] : params) {
    if (url) {
      out += separator + key + "=" + percent_encode(value);
      separator = '&';
    } else {
      std::string quoted;
      for (const char c : value) {
        if (c == '\\' || c == '\'') quoted += '\\';
        quoted += c;
      }
      out += " " + key + "='" + quoted + "'";
    }
  }
  return out;
}

using Rows = std::vector<std::vector<std::optional<std::string>>>;

// A plain libpq session for setting up and inspecting the server.
class Session {
 public:
  explicit Session(const std::string& dsn) : conn_(PQconnectdb(dsn.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) {
      const std::string why = PQerrorMessage(conn_);
      PQfinish(conn_);
      throw std::runtime_error("cannot connect to " + dsn + ": " + why);
    }
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);  // e.g. DROP ... CASCADE
  }
  ~Session() { PQfinish(conn_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Rows query(const std::string& sql, const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* result = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                    values.data(), nullptr, nullptr, 0);
    const ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      const std::string why = PQresultErrorMessage(result);
      PQclear(result);
      throw std::runtime_error(sql + ": " + why);
    }
    Rows rows;
    for (int r = 0; r < PQntuples(result); ++r) {
      auto& row = rows.emplace_back();
      for (int c = 0; c < PQnfields(result); ++c) {
        if (PQgetisnull(result, r, c) != 0) {
          row.emplace_back();
        } else {
          row.emplace_back(std::string(PQgetvalue(result, r, c),
                                       static_cast<std::size_t>(PQgetlength(result, r, c))));
        }
      }
    }
    PQclear(result);
    return rows;
  }

  // Runs a script of several statements (no parameters, no results).
  void run(const std::string& sql) {
    PGresult* result = PQexec(conn_, sql.c_str());
    const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    const std::string why = PQresultErrorMessage(result);
    PQclear(result);
    if (!ok) throw std::runtime_error(sql + ": " + why);
  }

  // The first column of the first row ("" for NULL or no row).
  std::string value(const std::string& sql, const std::vector<std::string>& params = {}) {
    const Rows rows = query(sql, params);
    return rows.empty() || rows[0].empty() ? "" : rows[0][0].value_or("");
  }

 private:
  PGconn* conn_;
};

// A fresh schema for one case, dropped with everything in it at the end.
// `url` reaches it (search_path) and tags the store's connections with an
// application_name of their own, so the case can find and kill them.
struct PgSchema {
  PgSchema() {
    if (pg_dsn().empty()) BOOST_FAIL("DELTACKPT_TEST_PG_REQUIRED=1 but DELTACKPT_TEST_PG_DSN is not set");
    admin.emplace(pg_dsn());
    admin->query("CREATE SCHEMA " + name);
  }
  ~PgSchema() {
    try {
      if (admin) admin->query("DROP SCHEMA " + name + " CASCADE");
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("cannot drop schema " << name << ": " << e.what());
    }
  }

  static std::string fresh_name() {
    std::string id = new_checkpoint_id();
    for (char& c : id) c = c == '-' ? '_' : c;
    return "dckpt_test_" + id;
  }

  // Connections of the stores this case opened that the server still has.
  int store_connections() {
    return std::stoi(admin->value(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", {name}));
  }

  // Waits until the server has no store connection left.
  bool store_connections_gone() {
    return eventually([&] { return store_connections() == 0; });
  }

  std::string name = fresh_name();
  std::string url = with_params(
      pg_dsn(), {{"options", "-c search_path=" + name}, {"application_name", name}});
  std::optional<Session> admin;  // autocommit, outside the schema
};

Checkpoint make(const std::string& thread, std::int64_t step, Json state) {
  Checkpoint c;
  c.thread_id = thread;
  c.step = step;
  c.state = std::move(state);
  return c;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Applies every migrations/postgres/*.up.sql with `psql -1 -f`, as a DBA would.
void apply_with_psql(const PgSchema& schema) {
  for (const auto& m : detail::postgres_migrations()) {
    char file[128];
    std::snprintf(file, sizeof file, "%s/%04d_%s.up.sql", DELTACKPT_PG_MIGRATIONS_DIR, m.version,
                  m.name);
    BOOST_TEST_REQUIRE(read_file(file) == std::string(m.up_sql), "embedded copy of " << file);
    std::string dsn;
    for (const char c : pg_dsn()) {
      if (c == '\'') {
        dsn += "'\\''";
      } else {
        dsn += c;
      }
    }
    const std::string command = "PGOPTIONS='-c search_path=" + schema.name + "' psql -X -q -v " +
                                "ON_ERROR_STOP=1 -1 -d '" + dsn + "' -f " + file + " > /dev/null";
    BOOST_TEST_REQUIRE(std::system(command.c_str()) == 0, command);
  }
}

// Everything the schema defines, with the schema's name taken out.
std::vector<std::string> describe_schema(Session& admin, const std::string& schema) {
  std::vector<std::string> out;
  const auto add = [&](const Rows& rows) {
    for (const auto& row : rows) {
      std::string line;
      for (const auto& v : row) line += v.value_or("NULL") + " | ";
      for (auto at = line.find(schema + "."); at != std::string::npos; at = line.find(schema + ".")) {
        line.erase(at, schema.size() + 1);
      }
      out.push_back(line);
    }
  };
  add(admin.query(
      "SELECT table_name, column_name, data_type, collation_name, is_nullable, column_default,"
      " is_identity FROM information_schema.columns WHERE table_schema = $1"
      " ORDER BY table_name, ordinal_position", {schema}));
  add(admin.query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY 1",
                  {schema}));
  add(admin.query("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
                  " FROM pg_constraint WHERE connamespace = $1::regnamespace ORDER BY 1, 2",
                  {schema}));
  add(admin.query("SELECT table_name, view_definition FROM information_schema.views"
                  " WHERE table_schema = $1 ORDER BY 1", {schema}));
  add(admin.query("SELECT key, value FROM " + schema + ".deltackpt_settings ORDER BY 1"));
  add(admin.query("SELECT version, name FROM " + schema + ".deltackpt_migrations ORDER BY 1"));
  return out;
}

// Runs `child` in `n` forked processes, all let go at once when every one
// has been forked (they block reading a pipe the parent then closes);
// returns what each wrote to its pipe and checks that each exited with 0.
// REQUIRES: no other thread of this process is running.
std::vector<std::string> in_processes(int n, const std::function<int(int, FILE*)>& child) {
  int go[2];
  BOOST_TEST_REQUIRE(::pipe(go) == 0);
  std::vector<std::pair<pid_t, int>> children;
  for (int i = 0; i < n; ++i) {
    int fds[2];
    BOOST_TEST_REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    BOOST_TEST_REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      ::close(go[1]);
      FILE* out = ::fdopen(fds[1], "w");
      char byte;
      while (::read(go[0], &byte, 1) < 0 && errno == EINTR) {
      }  // end of file: every sibling exists
      ::close(go[0]);
      int code = 3;
      try {
        code = child(i, out);
      } catch (const std::exception& e) {
        std::fprintf(out, "child %d: %s\n", i, e.what());
      }
      std::fflush(out);
      ::_exit(code);  // no destructors: the parent's connections are not ours
    }
    ::close(fds[1]);
    children.emplace_back(pid, fds[0]);
  }
  ::close(go[0]);
  ::close(go[1]);  // go
  std::vector<std::string> outputs;
  for (const auto& [pid, fd] : children) {
    std::string text;
    char buffer[4096];
    for (ssize_t got; (got = ::read(fd, buffer, sizeof buffer)) > 0;) {
      text.append(buffer, static_cast<std::size_t>(got));
    }
    ::close(fd);
    int status = 0;
    ::waitpid(pid, &status, 0);
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0), "child output: " << text);
    outputs.push_back(text);
  }
  return outputs;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(postgres, *boost::unit_test::precondition(pg_enabled))

BOOST_AUTO_TEST_CASE(open_refuses_bad_options) {
  BOOST_CHECK_THROW(open_postgres({.url = ""}), InvalidArgument);
  PgSchema schema;
  BOOST_CHECK_THROW(open_postgres({.url = schema.url, .pool_size = 0}), InvalidArgument);
  BOOST_CHECK_THROW(open_postgres({.url = schema.url, .payload_encoding = "zip"}), InvalidArgument);
  // Nothing listens on port 1: a retryable StorageError, never a pqxx exception.
  try {
    open_postgres({.url = "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=5"});
    BOOST_ERROR("connected to port 1");
  } catch (const StorageError& e) {
    BOOST_TEST(e.retryable(), e.what());
    BOOST_TEST(std::string(e.what()).rfind("deltackpt.postgres: connect: ", 0) == 0, e.what());
  }
  // migrate = false on an empty schema: refused, nothing created.
  BOOST_CHECK_THROW(open_postgres({.url = schema.url, .migrate = false}), SchemaError);
  BOOST_TEST(postgres_schema_status(schema.url).database_version == 0);
}

BOOST_AUTO_TEST_CASE(any_connection_string_libpq_accepts_opens_the_store) {
  PgSchema schema;
  // The same connection as keyword/value pairs, written out from libpq's
  // own parse of the URL.
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(schema.url.c_str(), &error);
  PQfreemem(error);
  BOOST_TEST_REQUIRE(parsed != nullptr);
  std::string keywords;
  for (const PQconninfoOption* o = parsed; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    keywords += std::string(o->keyword) + "='";
    for (const char* c = o->val; *c != '\0'; ++c) keywords += (*c == '\'' || *c == '\\') ? std::string("\\") + *c : std::string(1, *c);
    keywords += "' ";
  }
  PQconninfoFree(parsed);
  BOOST_TEST_MESSAGE("keyword/value: " << keywords);
  const std::string id = deltackpt::open(keywords)->save(make("t", 0, {{"a", 1}}));
  // URL schemes are case-insensitive; libpq's parser is not.
  const std::string upper = "POSTGRESQL" + schema.url.substr(schema.url.find(':'));
  const auto loaded = deltackpt::open(upper)->load("t");
  BOOST_TEST_REQUIRE(loaded.has_value());
  BOOST_TEST(loaded->checkpoint_id == id);
}

// The port of the test server, as libpq reads the DSN.
int server_port(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(dsn.c_str(), &error);
  PQfreemem(error);
  int port = 5432;
  for (const PQconninfoOption* o = parsed; o != nullptr && o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "port" && o->val != nullptr && *o->val != '\0') port = std::stoi(o->val);
  }
  PQconninfoFree(parsed);
  return port;
}

BOOST_AUTO_TEST_CASE(a_save_whose_acknowledgement_is_lost_is_neither_lost_nor_duplicated) {
  PgSchema schema;
  migrate_postgres(schema.url);
  const int port = server_port(schema.url);
  deltackpt::testing::DroppingProxy proxy(port);
  std::string via_proxy = schema.url;
  const std::string at = "127.0.0.1:" + std::to_string(port);
  BOOST_TEST_REQUIRE(via_proxy.find(at) != std::string::npos, "the test DSN is not on 127.0.0.1: " << via_proxy);
  via_proxy.replace(via_proxy.find(at), at.size(), "127.0.0.1:" + std::to_string(proxy.port()));
  const auto states = workloads::generate("chat", 30, 5);
  int resolved = 0, retried = 0;
  // json: every row is one autocommitted statement; zstd: deltas are a
  // transaction (lock, check, insert, COMMIT), so the answer lost may be
  // the insert's (nothing committed) or the COMMIT's.
  for (const std::string encoding : {"json", "zstd"}) {
    const std::string thread = "lost-acks-" + encoding;
    DeltaCheckpointer cp(open_postgres({.url = via_proxy, .pool_size = 1, .payload_encoding = encoding}),
                         {.full_snapshot_interval = 8});
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < states.size(); ++i) {
      Checkpoint c = make(thread, static_cast<std::int64_t>(i), states[i]);
      if (i > 0) proxy.arm(encoding == "zstd" && i % 2 == 0 ? "COMMIT" : std::string("\0dckpt_insert", 13));
      const int drops_before = proxy.drops();
      try {
        ids.push_back(cp.save(c));
        if (proxy.drops() > drops_before) ++resolved;
      } catch (const StorageError& e) {
        // Only an insert the server never committed may fail, and then
        // saying so, so that the retry below cannot duplicate it.
        BOOST_TEST_REQUIRE(e.retryable(), e.what());
        BOOST_TEST_REQUIRE(std::string(e.what()).find("was not saved") != std::string::npos, e.what());
        ++retried;
        ids.push_back(cp.save(c));
      }
      proxy.arm("");
      // Exactly one row per acknowledged save, each loading back as saved.
      BOOST_TEST_REQUIRE(schema.admin->value("SELECT count(*) FROM " + schema.name +
                                                 ".checkpoints WHERE thread_id = $1",
                                             {thread}) == std::to_string(ids.size()));
    }
    DeltaCheckpointer reader(open_postgres({.url = schema.url}));
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const auto loaded = reader.load_by_id(ids[i]);
      BOOST_TEST_REQUIRE(loaded.has_value());
      BOOST_TEST_REQUIRE(deltackpt::testing::exactly_equal(loaded->state, states[i]), "step " << i);
    }
    BOOST_TEST(verify(reader.row_store(), thread, Limits{}).ok());
  }
  BOOST_TEST_MESSAGE("connections broken: " << proxy.drops() << "; saves resolved as committed: " << resolved
                                            << "; saves reported not saved and retried: " << retried);
  BOOST_TEST(proxy.drops() >= 40);
  BOOST_TEST(resolved >= 20);  // the committed-but-unacknowledged case the issue met
}

// The schema version this build ships.
const int kCurrent = static_cast<int>(detail::postgres_migrations().size());

BOOST_AUTO_TEST_CASE(library_and_psql_migrations_agree) {
  PgSchema by_library, by_psql;
  const SchemaStatus before = postgres_schema_status(by_library.url);
  BOOST_TEST(before.database_version == 0);
  // The library ships every .up.sql file of migrations/postgres.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(DELTACKPT_PG_MIGRATIONS_DIR)) {
    files += entry.path().string().ends_with(".up.sql") ? 1 : 0;
  }
  BOOST_TEST(before.library_version == files);
  BOOST_TEST(before.backend == "postgres");
  // One step at a time, as `deltackpt migrate --to` does.
  BOOST_TEST(migrate_postgres(by_library.url, 1).database_version == 1);
  const SchemaStatus migrated = migrate_postgres(by_library.url);
  BOOST_TEST(migrated.database_version == kCurrent);
  BOOST_TEST(migrated.current());
  BOOST_TEST(!migrated.migrations[1].applied_at.empty());

  apply_with_psql(by_psql);
  Session admin(pg_dsn());
  const auto checksums = [&](const PgSchema& s) {
    return admin.query("SELECT version, checksum FROM " + s.name +
                       ".deltackpt_migrations ORDER BY version");
  };
  BOOST_TEST(!checksums(by_psql)[0][1].has_value());  // psql leaves them for the library
  const SchemaStatus status = postgres_schema_status(by_psql.url);
  BOOST_TEST(status.database_version == kCurrent);
  BOOST_TEST(status.current());
  BOOST_TEST(!checksums(by_psql)[0][1].has_value());  // a status only reads
  open_postgres({.url = by_psql.url});                 // the first store opened records them
  const auto filled = checksums(by_psql);
  BOOST_TEST_REQUIRE(filled.size() == static_cast<std::size_t>(kCurrent));
  for (std::size_t i = 0; i < filled.size(); ++i) {
    BOOST_TEST(filled[i][1].value_or("") ==
               detail::migration_checksum(detail::postgres_migrations()[i].up_sql));
  }
  BOOST_TEST(checksums(by_psql) == checksums(by_library));
  BOOST_TEST(describe_schema(admin, by_psql.name) == describe_schema(admin, by_library.name),
             boost::test_tools::per_element());

  // The library uses the psql-made schema as it is.
  auto cp = deltackpt::testing::full_rows(open_postgres({.url = by_psql.url, .migrate = false}));
  const std::string id = cp->save(make("t", 0, {{"made", "by psql"}}));
  BOOST_TEST(cp->load("t")->checkpoint_id == id);
  BOOST_TEST(admin.value("SELECT count(*) FROM " + by_psql.name + ".thread_summary") == "1");
}

// 0002 -> 0003 on a database made by version 2: rows as version 2 stored
// them (every column but checkpoint_ns, copied from a store the library
// wrote, deltas included) load back exactly, in the root namespace.
BOOST_AUTO_TEST_CASE(version_2_database_upgrades) {
  PgSchema current, v2;
  std::vector<Json> states;
  {
    DeltaCheckpointer cp(open_postgres({.url = current.url}), DeltaOptions{.full_snapshot_interval = 4});
    Json state = {{"messages", Json::array()}};
    for (int i = 0; i < 10; ++i) {
      state["messages"].push_back({{"i", i}, {"text", "message " + std::to_string(i)}});
      cp.save(make("chat", i, state));
      states.push_back(state);
    }
  }
  BOOST_TEST(migrate_postgres(v2.url, 2).database_version == 2);
  const std::string columns =
      "thread_id, checkpoint_id, parent_id, step, kind, base_id, depth, created_at, metadata, pending_nodes, "
      "encoding, payload_size, state_size, checksum, payload, payload_bytes";
  v2.admin->query("INSERT INTO " + v2.name + ".checkpoints (" + columns + ") SELECT " + columns + " FROM " +
                  current.name + ".checkpoints ORDER BY seq");
  v2.admin->query("INSERT INTO " + v2.name + ".threads SELECT thread_id, head_id, created_at, updated_at FROM " +
                  current.name + ".threads");
  BOOST_TEST(v2.admin->value("SELECT count(*) FROM " + v2.name + ".checkpoints WHERE kind = 'delta'") != "0");

  DeltaCheckpointer upgraded(open_postgres({.url = v2.url}));  // migrates on open
  BOOST_TEST(postgres_schema_status(v2.url).database_version == kCurrent);
  BOOST_TEST(verify(upgraded.row_store()).ok());
  const auto history = upgraded.history("chat");
  BOOST_TEST_REQUIRE(history.size() == states.size());
  for (std::size_t i = 0; i < states.size(); ++i) {
    BOOST_TEST(history[i].checkpoint_ns.empty());
    BOOST_TEST(deltackpt::testing::exactly_equal(history[i].state, states[i]), i);
  }
  BOOST_TEST((upgraded.namespaces("chat") == std::vector<std::string>{""}));
  BOOST_TEST(upgraded.load("chat")->checkpoint_id == history.back().checkpoint_id);
  // The new model works on the upgraded database.
  Checkpoint sub = make("chat", 0, {{"sub", true}});
  sub.checkpoint_ns = "tools:1";
  const std::string id = upgraded.save(sub);
  upgraded.put_writes({"chat", "tools:1", id}, {{.task_id = "t", .idx = 0, .channel = "c", .value = "v"}});
  BOOST_TEST(upgraded.writes({"chat", "tools:1", id}).size() == 1u);
  upgraded.save(make("chat", 10, {{"next", true}}));
  BOOST_TEST(upgraded.load("chat")->parent_id == history.back().checkpoint_id);
}

BOOST_AUTO_TEST_CASE(down_migrations_undo_up_migrations) {
  PgSchema schema;
  migrate_postgres(schema.url);
  Session admin(pg_dsn());
  admin.query("SET search_path = " + schema.name);
  for (auto it = detail::postgres_migrations().rbegin(); it != detail::postgres_migrations().rend();
       ++it) {
    char file[128];
    std::snprintf(file, sizeof file, "%s/%04d_%s.down.sql", DELTACKPT_PG_MIGRATIONS_DIR,
                  it->version, it->name);
    admin.run("BEGIN;\n" + read_file(file) + "\nCOMMIT;");
    BOOST_TEST(postgres_schema_status(schema.url).database_version == it->version - 1);
  }
  BOOST_TEST(admin.value("SELECT count(*) FROM pg_class WHERE relnamespace = $1::regnamespace",
                         {schema.name}) == "0");
  BOOST_TEST(migrate_postgres(schema.url).current());
}

// 0006's .down.sql refuses while the quarantine holds rows, so going back
// never deletes them.
BOOST_AUTO_TEST_CASE(version_6_down_refuses_quarantined_rows) {
  PgSchema schema;
  {
    auto store = open_postgres({.url = schema.url});
    DeltaCheckpointer cp(*store);
    const std::string first = cp.save(make("t", 0, {{"a", 1}}));
    cp.save(make("t", 1, {{"a", 2}}));
    BOOST_TEST(store->quarantine("t", {{first, "kept for this test"}}).size() == 1u);
  }
  Session admin(pg_dsn());
  admin.query("SET search_path = " + schema.name);
  const std::string down = read_file(DELTACKPT_PG_MIGRATIONS_DIR "/0006_quarantine.down.sql");
  BOOST_TEST_REQUIRE(!down.empty());
  try {
    admin.run("BEGIN;\n" + down + "\nCOMMIT;");
    BOOST_ERROR("0006 down ran over quarantined rows");
  } catch (const std::exception& e) {
    BOOST_TEST(std::string(e.what()).find("quarantined rows exist") != std::string::npos, e.what());
  }
  admin.run("ROLLBACK");
  BOOST_TEST(postgres_schema_status(schema.url).database_version == 6);
  admin.run("DELETE FROM quarantined_checkpoints");
  admin.run("BEGIN;\n" + down + "\nCOMMIT;");
  BOOST_TEST(postgres_schema_status(schema.url).database_version == 5);
}

BOOST_AUTO_TEST_CASE(newer_schema_is_refused) {
  PgSchema schema;
  migrate_postgres(schema.url);
  schema.admin->query("INSERT INTO " + schema.name +
                      ".deltackpt_migrations VALUES (" + std::to_string(kCurrent + 1) +
                      ", 'from_the_future', NULL, now())");
  BOOST_CHECK_THROW(open_postgres({.url = schema.url}), SchemaError);
  BOOST_CHECK_THROW(postgres_schema_status(schema.url), SchemaError);
  BOOST_CHECK_THROW(migrate_postgres(schema.url), SchemaError);
}

BOOST_AUTO_TEST_CASE(a_read_only_store_reads_and_writes_nothing) {
  PgSchema schema;
  // An empty schema is not a store, and reading does not make it one.
  BOOST_CHECK_THROW(open_postgres({.url = schema.url, .read_only = true}), SchemaError);
  BOOST_TEST(schema.admin->value("SELECT count(*) FROM pg_tables WHERE schemaname = $1", {schema.name}) == "0");
  // Nor is an old one migrated.
  migrate_postgres(schema.url, 1);
  BOOST_CHECK_THROW(open_postgres({.url = schema.url, .read_only = true}), SchemaError);
  BOOST_TEST(postgres_schema_status(schema.url).database_version == 1);
  std::string id;
  {
    DeltaCheckpointer writer(open_postgres({.url = schema.url}));
    writer.save(make("t", 0, {{"n", 0}}));
    id = writer.save(make("t", 1, {{"n", 1}}));
  }
  DeltaCheckpointer reader(open_postgres({.url = schema.url, .read_only = true}));
  const auto latest = reader.load("t");
  BOOST_TEST_REQUIRE(latest.has_value());
  BOOST_TEST(latest->checkpoint_id == id);
  BOOST_TEST(latest->state.dump() == R"({"n":1})");
  BOOST_CHECK_THROW(reader.save(make("t", 2, {{"n", 2}})), StorageError);
  BOOST_CHECK_THROW(reader.prune("t", {.keep_last = 1}), StorageError);
  BOOST_TEST(reader.list("t").size() == 2u);
}

BOOST_AUTO_TEST_CASE(edited_migration_is_refused) {
  PgSchema schema;
  migrate_postgres(schema.url);
  schema.admin->query("UPDATE " + schema.name +
                      ".deltackpt_migrations SET checksum = '0123456789abcdef' WHERE version = 1");
  try {
    open_postgres({.url = schema.url});
    BOOST_ERROR("an edited migration was accepted");
  } catch (const SchemaError& e) {
    BOOST_TEST(std::string(e.what()).find("0001_initial.up.sql") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(concurrent_migrations_apply_each_version_once) {
  PgSchema schema;
  // Processes and threads, all starting at once on an empty schema.
  const auto outputs = in_processes(3, [&](int, FILE* out) {
    const SchemaStatus status = migrate_postgres(schema.url);
    std::fprintf(out, "%d\n", status.database_version);
    return status.current() ? 0 : 1;
  });
  for (const auto& text : outputs) BOOST_TEST(text == std::to_string(kCurrent) + "\n");

  PgSchema again;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  std::latch all_started(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      all_started.arrive_and_wait();
      try {
        auto cp = deltackpt::testing::full_rows(open_postgres({.url = again.url, .pool_size = 1}));
        cp->save(make("t-" + new_checkpoint_id(), 0, {{"ok", true}}));
      } catch (const std::exception& e) {
        ++failures;
        BOOST_TEST_MESSAGE("open failed: " << e.what());
      }
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(failures.load() == 0);
  for (PgSchema* s : {&schema, &again}) {
    const Rows rows = s->admin->query("SELECT version, checksum IS NOT NULL FROM " + s->name +
                                      ".deltackpt_migrations ORDER BY version");
    BOOST_TEST_REQUIRE(rows.size() == static_cast<std::size_t>(kCurrent));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      BOOST_TEST(rows[i][0].value_or("") == std::to_string(i + 1));
      BOOST_TEST(rows[i][1].value_or("") == "t");
    }
  }
  BOOST_TEST(again.admin->value("SELECT count(*) FROM " + again.name + ".threads") == "4");
}

BOOST_AUTO_TEST_CASE(payload_bytes_round_trip_exactly) {
  // Every ASCII byte (NUL and every control character escaped), the widest
  // code points, emoji sequences, a NUL inside a key, number spellings.
  std::string every_ascii;
  for (int c = 0; c < 0x80; ++c) every_ascii += static_cast<char>(c);
  Json state = Json::parse(R"({"z":1,"a":[1.5,-0.0,1e300,18446744073709551615],"m":null})");
  state["every_ascii"] = every_ascii;
  state["unicode"] = "é 中 😀 👩‍👩‍👧 \u2028\u2029 \U0010FFFF \uFEFF";
  state["escapes"] = "\"\\/\b\f\n\r\t";
  state[std::string("k\0ey", 4)] = std::string("nul\0inside", 10);
  state["long"] = std::string(2000, 'z');  // so that zstd compresses the row
  const std::string text = state.dump();

  for (const std::string encoding : {"json", "lz4", "zstd"}) {
    PgSchema schema;
    auto cp = deltackpt::testing::full_rows(open_postgres({.url = schema.url, .payload_encoding = encoding}));
    Checkpoint c = make("bytes", 0, state);
    c.metadata = {{"note", "\u0000 and 😀"}};
    const std::string id = cp->save(c);
    const auto loaded = cp->load("bytes");
    BOOST_TEST_REQUIRE(loaded.has_value());
    BOOST_TEST(loaded->state.dump() == text);
    BOOST_TEST(loaded->metadata.dump() == c.metadata.dump());

    const auto rows = cp->row_store().rows("bytes");
    BOOST_TEST_REQUIRE(rows.size() == 1u);
    BOOST_TEST(rows[0].header.encoding == encoding);
    BOOST_TEST(rows[0].header.checksum == detail::fnv1a64(rows[0].payload));
    Session& admin = *schema.admin;
    admin.query("SET search_path = " + schema.name);
    if (encoding == "json") {
      BOOST_TEST(rows[0].payload == text);
      // Stored as the very text, readable with psql's JSON operators.
      BOOST_TEST(admin.value("SELECT payload = $1 AND payload_bytes IS NULL FROM checkpoints"
                             " WHERE thread_id = 'bytes'", {text}) == "t");
      // The json type accepts the text as it is. Its operators unescape
      // strings as they go, and refuse documents that hold \u0000, so they
      // are shown on a state without one.
      BOOST_TEST(admin.value("SELECT payload::json IS NOT NULL FROM checkpoints") == "t");
      Json readable = state;
      readable.erase(std::string("k\0ey", 4));
      readable["every_ascii"] = every_ascii.substr(1);
      cp->save(make("readable", 0, readable));
      BOOST_TEST(admin.value("SELECT payload::json ->> 'unicode' FROM checkpoints"
                             " WHERE thread_id = 'readable'") == state["unicode"].get<std::string>());
      BOOST_TEST(admin.value("SELECT payload::json ->> 'every_ascii' FROM checkpoints"
                             " WHERE thread_id = 'readable'") == every_ascii.substr(1));
      BOOST_TEST(admin.value("SELECT payload::json -> 'a' -> 3 FROM checkpoints"
                             " WHERE thread_id = 'readable'") == "18446744073709551615");
    } else {
      BOOST_TEST(admin.value("SELECT payload IS NULL AND payload_bytes IS NOT NULL FROM "
                             "checkpoints") == "t");
      BOOST_TEST(admin.value("SELECT octet_length(payload_bytes) FROM checkpoints") ==
                 std::to_string(rows[0].payload.size()));
    }
    // A pending write of arbitrary bytes comes back as given, compressed or not.
    const std::string bytes = std::string("\0\xff\x01", 3) + std::string(3000, 'w');
    cp->put_writes({"bytes", "", id}, {{.task_id = "t", .idx = 0, .channel = "c", .type = "bytes", .value = bytes}});
    BOOST_TEST(cp->writes({"bytes", "", id}).at(0).value == bytes);
    BOOST_TEST(admin.value("SELECT value_encoding FROM writes WHERE thread_id = 'bytes'") ==
               (encoding == "zstd" ? "zstd" : "none"));
    BOOST_TEST(admin.value("SELECT to_char(created_at AT TIME ZONE 'UTC', "
                           "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM checkpoints"
                           " WHERE thread_id = 'bytes'") ==
               format_timestamp(loaded->created_at));
    BOOST_TEST(cp->load_by_id(id)->state.dump() == text);

    // Bytes text cannot hold (not UTF-8) still come back exactly, and the
    // checksum then reports the damage.
    StoredRow damaged = rows[0];
    damaged.payload[damaged.payload.size() / 2] = '\xff';
    cp->row_store().rewrite("bytes", {damaged}, {});
    BOOST_TEST(cp->row_store().rows("bytes")[0].payload == damaged.payload);
    BOOST_CHECK_THROW(deltackpt::testing::reader_of(cp->row_store())->load("bytes"), Corruption);
  }
}

BOOST_AUTO_TEST_CASE(lost_connection_is_retryable_and_leaves_no_partial_row) {
  PgSchema schema;
  auto cp = deltackpt::testing::full_rows(open_postgres({.url = schema.url, .pool_size = 2}));
  const std::string first = cp->save(make("lost", 0, {{"n", 0}}));

  // Hold the thread's head row, so the next save waits in the server...
  Session holder(schema.url);
  holder.query("BEGIN");
  holder.query("SELECT 1 FROM threads WHERE thread_id = 'lost' FOR UPDATE");
  Checkpoint next = make("lost", 1, {{"n", 1}});
  next.checkpoint_id = "lost-1";
  std::optional<StorageError> error;
  std::thread saver([&] {
    try {
      cp->save(next);
    } catch (const StorageError& e) {
      error = e;
    } catch (const std::exception& e) {
      BOOST_ERROR("not a StorageError: " << e.what());
    }
  });
  // ...then terminate its backend while it does.
  std::string pid;
  BOOST_TEST_REQUIRE(eventually([&] {
                       pid = schema.admin->value(
                           "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND "
                           "wait_event_type = 'Lock'", {schema.name});
                       return !pid.empty();
                     }),
                     "the save never reached its lock wait");
  schema.admin->query("SELECT pg_terminate_backend($1::int, 10000)", {pid});
  // The save checks whether its insert was committed after all, under the
  // same lock: let it have it.
  holder.query("ROLLBACK");
  saver.join();
  BOOST_TEST_REQUIRE(error.has_value());
  BOOST_TEST(error->retryable(), error->what());
  BOOST_TEST(std::string(error->what()).find("was not saved") != std::string::npos, error->what());
  BOOST_TEST(error->backend() == "postgres");
  BOOST_TEST(std::string(error->what()).rfind("deltackpt.postgres: insert(thread=lost, id=lost-1)", 0) == 0,
             error->what());

  // Nothing of the failed save is visible; the next call reconnects.
  BOOST_TEST(!cp->load_by_id("lost-1").has_value());
  BOOST_TEST(cp->load("lost")->checkpoint_id == first);
  BOOST_TEST(cp->list("lost").size() == 1u);
  BOOST_TEST(cp->save(next) == "lost-1");
  BOOST_TEST(cp->load("lost")->parent_id == first);

  // Idle connections killed behind the pool's back are noticed at checkout.
  schema.admin->query(
      "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE application_name = $1",
      {schema.name});
  BOOST_TEST(schema.store_connections_gone());
  for (int i = 0; i < 4; ++i) BOOST_TEST(cp->load("lost")->checkpoint_id == "lost-1");
  BOOST_TEST(cp->save(make("lost", 2, {{"n", 2}})) != "");
  BOOST_TEST(cp->list("lost").size() == 3u);
}

BOOST_AUTO_TEST_CASE(pool_serves_many_threads_with_few_connections) {
  PgSchema schema;
  constexpr int kThreads = 12;
  constexpr int kSaves = 30;
  {
    auto cp = deltackpt::testing::full_rows(open_postgres({.url = schema.url, .pool_size = 3}));
    std::atomic<bool> done{false};
    std::atomic<int> failures{0};
    int most = 0;
    std::thread watcher([&] {
      Session watch(pg_dsn());
      while (!done) {
        most = std::max(most, std::stoi(watch.value(
                                  "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                                  {schema.name})));
        std::this_thread::sleep_for(5ms);
      }
    });
    std::vector<std::thread> workers;
    for (int w = 0; w < kThreads; ++w) {
      workers.emplace_back([&, w] {
        const std::string t = "pool-" + std::to_string(w);
        try {
          for (int i = 0; i < kSaves; ++i) {
            cp->save(make(t, i, {{"w", w}, {"i", i}}));
            if (cp->load(t)->state["i"] != i) ++failures;
            cp->save(make("pool-shared", i, {{"w", w}, {"i", i}}));
          }
        } catch (const std::exception& e) {
          ++failures;
          BOOST_TEST_MESSAGE("worker " << w << ": " << e.what());
        }
      });
    }
    for (auto& t : workers) t.join();
    done = true;
    watcher.join();
    BOOST_TEST(failures.load() == 0);
    BOOST_TEST(most <= 3);
    BOOST_TEST(most >= 1);
    for (int w = 0; w < kThreads; ++w) {
      BOOST_TEST(cp->history("pool-" + std::to_string(w)).size() == std::size_t{kSaves});
    }
    const auto shared = cp->history("pool-shared");
    BOOST_TEST(shared.size() == std::size_t{kThreads * kSaves});
    for (std::size_t i = 1; i < shared.size(); ++i) {
      BOOST_TEST(shared[i].parent_id == shared[i - 1].checkpoint_id);
    }
    BOOST_TEST(schema.store_connections() <= 3);
  }
  // Closing the store closes every connection of its pool.
  BOOST_TEST(schema.store_connections_gone());
}

BOOST_AUTO_TEST_CASE(processes_extending_one_thread_never_both_win) {
  PgSchema schema;
  migrate_postgres(schema.url);
  constexpr int kProcesses = 4;
  constexpr int kRounds = 40;
  // Each process saves on its own thread and on one shared thread, plain and
  // delta, with implicit and explicit parents; it reports every id it was
  // told was saved.
  const auto outputs = in_processes(kProcesses, [&](int p, FILE* out) {
    auto cp = std::make_unique<DeltaCheckpointer>(open_postgres({.url = schema.url, .pool_size = 2}),
                                                  DeltaOptions{.full_snapshot_interval = 4});
    auto plain = deltackpt::testing::full_rows(open_postgres({.url = schema.url, .pool_size = 1}));
    const std::string own = "own-" + std::to_string(p);
    for (int i = 0; i < kRounds; ++i) {
      Json state = {{"p", p}, {"i", i}, {"log", Json::array({"x", i, p})}};
      std::fprintf(out, "own %s\n", cp->save(make(own, i, state)).c_str());
      try {
        if (i % 2 == 0) {
          std::fprintf(out, "shared %s\n", cp->save(make("shared", i, state)).c_str());
        } else if (auto head = plain->load("shared")) {
          Checkpoint c = make("shared", i, state);
          c.parent_id = head->checkpoint_id;
          std::fprintf(out, "shared %s\n", cp->save(c).c_str());
        }
      } catch (const Conflict&) {
        std::fprintf(out, "conflict\n");
      }
      std::fprintf(out, "shared %s\n", plain->save(make("shared", i, state)).c_str());
    }
    return 0;
  });
  std::set<std::string> shared_ok;
  int conflicts = 0;
  auto reader = std::make_unique<DeltaCheckpointer>(open_postgres({.url = schema.url}));
  for (int p = 0; p < kProcesses; ++p) {
    std::vector<std::string> own_ok;
    for (const auto& line : lines(outputs[static_cast<std::size_t>(p)])) {
      if (line.rfind("own ", 0) == 0) own_ok.push_back(line.substr(4));
      if (line.rfind("shared ", 0) == 0) shared_ok.insert(line.substr(7));
      if (line == "conflict") ++conflicts;
    }
    const auto history = reader->history("own-" + std::to_string(p));
    BOOST_TEST_REQUIRE(history.size() == own_ok.size());
    for (std::size_t i = 0; i < history.size(); ++i) {
      BOOST_TEST(history[i].checkpoint_id == own_ok[i]);
      BOOST_TEST(history[i].state["i"] == static_cast<int>(i));
    }
  }
  // Every checkpoint reported saved is in one unbroken line of parents, and
  // loads with the state its writer saved.
  const auto shared = reader->history("shared");
  BOOST_TEST(shared.size() == shared_ok.size());
  for (std::size_t i = 0; i < shared.size(); ++i) {
    BOOST_TEST(shared_ok.count(shared[i].checkpoint_id) == 1u);
    if (i > 0) BOOST_TEST(shared[i].parent_id == shared[i - 1].checkpoint_id);
  }
  for (const auto& id : shared_ok) {
    const auto loaded = reader->load_by_id(id);
    BOOST_TEST_REQUIRE(loaded.has_value());
    BOOST_TEST(loaded->state["log"][2] == loaded->state["p"]);
  }
  BOOST_TEST_MESSAGE("shared thread: " << shared_ok.size() << " saves, " << conflicts
                                       << " conflicts");
}

BOOST_AUTO_TEST_SUITE_END()

// SQLite-specific behaviour: RAII guards, locks, several processes on one
// file, migrations, hostile payloads.
#define BOOST_TEST_MODULE sqlite
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "backends/sqlite/sqlite_handle.hpp"
#include "deltackpt/backends/sqlite.hpp"
#include "deltackpt/deltackpt.hpp"
#include "deltackpt/maintenance.hpp"
#include "row_codec.hpp"
#include "support/exact_json.hpp"
#include "support/full_rows.hpp"
#include "support/printers.hpp"
#include "workloads.hpp"

using namespace deltackpt;
namespace sq = deltackpt::detail::sqlite;

namespace {

struct TempDb {
  TempDb() {
    path = (std::filesystem::temp_directory_path() / ("deltackpt-sqlite-" + new_checkpoint_id() + ".db")).string();
  }
  ~TempDb() {
    for (const char* suffix : {"", "-wal", "-shm", ".ids"}) std::filesystem::remove(path + suffix);
  }
  std::string path;
};

std::int64_t count(sqlite3* db, const std::string& sql) {
  sq::Statement s(db, sql);
  BOOST_TEST_REQUIRE(s.step("count"));
  return s.column_int(0);
}

}  // namespace

BOOST_AUTO_TEST_CASE(transaction_rolls_back_unless_committed) {
  auto db = sq::open(":memory:");
  sq::exec(db.get(), "CREATE TABLE t (x INTEGER)", "create");
  {
    sq::Transaction txn(db.get());
    sq::exec(db.get(), "INSERT INTO t VALUES (1)", "insert");
  }  // destroyed without commit
  BOOST_TEST(count(db.get(), "SELECT count(*) FROM t") == 0);
  {
    sq::Transaction txn(db.get());
    sq::exec(db.get(), "INSERT INTO t VALUES (2)", "insert");
    txn.commit();
    BOOST_CHECK_THROW(txn.commit(), StorageError);  // nothing left to commit
  }
  BOOST_TEST(count(db.get(), "SELECT count(*) FROM t") == 1);
  try {
    sq::Transaction txn(db.get());
    sq::exec(db.get(), "INSERT INTO t VALUES (3)", "insert");
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  BOOST_TEST(count(db.get(), "SELECT count(*) FROM t") == 1);
}

BOOST_AUTO_TEST_CASE(statement_errors_are_typed) {
  auto db = sq::open(":memory:");
  sq::exec(db.get(), "CREATE TABLE t (x INTEGER PRIMARY KEY)", "create");
  BOOST_CHECK_THROW(sq::Statement(db.get(), "SELEKT nonsense"), StorageError);
  sq::Statement insert(db.get(), "INSERT INTO t VALUES (?1)");
  insert.bind(1, std::int64_t{7});
  insert.step("insert");
  insert.reset();
  insert.bind(1, std::int64_t{7});
  BOOST_CHECK_THROW(insert.step("insert"), Conflict);  // reused after reset, then a duplicate
}

BOOST_AUTO_TEST_CASE(a_held_write_lock_is_a_retryable_storage_error) {
  TempDb file;
  auto cp = deltackpt::testing::full_rows(open_sqlite({.path = file.path, .busy_timeout = std::chrono::milliseconds(50)}));
  cp->save({.thread_id = "t", .state = {{"a", 1}}});
  auto other = sq::open(file.path);
  sq::Transaction hold(other.get());  // BEGIN IMMEDIATE: the write lock
  const auto start = std::chrono::steady_clock::now();
  try {
    cp->save({.thread_id = "t", .state = {{"a", 2}}});
    BOOST_ERROR("save succeeded while another connection held the lock");
  } catch (const StorageError& e) {
    BOOST_TEST(e.retryable());
    BOOST_TEST(e.backend() == "sqlite");
  }
  // The save gave up while the lock was still held (it returned at all,
  // which proves the timeout is finite) and only after waiting the timeout
  // out: a lower bound, which a slow machine cannot break.
  const auto waited = std::chrono::steady_clock::now() - start;
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() >= 50);
  hold.commit();
  cp->save({.thread_id = "t", .state = {{"a", 3}}});  // works again
  BOOST_TEST(cp->list("t").size() == 2u);
}

// Several processes (not threads) on one file: on their own threads and on
// one shared thread. Every save a child reports as done must load.
BOOST_AUTO_TEST_CASE(several_processes_write_one_file) {
  TempDb file;
  open_sqlite({.path = file.path});  // create the schema before the race
  constexpr int kProcesses = 4;
  constexpr int kSaves = 30;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t pid = fork();
    BOOST_TEST_REQUIRE(pid >= 0);
    if (pid == 0) {
      int failures = 0;
      try {
        auto cp = std::make_unique<DeltaCheckpointer>(
            // A writer may wait long for the lock on a loaded machine; this
            // test is about what lands, not how fast.
            open_sqlite({.path = file.path, .durability = Durability::kNormal,
                         .busy_timeout = std::chrono::minutes(10)}),
            DeltaOptions{.full_snapshot_interval = 7});
        std::ofstream ids(file.path + ".ids." + std::to_string(p));
        Json mine = {{"process", p}, {"items", Json::array()}};
        for (int i = 0; i < kSaves; ++i) {
          mine["items"].push_back(i);
          ids << "own " << cp->save({.thread_id = "own-" + std::to_string(p), .step = i, .state = mine}) << '\n';
          ids << "shared " << cp->save({.thread_id = "shared", .step = i, .state = {{"p", p}, {"i", i}}}) << '\n';
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "child %d: %s\n", p, e.what());
        failures = 1;
      }
      _exit(failures);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  auto cp = deltackpt::testing::full_rows(open_sqlite({.path = file.path}));
  std::size_t reported = 0;
  for (int p = 0; p < kProcesses; ++p) {
    std::ifstream ids(file.path + ".ids." + std::to_string(p));
    std::string kind, id;
    while (ids >> kind >> id) {
      ++reported;
      BOOST_TEST_REQUIRE(cp->load_by_id(id).has_value(), id);
    }
    std::filesystem::remove(file.path + ".ids." + std::to_string(p));
    const auto history = cp->history("own-" + std::to_string(p));
    BOOST_TEST_REQUIRE(history.size() == static_cast<std::size_t>(kSaves));
    BOOST_TEST(history.back().state["items"].size() == static_cast<std::size_t>(kSaves));
  }
  BOOST_TEST(reported == static_cast<std::size_t>(2 * kProcesses * kSaves));
  const auto shared = cp->history("shared");
  BOOST_TEST(shared.size() == static_cast<std::size_t>(kProcesses * kSaves));
  for (std::size_t i = 1; i < shared.size(); ++i) BOOST_TEST(shared[i].parent_id == shared[i - 1].checkpoint_id);
  BOOST_TEST(verify(cp->row_store()).ok());
}

BOOST_AUTO_TEST_CASE(migrations_move_forward_and_refuse_what_they_cannot_use) {
  TempDb file;
  BOOST_CHECK_THROW(sqlite_schema_status(file.path), NotFound);  // and creates nothing
  BOOST_TEST(!std::filesystem::exists(file.path));
  SchemaStatus s = migrate_sqlite(file.path, 1);
  BOOST_TEST(s.database_version == 1);
  BOOST_TEST(s.library_version >= 2);
  BOOST_TEST(s.migrations[0].applied);
  BOOST_TEST(!s.migrations[1].applied);
  // Refusing to migrate on open leaves a version-1 file unusable, clearly.
  BOOST_CHECK_THROW(open_sqlite({.path = file.path, .migrate = false}), SchemaError);
  BOOST_CHECK_THROW(migrate_sqlite(file.path, 99), InvalidArgument);
  deltackpt::testing::full_rows(open_sqlite({.path = file.path}))->save({.thread_id = "t", .state = {{"v", 2}}});
  BOOST_TEST(sqlite_schema_status(file.path).current());
  BOOST_CHECK_THROW(migrate_sqlite(file.path, 1), InvalidArgument);  // forward only
  {
    auto db = sq::open(file.path);
    sq::exec(db.get(), "INSERT INTO deltackpt_migrations VALUES (50, 'future', NULL, 'x')", "future");
  }
  try {
    open_sqlite({.path = file.path});
    BOOST_ERROR("a newer schema was accepted");
  } catch (const SchemaError& e) {
    BOOST_TEST(std::string(e.what()).find("newer") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(a_read_only_store_creates_migrates_and_writes_nothing) {
  TempDb missing;
  BOOST_CHECK_THROW(open_sqlite({.path = missing.path, .read_only = true}), NotFound);
  BOOST_TEST(!std::filesystem::exists(missing.path));
  BOOST_CHECK_THROW(open_sqlite({.path = std::filesystem::temp_directory_path().string(), .read_only = true}),
                    InvalidArgument);

  // Another application's database is left exactly as it was.
  TempDb other;
  {
    auto db = sq::open(other.path);
    sq::exec(db.get(), "CREATE TABLE app (x); INSERT INTO app VALUES (1)", "other");
  }
  const auto bytes = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string before = bytes(other.path);
  BOOST_CHECK_THROW(open_sqlite({.path = other.path, .read_only = true}), SchemaError);
  BOOST_TEST((bytes(other.path) == before));
  BOOST_TEST(!std::filesystem::exists(other.path + "-wal"));

  // An old schema is refused, not migrated.
  TempDb old;
  migrate_sqlite(old.path, 1);
  BOOST_CHECK_THROW(open_sqlite({.path = old.path, .read_only = true}), SchemaError);
  BOOST_TEST(sqlite_schema_status(old.path).database_version == 1);

  TempDb file;
  std::string id;
  {
    DeltaCheckpointer writer(open_sqlite({.path = file.path}));
    writer.save({.thread_id = "t", .state = {{"n", 0}}});
    id = writer.save({.thread_id = "t", .state = {{"n", 1}}});
  }
  DeltaCheckpointer reader(open_sqlite({.path = file.path, .read_only = true}));
  const auto latest = reader.load("t");
  BOOST_TEST_REQUIRE(latest.has_value());
  BOOST_TEST(latest->checkpoint_id == id);
  BOOST_TEST(latest->state.dump() == R"({"n":1})");
  BOOST_CHECK_THROW(reader.save({.thread_id = "t", .state = {{"n", 2}}}), StorageError);
  BOOST_TEST(reader.list("t").size() == 2u);
  BOOST_CHECK_THROW(open_sqlite({.path = file.path, .read_only = true, .payload_encoding = "zstd"}),
                    InvalidArgument);
}

BOOST_AUTO_TEST_CASE(hostile_compressed_size_is_refused_before_allocating) {
  TempDb file;
  auto inner = open_sqlite({.path = file.path, .payload_encoding = "lz4"});
  RowStore* store = inner.get();
  DeltaCheckpointer cp(std::move(inner));
  const std::string id = cp.save({.thread_id = "t", .state = {{"text", std::string(5000, 'x')}}});
  auto row = store->rows("t").front();
  BOOST_TEST(row.header.encoding == "lz4");
  BOOST_TEST(row.header.payload_size < 200);
  row.payload[8] = row.payload[9] = row.payload[10] = '\xff';
  row.payload[11] = '\x7f';  // claims about 2 GB
  row.header.checksum = detail::fnv1a64(row.payload);
  store->rewrite("t", {row}, {});
  auto reader = deltackpt::testing::reader_of(*store);
  try {
    reader->load_by_id(id);
    BOOST_ERROR("hostile size accepted");
  } catch (const Corruption& e) {
    BOOST_TEST(e.checkpoint_id() == id);
  }
}

// A zstd store: a row or write value is one plain zstd frame (checked with
// libzstd itself) where that is smaller, and stays readable text where not.
BOOST_AUTO_TEST_CASE(zstd_compresses_rows_and_writes_where_that_is_smaller) {
  const auto zstd_text = [](const std::string& frame) {
    const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
    BOOST_TEST_REQUIRE(size < (1ULL << 30));
    std::string out(size, '\0');
    BOOST_TEST_REQUIRE(ZSTD_decompress(out.data(), out.size(), frame.data(), frame.size()) == size);
    return out;
  };
  std::string words;
  for (int i = 0; i < 600; ++i) words += "word" + std::to_string(i * 7919 % 1000) + " ";
  const Json big = {{"messages", {words}}};
  const Json grown = {{"messages", {words, "ok"}}};
  TempDb file;
  {
    DeltaCheckpointer cp(open_sqlite({.path = file.path, .payload_encoding = "zstd"}));
    const std::string id = cp.save({.thread_id = "t", .state = big});
    cp.save({.thread_id = "t", .state = grown});
    cp.put_writes({"t", "", id}, {{.task_id = "a", .idx = 0, .channel = "big", .type = "json", .value = words},
                                  {.task_id = "a", .idx = 1, .channel = "small", .type = "json", .value = "1"}});
    const auto writes = cp.writes({"t", "", id});
    BOOST_TEST_REQUIRE(writes.size() == 2u);
    BOOST_TEST(writes[0].value == words);
    BOOST_TEST(writes[1].value == "1");
    BOOST_TEST(deltackpt::testing::exactly_equal(cp.load("t")->state, grown));
  }
  auto db = sq::open(file.path);
  sq::Statement full(db.get(), "SELECT encoding, typeof(payload), payload, payload_size FROM checkpoints WHERE kind = 'full'");
  BOOST_TEST_REQUIRE(full.step("full"));
  BOOST_TEST(full.column_text(0) == "zstd");
  BOOST_TEST(full.column_text(1) == "blob");
  BOOST_TEST(zstd_text(full.column_text(2)) == big.dump());
  BOOST_TEST(full.column_int(3) < static_cast<std::int64_t>(big.dump().size()) / 2);
  // A small delta would grow: JSON text, readable with json_extract.
  BOOST_TEST(count(db.get(), "SELECT count(*) FROM checkpoints WHERE kind = 'delta' AND encoding = 'json' "
                             "AND typeof(payload) = 'text' AND json_valid(payload)") == 1);
  sq::Statement w(db.get(), "SELECT channel, value_encoding, typeof(value), value, value_size FROM writes ORDER BY idx");
  BOOST_TEST_REQUIRE(w.step("writes"));
  BOOST_TEST(w.column_text(1) == "zstd");
  BOOST_TEST(w.column_text(2) == "blob");
  BOOST_TEST(zstd_text(w.column_text(3)) == words);
  BOOST_TEST(w.column_int(4) == static_cast<std::int64_t>(w.column_text(3).size()));
  BOOST_TEST_REQUIRE(w.step("writes"));
  BOOST_TEST(w.column_text(1) == "none");
  BOOST_TEST(w.column_text(2) == "text");
  BOOST_TEST(w.column_text(3) == "1");
}

// A "zstd" store compresses deltas against their chain's full row: the
// payload is that row's checksum (8 bytes, little endian) then a frame that
// libzstd itself decodes with the full row's JSON text as dictionary, and
// it is smaller than the same delta compressed alone. Every state loads
// back exactly, through a reader with no cache.
BOOST_AUTO_TEST_CASE(zstd_deltas_are_compressed_against_their_full_row) {
  const auto states = workloads::generate("chat", 60, 5);
  TempDb file;
  std::vector<std::string> ids;
  {
    DeltaCheckpointer cp(open_sqlite({.path = file.path, .payload_encoding = "zstd"}), {.full_snapshot_interval = 20});
    for (std::size_t i = 0; i < states.size(); ++i) {
      ids.push_back(cp.save({.thread_id = "t", .step = static_cast<std::int64_t>(i), .state = states[i]}));
    }
  }
  const auto unzstd = [](const std::string& frame, const std::string& dictionary) {
    const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
    BOOST_TEST_REQUIRE(size < (1ULL << 30));
    std::string out(size, '\0');
    ZSTD_DCtx* d = ZSTD_createDCtx();
    const std::size_t n = ZSTD_decompress_usingDict(d, out.data(), out.size(), frame.data(), frame.size(),
                                                    dictionary.data(), dictionary.size());
    ZSTD_freeDCtx(d);
    BOOST_TEST_REQUIRE(n == size, ZSTD_getErrorName(n));
    return out;
  };
  auto db = sq::open(file.path);
  std::map<std::string, std::pair<std::string, std::string>> full_rows;  // id -> checksum, JSON text
  sq::Statement fulls(db.get(), "SELECT checkpoint_id, checksum, encoding, payload FROM checkpoints WHERE kind = 'full'");
  while (fulls.step("full rows")) {
    const std::string payload = fulls.column_text(3);
    full_rows[fulls.column_text(0)] = {fulls.column_text(1),
                                       fulls.column_text(2) == "zstd" ? unzstd(payload, "") : payload};
  }
  std::size_t chained = 0, against_base = 0, alone = 0;
  sq::Statement deltas(db.get(), "SELECT base_id, payload FROM checkpoints WHERE encoding = 'zstd-chain'");
  while (deltas.step("deltas")) {
    const auto& [checksum, text] = full_rows.at(deltas.column_text(0));
    const std::string payload = deltas.column_text(1);
    std::uint64_t recorded = 0;
    for (int i = 7; i >= 0; --i) recorded = (recorded << 8) | static_cast<unsigned char>(payload[static_cast<std::size_t>(i)]);
    // Formatted here, not with the library's checksum_text: the column is 16 hex digits.
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(recorded));
    BOOST_TEST(std::string(hex) == checksum);
    const std::string delta = unzstd(payload.substr(8), text);
    BOOST_TEST(Json::accept(delta));
    std::string single(ZSTD_compressBound(delta.size()), '\0');
    alone += ZSTD_compress(single.data(), single.size(), delta.data(), delta.size(), 3);
    against_base += payload.size();
    ++chained;
  }
  BOOST_TEST(chained > 40u);
  BOOST_TEST(against_base < alone);
  BOOST_TEST_MESSAGE("figure: chat deltas, zstd against the full row " << against_base << " bytes, alone " << alone);
  auto store = open_sqlite({.path = file.path});
  auto reader = deltackpt::testing::reader_of(*store);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    BOOST_TEST_REQUIRE(deltackpt::testing::exactly_equal(reader->load_by_id(ids[i])->state, states[i]));
  }
}

// The full row a zstd-chain delta names is checked before it is used as a
// dictionary: stored otherwise (here: as JSON text, same state, another
// checksum) or a delta claiming another row, the delta's load is Corruption
// naming it, the full row itself still loads, and verify lists the delta.
BOOST_AUTO_TEST_CASE(a_zstd_chain_delta_against_another_full_row_is_corruption) {
  const auto states = workloads::generate("chat", 8, 6);
  TempDb file;
  std::vector<std::string> ids;
  {
    DeltaCheckpointer cp(open_sqlite({.path = file.path, .payload_encoding = "zstd"}));
    for (std::size_t i = 0; i < states.size(); ++i) {
      ids.push_back(cp.save({.thread_id = "t", .step = static_cast<std::int64_t>(i), .state = states[i]}));
    }
  }
  auto db = sq::open(file.path);
  std::vector<std::string> chained;  // zstd-chain deltas, oldest first
  {
    sq::Statement s(db.get(), "SELECT checkpoint_id FROM checkpoints WHERE encoding = 'zstd-chain' ORDER BY seq");
    while (s.step("chained")) chained.push_back(s.column_text(0));
  }
  BOOST_TEST_REQUIRE(chained.size() >= 3u);
  BOOST_TEST_REQUIRE(count(db.get(), "SELECT count(*) FROM checkpoints WHERE kind = 'full' AND encoding = 'zstd'") == 1);
  const auto expect_corrupt = [&](const std::string& victim, const std::string& words) {
    auto store = open_sqlite({.path = file.path});
    auto reader = deltackpt::testing::reader_of(*store);
    try {
      reader->load_by_id(victim);
      BOOST_ERROR("checkpoint " << victim << " loaded");
    } catch (const Corruption& e) {
      BOOST_TEST(e.checkpoint_id() == victim);
      BOOST_TEST(std::string(e.what()).find(words) != std::string::npos, e.what());
    }
    BOOST_TEST(!verify(*store, "t").ok());
  };
  // A delta that claims another full row: its first byte changed, re-signed.
  const std::string& first = chained[0];
  {
    sq::Statement row(db.get(), "SELECT payload FROM checkpoints WHERE checkpoint_id = '" + first + "'");
    BOOST_TEST_REQUIRE(row.step("payload"));
    const std::string pristine = row.column_text(0);
    const auto store_payload = [&](const std::string& payload) {
      sq::Statement set(db.get(), "UPDATE checkpoints SET payload = ?1, checksum = ?2 WHERE checkpoint_id = ?3");
      set.bind_blob(1, payload);
      set.bind(2, checksum_text(payload_checksum(payload)));
      set.bind(3, first);
      set.step("store payload");
    };
    std::string damaged = pristine;
    damaged[0] = static_cast<char>(damaged[0] ^ 0x01);
    store_payload(damaged);
    expect_corrupt(first, "compressed against a full row with checksum");
    store_payload(pristine);
  }
  // The full row rewritten as JSON text: the same state, another checksum.
  const std::string text = states[0].dump();
  sq::Statement set(db.get(), "UPDATE checkpoints SET encoding = 'json', payload = ?1, payload_size = ?2, checksum = ?3 "
                              "WHERE checkpoint_id = ?4");
  set.bind(1, text);
  set.bind(2, static_cast<std::int64_t>(text.size()));
  set.bind(3, checksum_text(payload_checksum(text)));
  set.bind(4, ids[0]);
  set.step("rewrite full row");
  expect_corrupt(first, "has checksum");
  auto store = open_sqlite({.path = file.path});
  auto reader = deltackpt::testing::reader_of(*store);
  BOOST_TEST(deltackpt::testing::exactly_equal(reader->load_by_id(ids[0])->state, states[0]));
}

// compact() moves a store between settings, rows and write values both:
// what each setting writes, checked in the file, and every state and write
// as saved after each move.
BOOST_AUTO_TEST_CASE(compact_moves_a_store_between_settings) {
  const auto states = workloads::generate("tool_results", 40, 9);
  const std::string words = [] {
    std::string w;
    for (int i = 0; i < 400; ++i) w += "result" + std::to_string(i * 31 % 97) + " ";
    return w;
  }();
  TempDb file;
  std::vector<std::string> ids;
  {
    DeltaCheckpointer cp(open_sqlite({.path = file.path, .payload_encoding = "zstd"}), {.full_snapshot_interval = 15});
    for (std::size_t i = 0; i < states.size(); ++i) {
      ids.push_back(cp.save({.thread_id = "t", .step = static_cast<std::int64_t>(i), .state = states[i]}));
    }
    cp.put_writes({"t", "", ids[5]}, {{.task_id = "a", .idx = 0, .channel = "c", .type = "json", .value = words}});
  }
  const auto encodings = [&](const std::string& sql) {
    std::set<std::string> out;
    auto db = sq::open(file.path);
    sq::Statement s(db.get(), sql);
    while (s.step("encodings")) out.insert(s.column_text(0));
    return out;
  };
  const auto move_to = [&](const std::string& setting) {
    auto store = open_sqlite({.path = file.path, .payload_encoding = setting});
    const CompactResult r = compact(*store, "", DeltaOptions{.full_snapshot_interval = 15});
    BOOST_TEST(r.checkpoints == states.size());
    auto reader = deltackpt::testing::reader_of(*store);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      BOOST_TEST_REQUIRE(deltackpt::testing::exactly_equal(reader->load_by_id(ids[i])->state, states[i]), setting);
    }
    BOOST_TEST(reader->writes({"t", "", ids[5]}).at(0).value == words);
    BOOST_TEST(verify(*store, "t").ok());
    return r;
  };
  const std::string deltas = "SELECT DISTINCT encoding FROM checkpoints WHERE kind = 'delta'";
  const std::string fulls = "SELECT DISTINCT encoding FROM checkpoints WHERE kind = 'full'";
  const std::string values = "SELECT DISTINCT value_encoding FROM writes";
  BOOST_TEST(encodings(deltas).count("zstd-chain") == 1u);
  BOOST_TEST(move_to("json").writes_reencoded == 1u);
  BOOST_TEST((encodings(deltas) == std::set<std::string>{"json"}));
  BOOST_TEST((encodings(fulls) == std::set<std::string>{"json"}));
  BOOST_TEST((encodings(values) == std::set<std::string>{"none"}));
  move_to("zstd-full-rows");
  BOOST_TEST((encodings(deltas) == std::set<std::string>{"json"}));
  BOOST_TEST((encodings(fulls) == std::set<std::string>{"zstd"}));
  BOOST_TEST((encodings(values) == std::set<std::string>{"none"}));
  move_to("zstd");
  BOOST_TEST(encodings(deltas).count("zstd-chain") == 1u);
  BOOST_TEST((encodings(fulls) == std::set<std::string>{"zstd"}));
  BOOST_TEST((encodings(values) == std::set<std::string>{"zstd"}));
}

// 0005's .down.sql, as a DBA would run it: refused while zstd-chain rows
// exist (version 4 could not read them), applied once compact has rewritten
// them; zstd-full-rows becomes zstd, a setting version 4 knows.
BOOST_AUTO_TEST_CASE(version_5_down_refuses_chain_rows) {
  const auto read = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string down = read(DELTACKPT_SQLITE_MIGRATIONS_DIR "/0005_chain_compression.down.sql");
  BOOST_TEST_REQUIRE(!down.empty());
  TempDb file;
  {
    DeltaCheckpointer cp(open_sqlite({.path = file.path, .payload_encoding = "zstd"}));
    for (const auto& state : workloads::generate("chat", 12, 3)) cp.save({.thread_id = "t", .state = state});
  }
  {
    // Newest first, as a DBA goes back: 0006 (nothing quarantined), then 0005.
    auto db = sq::open(file.path);
    sq::exec(db.get(), "BEGIN;\n" + read(DELTACKPT_SQLITE_MIGRATIONS_DIR "/0006_quarantine.down.sql") + "\nCOMMIT;",
             "0006 down");
    BOOST_TEST_REQUIRE(count(db.get(), "SELECT count(*) FROM checkpoints WHERE encoding = 'zstd-chain'") > 0);
    try {
      sq::exec(db.get(), "BEGIN;\n" + down + "\nCOMMIT;", "0005 down");
      BOOST_ERROR("0005 down ran over zstd-chain rows");
    } catch (const StorageError& e) {
      BOOST_TEST(std::string(e.what()).find("zstd-chain rows exist") != std::string::npos, e.what());
    }
    sq::exec(db.get(), "ROLLBACK", "rollback");
    BOOST_TEST(count(db.get(), "SELECT max(version) FROM deltackpt_migrations") == 5);
  }
  {
    auto store = open_sqlite({.path = file.path, .payload_encoding = "zstd-full-rows"});
    compact(*store, "", DeltaOptions{});
  }
  auto db = sq::open(file.path);
  sq::exec(db.get(), "BEGIN;\n" + read(DELTACKPT_SQLITE_MIGRATIONS_DIR "/0006_quarantine.down.sql") + "\nCOMMIT;",
           "0006 down");  // the open above applied it again
  sq::exec(db.get(), "BEGIN;\n" + down + "\nCOMMIT;", "0005 down");
  BOOST_TEST(count(db.get(), "SELECT max(version) FROM deltackpt_migrations") == 4);
  sq::Statement setting(db.get(), "SELECT value FROM deltackpt_settings WHERE key = 'payload_encoding'");
  BOOST_TEST_REQUIRE(setting.step("setting"));
  BOOST_TEST(setting.column_text(0) == "zstd");
}

// 0006's .down.sql, as a DBA would run it: refused while the quarantine
// holds rows (going back must not delete them), applied once it is empty.
BOOST_AUTO_TEST_CASE(version_6_down_refuses_quarantined_rows) {
  std::ifstream in(DELTACKPT_SQLITE_MIGRATIONS_DIR "/0006_quarantine.down.sql");
  const std::string down(std::istreambuf_iterator<char>(in), {});
  BOOST_TEST_REQUIRE(!down.empty());
  TempDb file;
  {
    auto store = open_sqlite({.path = file.path});
    DeltaCheckpointer cp(*store);
    const std::string first = cp.save({.thread_id = "t", .state = {{"a", 1}}});
    cp.save({.thread_id = "t", .state = {{"a", 2}}});
    BOOST_TEST(store->quarantine("t", {{first, "kept for this test"}}).size() == 1u);
  }
  auto db = sq::open(file.path);
  try {
    sq::exec(db.get(), "BEGIN;\n" + down + "\nCOMMIT;", "0006 down");
    BOOST_ERROR("0006 down ran over quarantined rows");
  } catch (const StorageError& e) {
    BOOST_TEST(std::string(e.what()).find("quarantined rows exist") != std::string::npos, e.what());
  }
  sq::exec(db.get(), "ROLLBACK", "rollback");
  BOOST_TEST(count(db.get(), "SELECT count(*) FROM quarantined_checkpoints WHERE reason = 'kept for this test'") == 1);
  sq::exec(db.get(), "DELETE FROM quarantined_checkpoints", "empty the quarantine");
  sq::exec(db.get(), "BEGIN;\n" + down + "\nCOMMIT;", "0006 down");
  BOOST_TEST(count(db.get(), "SELECT max(version) FROM deltackpt_migrations") == 5);
  BOOST_TEST(count(db.get(), "SELECT count(*) FROM sqlite_master WHERE name = 'quarantined_checkpoints'") == 0);
}

// 0003 -> 0004 on a real version 3 file holding a write: it reads back, as
// the runtime's bytes (value_encoding 'none'), and new writes can be compressed.
BOOST_AUTO_TEST_CASE(version_3_writes_upgrade) {
  TempDb file;
  BOOST_TEST(migrate_sqlite(file.path, 3).database_version == 3);
  {
    auto db = sq::open(file.path);
    sq::exec(db.get(),
             "INSERT INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, task_path, channel, type, "
             "value_size, value) VALUES ('t', '', 'c1', 'task', 0, '', 'messages', 'json', 5, '[1,2]')",
             "v3 write");
  }
  DeltaCheckpointer cp(open_sqlite({.path = file.path, .payload_encoding = "zstd"}));
  BOOST_TEST(sqlite_schema_status(file.path).current());
  const auto writes = cp.writes({"t", "", "c1"});
  BOOST_TEST_REQUIRE(writes.size() == 1u);
  BOOST_TEST(writes[0].value == "[1,2]");
  BOOST_TEST(writes[0].channel == "messages");
  cp.put_writes({"t", "", "c1"}, {{.task_id = "task", .idx = 1, .channel = "c", .type = "json",
                                   .value = std::string(3000, 'x')}});
  auto db = sq::open(file.path);
  BOOST_TEST(count(db.get(), "SELECT count(*) FROM writes WHERE value_encoding = 'none' AND idx = 0") == 1);
  BOOST_TEST(count(db.get(), "SELECT count(*) FROM writes WHERE value_encoding = 'zstd' AND idx = 1") == 1);
  BOOST_TEST(cp.writes({"t", "", "c1"})[1].value == std::string(3000, 'x'));
}

// A new database is set to zstd-full-rows: its full rows are zstd blobs
// and its deltas JSON text that sqlite3's json functions read; "json" keeps
// every row text.
BOOST_AUTO_TEST_CASE(deltas_are_readable_json_text) {
  TempDb file, text_only;
  const std::string first(1000, 'a');
  for (const auto* path : {&file.path, &text_only.path}) {
    DeltaCheckpointer cp(open_sqlite({.path = *path, .payload_encoding = path == &file.path ? "" : "json"}));
    cp.save({.thread_id = "t", .state = {{"messages", {first}}}});
    cp.save({.thread_id = "t", .state = {{"messages", {first, std::string(300, 'b')}}}});
  }
  BOOST_TEST(count(sq::open(text_only.path).get(), "SELECT count(*) FROM checkpoints WHERE typeof(payload) = 'text'") == 2);
  auto db = sq::open(file.path);
  sq::Statement setting(db.get(), "SELECT value FROM deltackpt_settings WHERE key = 'payload_encoding'");
  BOOST_TEST_REQUIRE(setting.step("setting"));
  BOOST_TEST(setting.column_text(0) == "zstd-full-rows");
  BOOST_TEST(count(db.get(), "SELECT count(*) FROM checkpoints WHERE kind = 'full' AND encoding = 'zstd' AND typeof(payload) = 'blob'") == 1);
  BOOST_TEST(count(db.get(), "SELECT count(*) FROM checkpoints WHERE kind = 'delta' AND typeof(payload) = 'text'") == 1);
  sq::Statement s(db.get(),
                  "SELECT length(json_extract(payload, '$.keys.messages.edits[0].ins[0]')) FROM checkpoints "
                  "WHERE kind = 'delta'");
  BOOST_TEST_REQUIRE(s.step("query"));
  BOOST_TEST(s.column_int(0) == 300);
}

// The replay budget counts JSON text bytes whatever the payload encoding:
// an lz4 store writes full rows and deltas exactly where a JSON text store
// does, whether the writer saved the parent itself (cached) or read it back
// (a second writer), and compact() decides the same way.
BOOST_AUTO_TEST_CASE(the_replay_budget_does_not_depend_on_compression) {
  // kv_churn's state keeps its size, so the budget ends its chains.
  const auto states = workloads::generate("kv_churn", 160, 4);
  const DeltaOptions policy{.full_snapshot_interval = 1000, .replay_budget = 0.5};
  auto kinds_of = [&](const std::string& encoding) {
    TempDb file;
    {
      DeltaCheckpointer first(open_sqlite({.path = file.path, .payload_encoding = encoding}), policy);
      for (std::size_t i = 0; i < 80; ++i) {
        first.save({.thread_id = "t", .step = static_cast<std::int64_t>(i), .state = states[i]});
      }
    }
    DeltaCheckpointer second(open_sqlite({.path = file.path}), policy);  // rebuilds its parent
    for (std::size_t i = 80; i < states.size(); ++i) {
      second.save({.thread_id = "t", .step = static_cast<std::int64_t>(i), .state = states[i]});
    }
    std::string kinds;
    for (const auto& row : second.row_store().rows("t")) {
      // What each setting writes; zstd keeps a row as JSON text where
      // compressing would not shrink it.
      const bool full = row.header.kind == RowKind::kFull;
      const std::string& e = row.header.encoding;
      if (encoding == "zstd") {
        BOOST_TEST((e == "json" || e == (full ? "zstd" : "zstd-chain")), e);
      } else if (encoding == "zstd-full-rows") {
        BOOST_TEST((e == "json" || (full && e == "zstd")), e);
      } else {
        BOOST_TEST(e == encoding);
      }
      kinds += row.header.kind == RowKind::kFull ? 'F' : 'd';
    }
    compact(second.row_store(), "t", policy);
    std::string compacted;
    for (const auto& row : second.row_store().rows("t")) {
      compacted += row.header.kind == RowKind::kFull ? 'F' : 'd';
    }
    return std::pair(kinds, compacted);
  };
  const auto json = kinds_of("json");
  const auto lz4 = kinds_of("lz4");
  const auto zstd = kinds_of("zstd");
  const auto zstd_full_rows = kinds_of("zstd-full-rows");
  BOOST_TEST(json.first == zstd_full_rows.first);
  BOOST_TEST(json.second == zstd_full_rows.second);
  BOOST_TEST(json.first == lz4.first);
  BOOST_TEST(json.second == lz4.second);
  BOOST_TEST(json.first == zstd.first);
  BOOST_TEST(json.second == zstd.second);
  // The budget, not the interval, ends the chains here.
  BOOST_TEST(std::count(json.first.begin(), json.first.end(), 'F') >= 3);
  BOOST_TEST_MESSAGE("rows written: " << json.first << "\ncompacted:    " << json.second);
}

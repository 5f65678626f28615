// Bad input, corrupt rows and killed writers: every case of
// docs/reliability.md, each asserting the error it gets and that nothing
// else was written or lost. Prints the figures the doc reports.
#define BOOST_TEST_MODULE reliability
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>

#include "backends/sqlite/sqlite_handle.hpp"
#include "deltackpt/backends/sqlite.hpp"
#include "deltackpt/config.hpp"
#include "deltackpt/deltackpt.hpp"
#include "deltackpt/maintenance.hpp"
#include "deltackpt/open.hpp"
#include "row_codec.hpp"
#include "support/full_rows.hpp"
#include "support/exact_json.hpp"
#include "support/printers.hpp"
#include "workloads.hpp"

using namespace deltackpt;
using deltackpt::testing::exactly_equal;

namespace {

// zstd frames made with libzstd itself (not the library's encoder), for
// damaging rows.
std::string zstd_of(const std::string& bytes) {
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  const std::size_t n = ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), 1);
  BOOST_REQUIRE(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

// A frame header alone (magic, single-segment descriptor, 4-byte content
// size) claiming `size` bytes.
std::string zstd_frame_claiming(std::uint64_t size) {
  std::string out("\x28\xb5\x2f\xfd\xa0", 5);
  for (int i = 0; i < 4; ++i) out += static_cast<char>((size >> (8 * i)) & 0xFFU);
  return out;
}

struct TempDb {
  TempDb() {
    path = (std::filesystem::temp_directory_path() / ("deltackpt-rel-" + new_checkpoint_id() + ".db")).string();
  }
  ~TempDb() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  std::string path;
};

struct BadInput {
  const char* name;
  ErrorCode expected;
  std::function<void(Checkpoint&)> spoil;
  SaveOptions options{};
};

Json nested(int depth) {
  Json v = 1;
  for (int i = 0; i < depth; ++i) v = Json::array({v});
  return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(bad_input_is_refused_and_writes_nothing) {
  TempDb file;
  DeltaCheckpointer cp(open_sqlite({.path = file.path}), {.limits = {.max_state_bytes = 1 << 20}});
  const std::string other_thread = cp.save({.thread_id = "other", .state = {{"x", 1}}});
  const std::string first = cp.save({.thread_id = "t", .state = {{"x", 1}}});
  cp.save({.thread_id = "t", .state = {{"x", 1}, {"y", 2}}});  // the head is no longer `first`
  const std::vector<BadInput> cases = {
      {"state is an array", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.state = Json::array(); }},
      {"state is a string", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.state = "s"; }},
      {"state is null", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.state = nullptr; }},
      {"metadata is a number", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.metadata = 3; }},
      {"metadata is an array", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.metadata = Json::array(); }},
      {"empty thread id", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.thread_id = ""; }},
      {"thread id over 256 bytes", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.thread_id = std::string(257, 't'); }},
      {"thread id with NUL", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.thread_id = std::string("t\0x", 3); }},
      {"thread id not UTF-8", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.thread_id = "t\xc0"; }},
      {"checkpoint id over 256 bytes", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.checkpoint_id = std::string(300, 'c'); }},
      {"checkpoint id with NUL", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.checkpoint_id = std::string("c\0", 2); }},
      {"duplicate checkpoint id", ErrorCode::kConflict, [&](Checkpoint& c) { c.checkpoint_id = first; }},
      {"parent that does not exist", ErrorCode::kNotFound, [](Checkpoint& c) { c.parent_id = "nope"; }},
      {"parent of another thread", ErrorCode::kNotFound, [&](Checkpoint& c) { c.parent_id = other_thread; }},
      {"fork without a parent", ErrorCode::kInvalidArgument, [](Checkpoint&) {}, {.fork = true}},
      {"parent no longer the head", ErrorCode::kConflict, [&](Checkpoint& c) { c.parent_id = first; }},
      {"invalid UTF-8 in a string", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.state["s"] = "ok \xff"; }},
      {"invalid UTF-8 in a key", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.state["k\xfe"] = 1; }},
      {"overlong UTF-8", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.state["s"] = "\xc0\xaf"; }},
      {"UTF-16 surrogate in UTF-8", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.state["s"] = "\xed\xa0\x80"; }},
      {"invalid UTF-8 in metadata", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.metadata["m"] = "\x80"; }},
      {"invalid UTF-8 in a pending node", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.pending_nodes = {"\xff"}; }},
      {"NaN", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.state["f"] = std::nan(""); }},
      {"infinity", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.state["f"] = std::numeric_limits<double>::infinity(); }},
      {"NaN nested in metadata", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.metadata["a"] = {1, std::nan("")}; }},
      {"nesting deeper than 128", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.state["deep"] = nested(200); }},
      {"state over the size limit", ErrorCode::kInvalidArgument, [](Checkpoint& c) { c.state["big"] = std::string(2 << 20, 'x'); }},
  };
  std::size_t tried = 0;
  for (const auto& bad : cases) {
    Checkpoint c{.thread_id = "t", .state = {{"x", 2}}};
    bad.spoil(c);
    try {
      cp.save(c, bad.options);
      BOOST_ERROR(bad.name << ": accepted");
    } catch (const Error& e) {
      BOOST_TEST(e.code() == bad.expected, bad.name << ": " << e.what());
    }
    ++tried;
  }
  // Nothing was written by any of them.
  BOOST_TEST(cp.list("t").size() == 2u);
  BOOST_TEST(cp.threads().size() == 2u);
  // Ids that look like SQL are data.
  const std::string odd = "a'b\"c;d%e_f\ng é 😀 ); DROP TABLE checkpoints; --";
  BOOST_TEST(cp.save({.thread_id = odd, .checkpoint_id = odd, .state = {{"x", 3}}}) == odd);
  BOOST_TEST(cp.load(odd)->checkpoint_id == odd);
  BOOST_TEST(cp.list("a'b%").empty());  // no LIKE anywhere
  BOOST_TEST_MESSAGE("figure: bad inputs tried " << tried << ", all refused with the expected code");
}

// Damage every row of a chain in each way a disk or a hostile writer could,
// one at a time, on a real SQLite file; each must be Corruption naming the
// damaged row (or a row whose chain passes through it), found by verify, and
// leave the other rows loadable.
BOOST_AUTO_TEST_CASE(corrupt_rows_are_detected_and_named) {
  TempDb file;
  auto inner = open_sqlite({.path = file.path});
  RowStore* store = inner.get();
  DeltaCheckpointer writer(std::move(inner), {.full_snapshot_interval = 6, .replay_budget = 100});
  const auto states = workloads::generate("chat", 12, 21);
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < states.size(); ++i) {
    ids.push_back(writer.save({.thread_id = "t", .step = static_cast<std::int64_t>(i), .state = states[i]}));
  }
  const auto pristine = store->rows("t");
  std::mt19937_64 random(7);
  struct Damage {
    const char* name;
    std::function<void(StoredRow&)> apply;
    bool fix_checksum;  // re-sign so the damage gets past the checksum
  };
  const std::vector<Damage> damages = {
      {"flipped byte", [&](StoredRow& r) { r.payload[random() % r.payload.size()] ^= static_cast<char>(1 << (random() % 8)); }, false},
      {"truncated payload", [](StoredRow& r) { r.payload.resize(r.payload.size() / 2); }, false},
      {"truncated, re-signed", [](StoredRow& r) { r.payload.resize(r.payload.size() / 2); r.header.payload_size = static_cast<std::int64_t>(r.payload.size()); }, true},
      {"delta from the future", [](StoredRow& r) { r.payload = R"({"v":9})"; r.header.payload_size = 7; }, true},
      {"delta that does not fit", [](StoredRow& r) { r.payload = R"({"v":1,"keys":{"messages":{"edits":[{"at":100000,"del":1}]}}})"; r.header.payload_size = static_cast<std::int64_t>(r.payload.size()); }, true},
      {"wrong state size", [](StoredRow& r) { r.header.state_size += 1; }, false},
      {"deep nesting", [](StoredRow& r) { r.payload = std::string(100000, '[') + std::string(100000, ']'); r.header.payload_size = 200000; }, true},
      {"unknown encoding", [](StoredRow& r) { r.header.encoding = "zstd9"; }, false},
      {"zstd claiming 2 GB", [](StoredRow& r) { r.header.encoding = "zstd"; r.payload = zstd_frame_claiming(0x7fffffffULL); r.header.payload_size = static_cast<std::int64_t>(r.payload.size()); }, true},
      {"zstd frame cut short", [](StoredRow& r) { r.header.encoding = "zstd"; r.payload = zstd_of(r.payload); r.payload.resize(r.payload.size() - 3); r.header.payload_size = static_cast<std::int64_t>(r.payload.size()); }, true},
      {"zstd frame with trailing bytes", [](StoredRow& r) { r.header.encoding = "zstd"; r.payload = zstd_of(r.payload) + "xx"; r.header.payload_size = static_cast<std::int64_t>(r.payload.size()); }, true},
      {"lz4 claiming 2 GB", [](StoredRow& r) { r.header.encoding = "lz4"; r.payload = std::string("dckptlz4\xff\xff\xff\x7f", 12) + "xx"; r.header.payload_size = 14; }, true},
      {"missing base row", [](StoredRow& r) { if (r.header.kind == RowKind::kDelta) r.header.parent_id = "gone"; else r.header.state_size += 1; }, false},
  };
  std::size_t injected = 0, detected = 0;
  for (const auto& damage : damages) {
    for (std::size_t victim = 0; victim < pristine.size(); ++victim) {
      StoredRow bad = pristine[victim];
      damage.apply(bad);
      if (damage.fix_checksum) bad.header.checksum = detail::fnv1a64(bad.payload);
      store->rewrite("t", {bad}, {});
      ++injected;
      auto reader = deltackpt::testing::reader_of(*store);
      bool named = false;
      try {
        reader->load_by_id(ids[victim]);
      } catch (const Corruption& e) {
        named = e.checkpoint_id() == ids[victim];
      }
      const VerifyReport report = verify(reader->row_store(), "t");
      const bool listed = !report.ok() && report.problems.front().checkpoint_id == ids[victim];
      // Rows whose chain does not pass through the damaged one still load.
      bool others_fine = true;
      for (std::size_t k = 0; k < pristine.size(); ++k) {
        const RowHeader& h = pristine[k].header;
        const bool depends = k == victim || (h.base_id == pristine[victim].header.base_id &&
                                             h.depth > pristine[victim].header.depth);
        if (depends) continue;
        try {
          others_fine = others_fine && exactly_equal(reader->load_by_id(ids[k])->state, states[k]);
        } catch (const Error&) {
          others_fine = false;
        }
      }
      BOOST_TEST(named, damage.name << " in row " << victim);
      BOOST_TEST(listed, damage.name << " in row " << victim);
      BOOST_TEST(others_fine, damage.name << " in row " << victim);
      if (named && listed) ++detected;
      store->rewrite("t", {pristine[victim]}, {});  // repair for the next case
    }
  }
  BOOST_TEST(verify(writer.row_store(), "t").ok());
  BOOST_TEST_MESSAGE("figure: corruptions detected " << detected << " of " << injected << " injected");
}

// Reads "id index" lines that a writer sends through a pipe, one line per
// acknowledged save. Waits for events, not for time: the deadline only turns
// a writer that makes no progress at all into a clear failure.
class AckPipe {
 public:
  explicit AckPipe(int fd) : fd_(fd) {}
  ~AckPipe() { close(fd_); }

  // Blocks until `count` more lines have arrived; false on end of file, or
  // when no new line came for `stall_limit`.
  bool wait_for(std::size_t count, std::chrono::seconds stall_limit) {
    const std::size_t want = lines_.size() + count;
    while (lines_.size() < want) {
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      const int ready = poll(&p, 1, static_cast<int>(stall_limit.count() * 1000));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return false;  // stalled
      if (!read_some()) return false;
    }
    return true;
  }

  // Reads everything left once the writer is gone.
  void drain() {
    while (read_some()) {
    }
  }

  const std::vector<std::pair<std::string, std::size_t>>& lines() const { return lines_; }

 private:
  bool read_some() {
    char buffer[4096];
    const ssize_t n = read(fd_, buffer, sizeof buffer);
    if (n <= 0) return false;
    pending_.append(buffer, static_cast<std::size_t>(n));
    for (std::size_t end; (end = pending_.find('\n')) != std::string::npos; pending_.erase(0, end + 1)) {
      std::istringstream line(pending_.substr(0, end));
      std::string id;
      std::size_t index = 0;
      if (line >> id >> index) lines_.emplace_back(id, index);
    }
    return true;
  }

  int fd_;
  std::string pending_;  // a partial line
  std::vector<std::pair<std::string, std::size_t>> lines_;
};

// A writer saving in a loop is killed with SIGKILL in the middle of a save;
// after each kill the store opens, verifies, and every save that returned
// before the kill loads exactly. The kill comes after the writer has
// acknowledged a random number of saves (so it never depends on how fast
// the machine is), plus a random delay that moves the kill around within
// the next save.
BOOST_AUTO_TEST_CASE(killed_writers_lose_nothing_committed) {
  TempDb file;
  open_sqlite({.path = file.path});
  const auto states = workloads::generate("kv_churn", 400, 5);
  constexpr int kKills = 24;
  constexpr std::size_t kLeastAcknowledgedPerRound = 3;
  // Only a writer that acknowledges nothing for this long fails the test.
  constexpr std::chrono::seconds kStallLimit{300};
  std::mt19937_64 random(std::random_device{}());
  std::vector<std::pair<std::string, std::size_t>> acknowledged;  // id, state index
  std::size_t next_state = 0;
  int survived = 0;
  int kills = 0;
  for (int round = 0; round < kKills && next_state < states.size(); ++round) {
    int pipe_fds[2];
    BOOST_TEST_REQUIRE(pipe(pipe_fds) == 0);
    const pid_t pid = fork();
    BOOST_TEST_REQUIRE(pid >= 0);
    if (pid == 0) {
      close(pipe_fds[0]);
      try {
        DeltaCheckpointer cp(open_sqlite({.path = file.path}), {.full_snapshot_interval = 10});
        for (std::size_t i = next_state; i < states.size(); ++i) {
          const std::string id = cp.save({.thread_id = "t", .step = static_cast<std::int64_t>(i), .state = states[i]});
          const std::string line = id + " " + std::to_string(i) + "\n";  // < PIPE_BUF: one write
          if (write(pipe_fds[1], line.data(), line.size()) < 0) _exit(3);
        }
      } catch (...) {
        _exit(2);
      }
      _exit(0);
    }
    close(pipe_fds[1]);
    AckPipe acks(pipe_fds[0]);
    const std::size_t before_kill = kLeastAcknowledgedPerRound + random() % 12;
    const bool progressed = acks.wait_for(before_kill, kStallLimit);
    if (progressed) {
      // Spreads the kill over the phases of the save now under way; nothing
      // waits on this delay.
      usleep(static_cast<useconds_t>(random() % 3000));
      kill(pid, SIGKILL);
      ++kills;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    acks.drain();
    const bool finished = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    BOOST_TEST_REQUIRE((progressed || finished),
                       "round " << round << ": the writer acknowledged fewer than " << before_kill
                                << " saves and then none for " << kStallLimit.count()
                                << " s, or failed (status " << status << ")");
    for (const auto& ack : acks.lines()) {
      acknowledged.push_back(ack);
      next_state = ack.second + 1;
    }
    // The store opens and verifies; everything acknowledged loads exactly.
    auto cp = deltackpt::testing::full_rows(open_sqlite({.path = file.path}));
    const VerifyReport report = verify(cp->row_store());
    BOOST_TEST(report.ok(), "after kill " << round << ": " << (report.ok() ? "" : report.problems.front().message));
    bool all_there = true;
    for (const auto& [ack_id, state_index] : acknowledged) {
      const auto loaded = cp->load_by_id(ack_id);
      all_there = all_there && loaded && exactly_equal(loaded->state, states[state_index]);
    }
    BOOST_TEST(all_there, "after kill " << round);
    if (report.ok() && all_there) ++survived;
  }
  BOOST_TEST(kills == kKills);
  BOOST_TEST(acknowledged.size() >= kKills * kLeastAcknowledgedPerRound);
  BOOST_TEST_MESSAGE("figure: " << survived << " kills survived, " << acknowledged.size()
                                << " acknowledged saves, 0 lost");
}

BOOST_AUTO_TEST_CASE(connection_strings_are_read_as_libpq_reads_them_and_never_echo_a_password) {
  using Kind = StoreUrl::Kind;
  for (const char* url : {"postgresql://h/db", "Postgres://u@h/db", "POSTGRESQL://h/db", "host=h dbname=db",
                          " dbname=db user=u", "service=agents"}) {
    BOOST_TEST((parse_store_url(url).kind == Kind::kPostgres), url);
  }
  BOOST_TEST((parse_store_url("agent.db").kind == Kind::kSqlite));
  BOOST_TEST(parse_store_url("Postgres://U@H/Db").target == "postgres://U@H/Db");  // libpq knows only lowercase
  const auto message_of = [](const auto& call) {
    try {
      call();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    BOOST_ERROR("no error");
    return std::string();
  };
  const std::string secret = "s3cret-pw";
  for (const std::string& url : {"ftp://u:" + secret + "@h/db", "mysql://h/db?password=" + secret,
                                 "hots=h password=" + secret, "hots=h password='" + secret + "'"}) {
    const std::string why = message_of([&] { parse_store_url(url); });
    BOOST_TEST(why.find(secret) == std::string::npos, why);
    BOOST_TEST(why.find("***") != std::string::npos, why);
  }
#if DELTACKPT_HAVE_POSTGRES
  // Refused connections, and libpq's own words about a bad password token
  // (it quotes the token: 'invalid percent-encoded token: "s3cret%zz"').
  for (const std::string& url : {"postgresql://u:" + secret + "@127.0.0.1:1/db",
                                 "host=127.0.0.1 port=1 dbname=db password=" + secret,
                                 "postgresql://u:" + secret + "%zz@127.0.0.1:1/db"}) {
    const std::string why = message_of([&] { open(url); });
    BOOST_TEST(why.find(secret) == std::string::npos, why);
  }
#endif
}

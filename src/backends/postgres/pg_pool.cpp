// The connection pool and the translation of libpqxx exceptions.
#include "pg_pool.hpp"

#include <poll.h>

#include "conninfo.hpp"
#include "deltackpt/errors.hpp"

namespace deltackpt::detail::postgres {
namespace {

constexpr const char* kBackend = "postgres";
constexpr std::string_view kPrefix = "deltackpt.postgres: ";

// PostgreSQL's own integer form of a SQLSTATE (MAKE_SQLSTATE in the server's
// utils/elog.h: six bits per character), used as StorageError::native_code.
int sqlstate_code(std::string_view state) {
  if (state.size() != 5) return 0;
  unsigned code = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    code |= ((static_cast<unsigned>(static_cast<unsigned char>(state[i])) - '0') & 0x3FU)
            << (6 * i);
  }
  return static_cast<int>(code);
}

// The server's primary message: pqxx passes on libpq's text, which starts
// with the severity and may go on with DETAIL/HINT/LINE lines.
std::string primary_message(const char* what) {
  std::string_view text(what);
  for (const std::string_view severity : {"ERROR:  ", "FATAL:  "}) {
    if (text.substr(0, severity.size()) == severity) text.remove_prefix(severity.size());
  }
  text = text.substr(0, text.find('\n'));
  return std::string(text);
}

// Class 08 (connection exception), and the server going away under us.
bool breaks_connection(std::string_view state) {
  return state.substr(0, 2) == "08" || state == "57P01" || state == "57P02" || state == "57P03";
}

// Conditions where the same call may well succeed if made again.
bool transient(std::string_view state) {
  return state.substr(0, 2) == "40"  // serialization failure, deadlock
         || state == "55P03"        // lock_not_available (lock_timeout)
         || state == "57014"        // query_canceled (statement_timeout)
         || state == "53300";       // too_many_connections
}

template <class E>
TranslatedError make(E error, bool connection_lost) {
  return {std::make_exception_ptr(std::move(error)), connection_lost};
}

// True when an idle connection may still be used. A connection that was idle
// has nothing to read unless the server sent something unasked, which in
// practice is a FATAL message before closing it (pg_terminate_backend, a
// shutdown) or the close itself. Costs one poll(2), no round trip.
bool usable(const pqxx::connection& cx) {
  if (!cx.is_open()) return false;
  pollfd fd{};
  fd.fd = cx.sock();
  if (fd.fd < 0) return false;
  fd.events = POLLIN;
  return ::poll(&fd, 1, 0) == 0;
}

}  // namespace

std::string describe(const pqxx::sql_error& e) {
  return primary_message(e.what()) + " [SQLSTATE " + e.sqlstate() + "]";
}

TranslatedError translate_current_exception(std::string_view operation) {
  const std::string where = std::string(kPrefix) + std::string(operation) + ": ";
  try {
    throw;
  } catch (const Error&) {
    return {std::current_exception(), false};
  } catch (const pqxx::broken_connection& e) {
    return make(StorageError(where + "connection lost: " + primary_message(e.what()) +
                                 " (the next call reconnects)",
                             kBackend, 0, true),
                true);
  } catch (const pqxx::unique_violation& e) {
    return make(Conflict(where + primary_message(e.what())), false);
  } catch (const pqxx::sql_error& e) {
    const std::string& state = e.sqlstate();
    const bool lost = breaks_connection(state);
    return make(StorageError(where + describe(e), kBackend, sqlstate_code(state), lost || transient(state)),
                lost);
  } catch (const pqxx::in_doubt_error& e) {
    return make(StorageError(where + "the connection broke during COMMIT, which may or may not "
                                     "have taken effect: " + primary_message(e.what()),
                             kBackend, 0, true),
                true);
  } catch (const pqxx::transaction_rollback& e) {
    // libpqxx 6 gives these (serialization failure, deadlock) no SQLSTATE.
    return make(StorageError(where + primary_message(e.what()), kBackend, 0, true), false);
  } catch (const std::exception& e) {
    return make(StorageError(where + primary_message(e.what()), kBackend, 0, false), false);
  } catch (...) {
    return make(StorageError(where + "unknown error", kBackend, 0, false), false);
  }
}

std::unique_ptr<pqxx::connection> connect(const std::string& url) {
  try {
    auto cx = std::make_unique<pqxx::connection>(url);
    // Text must cross the wire unconverted for payloads to round-trip.
    cx->set_client_encoding("UTF8");
    return cx;
  } catch (const pqxx::broken_connection& e) {
    throw StorageError(std::string(kPrefix) + "connect: " + detail::without_passwords_of(primary_message(e.what()), url),
                       kBackend, 0, true);
  } catch (...) {
    // libpq's words about a bad connection string may quote it.
    const TranslatedError translated = translate_current_exception("connect");
    try {
      std::rethrow_exception(translated.error);
    } catch (const StorageError& e) {
      throw StorageError(detail::without_passwords_of(e.what(), url), e.backend(), e.native_code(), e.retryable());
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(detail::without_passwords_of(e.what(), url));
    } catch (const Error& e) {
      throw Error(e.code(), detail::without_passwords_of(e.what(), url));
    }
  }
}

Pool::Pool(std::string url, std::size_t size, Setup setup)
    : url_(std::move(url)), size_(size), setup_(std::move(setup)) {
  idle_.reserve(size_);  // so that release() never allocates
}

Pool::~Pool() = default;

Pool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->release(std::move(cx_));
}

Pool::Lease Pool::acquire() {
  std::unique_ptr<pqxx::connection> cx;
  {
    std::unique_lock lock(mutex_);
    freed_.wait(lock, [&] { return !idle_.empty() || taken_ < size_; });
    if (!idle_.empty()) {
      cx = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++taken_;
    }
  }
  // From here the lease holds the slot, and gives it back if opening fails.
  Lease lease(this, nullptr);
  if (cx && usable(*cx)) {
    lease.cx_ = std::move(cx);
    return lease;
  }
  cx.reset();
  auto fresh = connect(url_);
  try {
    setup_(*fresh);
  } catch (...) {
    std::rethrow_exception(translate_current_exception("connect").error);
  }
  lease.cx_ = std::move(fresh);
  return lease;
}

void Pool::adopt(std::unique_ptr<pqxx::connection> cx) {
  std::lock_guard lock(mutex_);
  ++taken_;
  idle_.push_back(std::move(cx));
}

void Pool::release(std::unique_ptr<pqxx::connection> cx) noexcept {
  {
    std::lock_guard lock(mutex_);
    if (cx) {
      idle_.push_back(std::move(cx));
    } else {
      --taken_;
    }
  }
  freed_.notify_one();
}

}  // namespace deltackpt::detail::postgres

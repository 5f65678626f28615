// A small pool of libpqxx connections and the translation of pqxx errors.
// With postgres_row_store.cpp, the only code that includes pqxx, so a
// libpqxx upgrade touches this directory only.
#pragma once

#include <pqxx/pqxx>

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace deltackpt::detail::postgres {

// The deltackpt error for the exception being handled: Conflict for a
// unique violation, a retryable StorageError for a lost connection or a
// transient server condition (serialization failure, deadlock, lock or
// statement timeout, too many connections), StorageError with the SQLSTATE
// otherwise. deltackpt's own errors pass through unchanged. `operation` names
// what failed, e.g. "insert(thread=t1, id=c42)".
// REQUIRES: called inside a catch block.
struct TranslatedError {
  std::exception_ptr error;
  bool connection_lost = false;  // the connection must not be used again
};
TranslatedError translate_current_exception(std::string_view operation);

// The server's message without severity and detail lines, and its SQLSTATE:
// "relation \"x\" already exists [SQLSTATE 42P07]".
std::string describe(const pqxx::sql_error& e);

// Opens a connection to `url` with the session settings deltackpt relies on
// (client_encoding UTF8). Throws the translated error on failure.
std::unique_ptr<pqxx::connection> connect(const std::string& url);

// Up to `size` connections, each used by one thread at a time. Connections
// open on first need and stay open; one found broken (at checkout, or by an
// error while leased) is closed and a fresh one opened in its place.
// `setup` runs once on every new connection (e.g. to prepare statements).
// Thread-safe. REQUIRES: no Lease outlives the pool.
class Pool {
 public:
  using Setup = std::function<void(pqxx::connection&)>;

  Pool(std::string url, std::size_t size, Setup setup);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A connection checked out of the pool; returned to it on destruction.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), cx_(std::move(other.cx_)) {
      other.pool_ = nullptr;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    pqxx::connection& operator*() const noexcept { return *cx_; }
    pqxx::connection* operator->() const noexcept { return cx_.get(); }
    // Closes the connection instead of returning it: it is broken.
    void discard() noexcept { cx_.reset(); }

   private:
    friend class Pool;
    Lease(Pool* pool, std::unique_ptr<pqxx::connection> cx) noexcept
        : pool_(pool), cx_(std::move(cx)) {}
    Pool* pool_;
    std::unique_ptr<pqxx::connection> cx_;
  };

  // Waits for a free connection, opening one if the pool is not full.
  // Throws a retryable StorageError when the server cannot be reached.
  Lease acquire();

  // Takes `cx` (already set up) as the pool's first idle connection.
  void adopt(std::unique_ptr<pqxx::connection> cx);

 private:
  void release(std::unique_ptr<pqxx::connection> cx) noexcept;

  const std::string url_;
  const std::size_t size_;
  const Setup setup_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;  // most recently used last
  std::size_t taken_ = 0;  // slots in use: idle, leased, or being opened
};

}  // namespace deltackpt::detail::postgres

// The one exception hierarchy every deltackpt function throws from.
#pragma once

#include <stdexcept>
#include <string>

#include "deltackpt/export.hpp"

namespace deltackpt {

enum class ErrorCode {
  kInvalidArgument,  // the caller passed something unusable; nothing was written
  kNotFound,         // an id that must exist (a parent, a checkpoint to show) does not
  kConflict,         // duplicate id, or another writer moved the thread's head first
  kCorruption,       // a stored row or delta chain cannot be decoded or fails its checksum
  kStorage,          // the backend failed (I/O, lock timeout, lost connection)
  kSchema,           // the database schema is not one this build can use
};

// A stable lowercase name for `code`, e.g. "conflict".
DELTACKPT_EXPORT const char* to_string(ErrorCode code) noexcept;

// Base of every exception deltackpt throws. No third-party exception escapes
// the public API: they are translated into one of the subclasses below.
class DELTACKPT_EXPORT Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

class DELTACKPT_EXPORT InvalidArgument : public Error {
 public:
  explicit InvalidArgument(const std::string& message)
      : Error(ErrorCode::kInvalidArgument, message) {}
};

class DELTACKPT_EXPORT NotFound : public Error {
 public:
  explicit NotFound(const std::string& message)
      : Error(ErrorCode::kNotFound, message) {}
};

class DELTACKPT_EXPORT Conflict : public Error {
 public:
  explicit Conflict(const std::string& message)
      : Error(ErrorCode::kConflict, message) {}
};

// A row that cannot be trusted. `checkpoint_id()` names it when known.
class DELTACKPT_EXPORT Corruption : public Error {
 public:
  Corruption(const std::string& message, std::string checkpoint_id = {})
      : Error(ErrorCode::kCorruption, message),
        checkpoint_id_(std::move(checkpoint_id)) {}
  const std::string& checkpoint_id() const noexcept { return checkpoint_id_; }

 private:
  std::string checkpoint_id_;
};

// The backend failed. `retryable()` is true when the same call may succeed
// if made again (lock timeout, broken connection that will be reopened).
class DELTACKPT_EXPORT StorageError : public Error {
 public:
  StorageError(const std::string& message, std::string backend,
               int native_code = 0, bool retryable = false)
      : Error(ErrorCode::kStorage, message),
        backend_(std::move(backend)),
        native_code_(native_code),
        retryable_(retryable) {}
  const std::string& backend() const noexcept { return backend_; }
  int native_code() const noexcept { return native_code_; }
  bool retryable() const noexcept { return retryable_; }

 private:
  std::string backend_;
  int native_code_;
  bool retryable_;
};

class DELTACKPT_EXPORT SchemaError : public Error {
 public:
  explicit SchemaError(const std::string& message)
      : Error(ErrorCode::kSchema, message) {}
};

}  // namespace deltackpt

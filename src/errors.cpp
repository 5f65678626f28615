// Names of error codes and row kinds.
#include "deltackpt/checkpoint.hpp"
#include "deltackpt/errors.hpp"

namespace deltackpt {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kCorruption: return "corruption";
    case ErrorCode::kStorage: return "storage";
    case ErrorCode::kSchema: return "schema";
  }
  return "unknown";
}

const char* to_string(RowKind kind) noexcept {
  return kind == RowKind::kFull ? "full" : "delta";
}

}  // namespace deltackpt

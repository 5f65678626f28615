// Lets Boost.Test print deltackpt's enums in failure messages.
#pragma once

#include <ostream>

#include "deltackpt/checkpoint.hpp"
#include "deltackpt/errors.hpp"

namespace deltackpt {
inline std::ostream& operator<<(std::ostream& out, RowKind kind) { return out << to_string(kind); }
inline std::ostream& operator<<(std::ostream& out, ErrorCode code) { return out << to_string(code); }
}  // namespace deltackpt

// Lets Boost.Test print deltackpt's enums in failure messages.
#pragma once

#include <ostream>

#include "deltackpt/checkpoint.hpp"
#include "deltackpt/errors.hpp"

namespace deltackpt {
inline std::ostream& operator<<(std::ostream& out, RowKind kind) { return out << to_string(kind); }
inline std::ostream& operator<<(std::ostream& out, ErrorCode code) { return out << to_string(code); }
}  // namespace deltackpt

#include <boost/test/tools/detail/print_helper.hpp>
// Timestamps lives in std::chrono, where no printer may be added; compare
// them with BOOST_TEST and read the values from format_timestamp if needed.
BOOST_TEST_DONT_PRINT_LOG_VALUE(deltackpt::Timestamp)

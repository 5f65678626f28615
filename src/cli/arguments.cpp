// Strict parsing of option values (an oversized --max-age once overflowed
// and pruned nearly every checkpoint).
#include "arguments.hpp"

#include <charconv>
#include <limits>

#include "deltackpt/errors.hpp"

namespace deltackpt::cli {

std::int64_t parse_whole_number(const std::string& text, std::int64_t min, std::int64_t max) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end || value < min || value > max) {
    throw InvalidArgument("\"" + text + "\" is not a whole number from " + std::to_string(min) +
                          " to " + std::to_string(max));
  }
  return value;
}

std::chrono::microseconds parse_age(const std::string& text) {
  constexpr std::int64_t kMaxMicros = std::numeric_limits<std::int64_t>::max();
  const auto bad = [&](const std::string& why) {
    return InvalidArgument("\"" + text + "\" " + why);
  };
  const std::size_t digits = text.find_first_not_of("0123456789");
  if (digits == 0 || digits == std::string::npos || digits + 1 != text.size()) {
    throw bad("is not a duration like 30s, 15m, 12h, 7d or 2w");
  }
  const char unit = text.back();
  const std::int64_t seconds_per = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600
                                 : unit == 'd' ? 86400 : unit == 'w' ? 604800 : 0;
  if (seconds_per == 0) throw bad("has an unknown unit (s, m, h, d or w)");
  const std::int64_t max_count = kMaxMicros / (seconds_per * 1'000'000);
  std::int64_t count = 0;
  const auto [stop, error] = std::from_chars(text.data(), text.data() + digits, count);
  if (error != std::errc() || count > max_count) {
    throw bad("is out of range: at most " + std::to_string(max_count) + std::string(1, unit));
  }
  return std::chrono::microseconds(count * seconds_per * 1'000'000);
}

}  // namespace deltackpt::cli

// Values of command-line options, parsed strictly: a value out of range or
// with trailing text is refused, never wrapped, clamped or truncated.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace deltackpt::cli {

// A whole number in [min, max], written in decimal digits with an optional
// leading '-'; throws InvalidArgument otherwise. Messages start with the
// quoted text: the caller names the option.
std::int64_t parse_whole_number(const std::string& text, std::int64_t min, std::int64_t max);

// "30s", "15m", "12h", "7d", "2w": a count of whole units whose length in
// microseconds fits 64 bits; throws InvalidArgument otherwise.
std::chrono::microseconds parse_age(const std::string& text);

}  // namespace deltackpt::cli

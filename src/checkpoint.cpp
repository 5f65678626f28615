// Timestamps and time-ordered checkpoint ids.
#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <random>

#include <unistd.h>

#include "deltackpt/checkpoint.hpp"
#include "deltackpt/errors.hpp"

namespace deltackpt {

Timestamp now() noexcept {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

std::string format_timestamp(Timestamp t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const auto in_day = t - day;
  const auto h = duration_cast<hours>(in_day);
  const auto m = duration_cast<minutes>(in_day - h);
  const auto s = duration_cast<seconds>(in_day - h - m);
  const auto us = (in_day - h - m - s).count();
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(h.count()),
                static_cast<int>(m.count()), static_cast<int>(s.count()),
                static_cast<long long>(us));
  return buffer;
}

Timestamp parse_timestamp(const std::string& text) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, consumed = 0;
  const char* p = text.c_str();
  // Accept 'T' or ' ' between date and time (PostgreSQL prints a space).
  if (std::sscanf(p, "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) != 6) {
    throw InvalidArgument("deltackpt: not an ISO-8601 UTC timestamp: \"" + text + "\"");
  }
  std::size_t i = static_cast<std::size_t>(consumed);
  long long micros = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    int scale = 100000;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      micros += (text[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
  }
  // UTC ("Z", "+00:00") or an offset such as "+02:00", converted to UTC.
  const std::string zone = text.substr(i);
  long long offset_minutes = 0;
  if (!zone.empty() && zone != "Z") {
    int oh = 0, om = 0;
    char sign = 0;
    int used = 0;
    const bool ok = std::sscanf(zone.c_str(), "%c%2d:%2d%n", &sign, &oh, &om, &used) == 3 ||
                    std::sscanf(zone.c_str(), "%c%2d%n", &sign, &oh, &used) == 2;
    if (!ok || (sign != '+' && sign != '-') || static_cast<std::size_t>(used) != zone.size() ||
        oh > 23 || om > 59) {
      throw InvalidArgument("deltackpt: timestamp has an unreadable time zone: \"" + text + "\"");
    }
    offset_minutes = (sign == '-' ? -1 : 1) * (oh * 60LL + om);
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) {
    throw InvalidArgument("deltackpt: not a valid date and time: \"" + text + "\"");
  }
  return Timestamp{sys_days{ymd}.time_since_epoch() + hours{h} + minutes{mi} + seconds{s} +
                   microseconds{micros} - minutes{offset_minutes}};
}

std::string new_checkpoint_id() {
  // UUIDv7: 48 bits of Unix milliseconds, then 12 bits that count up within
  // one millisecond (so ids of one process stay ordered), then 62 random bits.
  static std::mutex mutex;
  static std::mt19937_64 random;
  static pid_t seeded_in = 0;
  static std::uint64_t last_ms = 0;
  static std::uint32_t counter = 0;
  std::uint64_t ms;
  std::uint32_t seq;
  std::uint64_t noise;
  {
    std::lock_guard lock(mutex);
    // Reseed in every process: a child made by fork() would otherwise make
    // exactly the ids its siblings make.
    if (seeded_in != getpid()) {
      seeded_in = getpid();
      std::random_device device;
      random.seed((static_cast<std::uint64_t>(device()) << 32) ^ device() ^
                  static_cast<std::uint64_t>(seeded_in));
      last_ms = 0;
    }
    ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
    if (ms <= last_ms) {
      ms = last_ms;
      if (++counter > 0xFFF) {  // 4096 ids in one millisecond: borrow the next one
        ++ms;
        counter = 0;
      }
    } else {
      counter = static_cast<std::uint32_t>(random() & 0x3FF);  // leave room to count up
    }
    last_ms = ms;
    seq = counter;
    noise = random();
  }
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%08llx-%04llx-7%03x-%04llx-%012llx",
                static_cast<unsigned long long>(ms >> 16),
                static_cast<unsigned long long>(ms & 0xFFFF), seq & 0xFFFU,
                static_cast<unsigned long long>(0x8000 | ((noise >> 48) & 0x3FFF)),
                static_cast<unsigned long long>(noise & 0xFFFFFFFFFFFFULL));
  return buffer;
}

}  // namespace deltackpt

// default_cache_bytes(): the state cache's default size, from the memory
// this process may use.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>

#include "deltackpt/delta_checkpointer.hpp"

namespace deltackpt {
namespace {

constexpr std::uint64_t kFloorBytes = std::uint64_t{64} << 20;
constexpr std::uint64_t kShare = 16;  // of the memory, for the heads of live threads

// The machine's physical memory; 0 when unknown.
std::uint64_t physical_bytes() noexcept {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
}

// A container's memory limit (cgroup v2, then v1); 0 when none is set.
std::uint64_t cgroup_limit_bytes() noexcept {
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(path);
    std::string text;
    if (!(in >> text) || text == "max") continue;
    try {
      return std::stoull(text);
    } catch (...) {  // not a number: no limit we can read
    }
  }
  return 0;
}

}  // namespace

std::size_t default_cache_bytes() noexcept {
  static const std::size_t bytes = [] {
    std::uint64_t memory = physical_bytes();
    if (const std::uint64_t limit = cgroup_limit_bytes(); limit != 0 && (memory == 0 || limit < memory)) memory = limit;
    const std::uint64_t share = std::max(kFloorBytes, memory / kShare);
    return static_cast<std::size_t>(std::min<std::uint64_t>(share, std::numeric_limits<std::size_t>::max()));
  }();
  return bytes;
}

}  // namespace deltackpt

// The information floor of a workload: what its whole history takes when
// compressed as one stream, with no random access.
#pragma once

#include <cstdint>
#include <string>

namespace deltackpt::bench {

// The bytes of every state of the run (compact JSON, one per line, as a
// JSONL file of it holds them) through zstd at level 19 with a 128 MiB long
// window: `zstd -19 --long=27` over that file. Seconds per 100 MB of states.
std::int64_t information_floor(const std::string& workload, int steps, std::uint64_t seed);

}  // namespace deltackpt::bench

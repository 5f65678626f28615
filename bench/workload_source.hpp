// The states a bench run saves: the project's workload generator, or a JSONL file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "deltackpt/json.hpp"

namespace deltackpt::bench {

// Yields one full state per step, step 0 first. Not thread-safe.
class StateSource {
 public:
  virtual ~StateSource() = default;
  // The next state. Throws std::runtime_error past the end of a file.
  virtual Json next() = 0;
};

// True when `workload` names a file rather than a generator: it contains a
// '/' or ends in ".jsonl" or ".json".
bool is_file_workload(const std::string& workload);

// The generator's default steps, or the number of lines of a file. Throws
// std::invalid_argument for an unknown generator or an unreadable file.
int default_steps(const std::string& workload);

// A short name for tables and file names: the generator name, or the
// file's name without directory and extension.
std::string workload_label(const std::string& workload);

// Opens the source at step 0. Every call yields the same sequence.
std::unique_ptr<StateSource> open_source(const std::string& workload, std::uint64_t seed);

}  // namespace deltackpt::bench

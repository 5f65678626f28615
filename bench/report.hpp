// Tables, CSV, JSON and the issue-5 target checks over a set of run results.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "bench_types.hpp"

namespace deltackpt::bench {

// One target of issue 5, checked on results of one bench invocation.
struct TargetCheck {
  std::string name;     // e.g. "chat: stored bytes, full / delta"
  std::string backend;  // where it was measured
  std::string want;     // e.g. ">= 50x"
  double value = 0;     // the measured ratio
  bool pass = false;
  std::string detail;   // the numbers the ratio comes from
};

// Every target whose inputs are present in `results` (others are skipped).
std::vector<TargetCheck> check_targets(const std::vector<RunResult>& results);

// Readable tables, one per workload, then the target checks.
void print_tables(std::ostream& out, const std::vector<RunResult>& results,
                  const std::vector<TargetCheck>& targets);
// The delta-option sweep as a table, one per workload.
void print_sweep(std::ostream& out, const std::vector<RunResult>& results);

void write_csv(std::ostream& out, const std::vector<RunResult>& results);
Json to_json(const std::vector<RunResult>& results, const std::vector<TargetCheck>& targets,
             const Json& context);

// "1.23 ms", "456 us", "2.10 s".
std::string format_us(double us);
// "118.0 MB", "3.4 kB" (decimal units).
std::string format_bytes(double bytes);

}  // namespace deltackpt::bench

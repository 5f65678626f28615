// The comparison part of the bench: what deltackpt is measured against and
// what it is held to. The core (bench/) runs workloads through strategies
// and reports what it measured; this part adds the baselines that run beside
// deltackpt's own strategies (adk-graph's algorithm, adk_baseline.hpp) and
// the targets of issue 5, checked on the results.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "baseline.hpp"
#include "bench_types.hpp"

namespace deltackpt::bench::compare {

// The baselines the bench can run: "adk".
std::vector<Baseline> baselines();

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
// The targets are stated for the workloads' own step counts.
std::vector<TargetCheck> check_targets(const std::vector<RunResult>& results);
// The "== targets (issue 5)" table; nothing when `targets` is empty.
void print_targets(std::ostream& out, const std::vector<TargetCheck>& targets);
// The "targets" array of results.json.
Json to_json(const std::vector<TargetCheck>& targets);

}  // namespace deltackpt::bench::compare

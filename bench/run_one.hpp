// Runs one workload x strategy x backend combination and measures it.
#pragma once

#include <string>
#include <vector>

#include "baseline.hpp"
#include "bench_types.hpp"

namespace deltackpt::bench {

// The strategies run_one() runs, in the order the bench runs and prints
// them: full, each baseline's, delta, raw.
std::vector<std::string> strategies(const std::vector<Baseline>& baselines);
// Strategies run only when asked for: "given" (save_delta with each step's
// delta handed over, as a runtime that knows its change saves).
std::vector<std::string> optional_strategies();

// Saves spec.steps states, then loads them back every way the bench
// measures, checking every loaded state against the saved one. Meant to run
// in a process of its own (peak RSS is the process's). Never throws: a
// failure (including a loaded state that differs) comes back as ok == false.
// spec.strategy is full, delta, raw or the strategy of one of `baselines`.
RunResult run_one(const RunSpec& spec, const std::vector<Baseline>& baselines);

}  // namespace deltackpt::bench

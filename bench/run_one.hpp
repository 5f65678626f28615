// Runs one workload x strategy x backend combination and measures it.
#pragma once

#include "bench_types.hpp"

namespace deltackpt::bench {

// Saves spec.steps states, then loads them back every way the bench
// measures, checking every loaded state against the saved one. Meant to run
// in a process of its own (peak RSS is the process's). Never throws: a
// failure (including a loaded state that differs) comes back as ok == false.
RunResult run_one(const RunSpec& spec);

}  // namespace deltackpt::bench

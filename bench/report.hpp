// Tables, CSV and JSON over a set of run results.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "bench_types.hpp"

namespace deltackpt::bench {

// Readable tables, one per workload.
void print_tables(std::ostream& out, const std::vector<RunResult>& results);
// The delta-option sweep as a table, one per workload.
void print_sweep(std::ostream& out, const std::vector<RunResult>& results);

void write_csv(std::ostream& out, const std::vector<RunResult>& results);
// `context` with "results" added: every run, its workload as its label.
Json to_json(const std::vector<RunResult>& results, const Json& context);

// The workloads of `results` (their labels), in first-seen order.
std::vector<std::string> workloads_of(const std::vector<RunResult>& results);
// The successful run of that workload (label), strategy and backend;
// nullptr when there is none.
const RunResult* find_run(const std::vector<RunResult>& results, const std::string& workload,
                          const std::string& strategy, const std::string& backend);

// "1.23 ms", "456 us", "2.10 s".
std::string format_us(double us);
// "118.0 MB", "3.4 kB" (decimal units).
std::string format_bytes(double bytes);
// snprintf of one number: fmt("%.2fx", 1.5) is "1.50x".
std::string fmt(const char* format, double v);

}  // namespace deltackpt::bench

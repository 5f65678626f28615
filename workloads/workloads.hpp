// Deterministic generators of agent-state traces, for tests and the bench.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include <nlohmann/json.hpp>
namespace deltackpt::workloads {
using Json = nlohmann::ordered_json;   // key order is insertion order
struct WorkloadInfo { std::string name; int default_steps; std::string description; };
// The five workloads, in a fixed order: chat, doc_edit, kv_churn, tool_results, plan_edit.
const std::vector<WorkloadInfo>& all();
// Workloads for tests rather than measurement: number_flip.
const std::vector<WorkloadInfo>& test_workloads();
// Produces the full state after each step, one call per step (step 0 first).
class Generator {
 public:
  virtual ~Generator() = default;
  virtual Json next() = 0;
};
// Throws std::invalid_argument naming the unknown workload.
std::unique_ptr<Generator> make_generator(std::string_view name, std::uint64_t seed = 1);
// Convenience: the first `steps` states.
std::vector<Json> generate(std::string_view name, int steps, std::uint64_t seed = 1);
}
